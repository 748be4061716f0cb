// Applying a tag plan without risking the file: copy beside it, write the copy, check its audio packets
// against the original's, give it the original's mode, sync, rename over the original, sync the folder.
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio_packets.h"
#include "file_tags/tag_store.h"
#include "sonavec/error.h"
#include "sonavec/file_tags.h"
#include "util/file_error_kind.h"

namespace sonavec {

namespace {

constexpr const char* temp_marker = ".sonavec-tags-";

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw error(file_error_kind(err), what + ": " + std::strerror(err));
}

// Tests kill the process at each step (SONAVEC_WRITE_TAGS_CRASH_AT=after_copy, after_write,
// after_verify, before_rename, after_rename) to prove that no moment loses the file.
void crash_point(const char* step) {
    const char* at = std::getenv("SONAVEC_WRITE_TAGS_CRASH_AT");
    if (at && std::strcmp(at, step) == 0) ::kill(::getpid(), SIGKILL);
}

std::filesystem::path temp_path_for(const std::filesystem::path& path) {
    return path.parent_path() / std::string(".").append(path.filename().string()).append(temp_marker).append(std::to_string(::getpid()));
}

// Copies left by killed runs on the same file: their process is gone (a live one may still be writing).
void remove_stale_copies(const std::filesystem::path& path) {
    const std::string prefix = std::string(".").append(path.filename().string()).append(temp_marker);
    std::error_code ec;
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const std::string pid_text = name.substr(prefix.size());
        char* stop = nullptr;
        const long pid = std::strtol(pid_text.c_str(), &stop, 10);
        if (pid_text.empty() || *stop != '\0' || pid <= 0) continue;
        if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            std::error_code ignored;
            std::filesystem::remove(it->path(), ignored);
        }
    }
}

void copy_contents(const std::filesystem::path& from, const std::filesystem::path& to) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) throw_errno(errno, from.string() + ": cannot read");
    const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        const int err = errno;
        ::close(in);
        throw_errno(err, from.string() + ": cannot write a copy in its folder");
    }
    char buffer[1 << 16];
    int err = 0;
    for (;;) {
        const ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { err = errno; break; }
        if (n == 0) break;
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out, buffer + done, static_cast<size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) { err = errno; break; }
            done += w;
        }
        if (err) break;
    }
    ::close(in);
    if (::close(out) != 0 && !err) err = errno;
    if (err) throw_errno(err, from.string() + ": cannot copy");
}

void sync_path(const std::filesystem::path& path, bool directory, const std::string& what) {
    const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) throw_errno(errno, what);
    const int r = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (r != 0) throw_errno(err, what);
}

// Removes the copy unless it was renamed over the original.
struct temp_copy {
    std::filesystem::path path;
    bool renamed = false;
    ~temp_copy() {
        if (renamed) return;
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
};

}  // namespace

tag_plan apply_tag_write(const std::filesystem::path& path, const tag_fields& fields, const tag_write_options& options) {
    const std::string name = path.string();
    tag_plan plan = plan_tag_write(path, fields, options);
    if (!plan.changes_file()) return plan;

    struct stat original {};
    if (::stat(path.c_str(), &original) != 0) throw_errno(errno, name + ": cannot read");
    // Renaming over a read-only file would succeed: its owner's "do not change" must be asked for.
    if (::access(path.c_str(), W_OK) != 0) throw_errno(errno, name + ": read-only, skipped");

    remove_stale_copies(path);
    temp_copy copy{temp_path_for(path)};
    copy_contents(path, copy.path);
    crash_point("after_copy");

    auto store = open_tag_store(copy.path, tag_format_of(path));
    tag_plan on_copy = plan_on_store(path, *store, fields, options);
    for (const auto& c : on_copy.changes)
        if (c.action == tag_action::add || c.action == tag_action::replace) store->set(c.field, c.new_value);
    if (!store->save()) {
        // TagLib does not say why; a full disk is the usual reason when the copy itself was written.
        throw error(error_kind::io, name + ": cannot write the tags (disk full or write error); the file is unchanged");
    }
    store.reset();
    crash_point("after_write");

    // The audio must be the original's, packet for packet, and the tags must read back.
    if (audio_packet_digest(copy.path) != audio_packet_digest(path))
        throw error(error_kind::corrupt_file, name + ": writing the tags would change the audio; the file is unchanged");
    auto check = open_tag_store(copy.path, tag_format_of(path));
    for (const auto& c : on_copy.changes)
        if (check->value(c.field) != c.new_value)
            throw error(error_kind::io, name + ": " + c.tag + " did not read back as written; the file is unchanged");
    check.reset();
    crash_point("after_verify");

    if (::chmod(copy.path.c_str(), original.st_mode & 07777) != 0) throw_errno(errno, name + ": cannot set the copy's mode");
    // The owner only changes for root; for anyone else a failure just leaves the copy theirs.
    if (::chown(copy.path.c_str(), original.st_uid, original.st_gid) != 0) { /* not root: keep our own */ }
    sync_path(copy.path, false, name + ": cannot sync the written copy");
    crash_point("before_rename");

    if (::rename(copy.path.c_str(), path.c_str()) != 0) throw_errno(errno, name + ": cannot replace");
    copy.renamed = true;
    crash_point("after_rename");
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    sync_path(dir, true, name + ": cannot sync its folder");
    on_copy.written = true;
    return on_copy;
}

}  // namespace sonavec
