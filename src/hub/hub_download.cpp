#include "models/hub_url.h"
#include "sonavec/hub.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

#include "hub/file_download.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/model.h"

namespace sonavec {

namespace fs = std::filesystem;

namespace {

// Two pulls writing the same .part files would corrupt each other; the second one is turned away.
class pull_lock {
public:
    explicit pull_lock(const fs::path& dir) {
        const fs::path path = dir / ".pull.lock";
        fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        if (fd_ < 0) throw error(error_kind::io, "cannot create " + path.string() + ": " + std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw error(error_kind::busy, "another `sonavec model pull` is already downloading into " + dir.string());
        }
    }
    ~pull_lock() { ::close(fd_); }
    pull_lock(const pull_lock&) = delete;
    pull_lock& operator=(const pull_lock&) = delete;

private:
    int fd_ = -1;
};

class puller {
public:
    puller(const pull_options& opts, std::string endpoint, fs::path dir)
        : opts_(opts), endpoint_(std::move(endpoint)), dir_(std::move(dir)),
          client_(token(), endpoint_.rfind("http://", 0) == 0) {}

    // False when the file is not in the repository (only for optional files); throws on anything else.
    bool fetch(const std::string& file, bool optional) {
        const std::string url = hub_file_url(endpoint_, opts_.repo, opts_.revision, file);
        const fs::path dest = dir_ / file;
        std::error_code ec;
        if (fs::is_regular_file(dest, ec)) {
            try {
                const remote_file remote = client_.probe(url);
                if (fs::file_size(dest, ec) == remote.size && !ec) {
                    say("up to date: " + file + " (" + std::to_string(remote.size) + " bytes)", file);
                    return true;
                }
            } catch (const download_error& e) {
                if (optional && is_missing_file(e)) return false;
                throw;
            }
        }
        const int attempts = std::max(1, opts_.attempts);
        for (int attempt = 1;; attempt++) {
            try {
                const download_result r = client_.download(url, dest, file, opts_.progress);
                if (r.sha256_checked) say("  " + file + ": SHA-256 verified", file);
                return true;
            } catch (const download_error& e) {
                if (optional && is_missing_file(e)) return false;
                if (e.what_kind != download_error::kind::transient || attempt >= attempts) throw;
                say(std::string(e.what()) + "; retrying (" + std::to_string(attempt + 1) + " of " +
                        std::to_string(attempts) + ")",
                    file);
                std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
            }
        }
    }

    // A status line for the caller's display; file names the file it is about, if any.
    void say(const std::string& line, const std::string& file = {}) const {
        if (!opts_.progress) return;
        download_event e;
        e.file = file;
        e.message = line;
        opts_.progress(e);
    }

private:
    static std::string token() {
        const char* t = std::getenv("HF_TOKEN");
        return t ? t : "";
    }

    // A 404 for this file alone, as opposed to the whole repository or revision being absent.
    static bool is_missing_file(const download_error& e) {
        return e.what_kind == download_error::kind::http && e.http_status == 404 &&
               e.hub_error_code != "RepoNotFound" && e.hub_error_code != "RevisionNotFound";
    }

    const pull_options& opts_;
    std::string endpoint_;
    fs::path dir_;
    http_client client_;
};

}  // namespace

namespace {

void pull_locked(const pull_options& opts, const std::string& endpoint, const fs::path& dir) {
    pull_lock lock(dir);
    puller p(opts, endpoint, dir);
    const std::string what = opts.repo + " (" + opts.revision + ")";
    p.say("pulling " + what + " from " + endpoint + " into " + dir.string());
    try {
        for (const auto& f : model_config_files()) p.fetch(f, false);
        const auto& weights = model_weight_files();
        if (!p.fetch(weights[0], true) && !p.fetch(weights[1], true))
            throw error(error_kind::not_found,
                        what + " has neither " + weights[0] + " nor " + weights[1] + " at " + endpoint);
    } catch (const download_error& e) {
        using kind = download_error::kind;
        if (e.what_kind == kind::no_connection)
            throw multiline_error(error_kind::io,
                                  "cannot reach " + for_terminal(endpoint) + " (" + for_terminal(e.what()) +
                                  "). No network?\nTo install the model by hand, " +
                                  manual_download_help(opts.repo, opts.revision, endpoint, dir) +
                                  "or run `sonavec model pull` again when online.");
        if (e.what_kind == kind::http && e.hub_error_code == "RevisionNotFound")
            throw error(error_kind::not_found, "revision '" + opts.revision + "' not found in " + opts.repo +
                                                   " at " + endpoint + ": " + e.what());
        if (e.what_kind == kind::http && (e.http_status == 404 || e.http_status == 401))
            throw error(error_kind::not_found, "repository " + opts.repo + " not found at " + endpoint +
                        " (check the name; a private or gated repository needs HF_TOKEN): " + e.what());
        if (e.what_kind == kind::http && e.http_status == 403)
            throw error(error_kind::io, "access to " + opts.repo + " denied at " + endpoint +
                        " (a gated repository needs its terms accepted and HF_TOKEN set): " + e.what());
        if (e.what_kind == kind::transient)
            throw multiline_error(error_kind::io,
                                  for_terminal(e.what()) + "\nRun `sonavec model pull` again to resume.");
        throw;
    }
    p.say("model ready in " + dir.string());
}

// A failed first pull (wrong repo name, no network) leaves no empty folder behind in the cache.
void remove_if_unused(const fs::path& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().filename() != ".pull.lock") return;
    if (ec) return;
    fs::remove(dir / ".pull.lock", ec);
    fs::remove(dir, ec);
}

}  // namespace

fs::path pull_model(const pull_options& opts) {
    check_repo_id(opts.repo);
    check_revision(opts.revision);
    const std::string endpoint = hub_endpoint(opts.endpoint);
    const fs::path dir = cached_model_dir(opts.repo, opts.cache_root);
    std::error_code ec;
    const bool created = !fs::exists(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) throw error(error_kind::io, "cannot create the model cache " + dir.string() + ": " + ec.message());
    try {
        pull_locked(opts, endpoint, dir);
    } catch (...) {
        if (created) remove_if_unused(dir);
        throw;
    }
    return dir;
}

}  // namespace sonavec
