// index_job.h: the run's progress kept as JSON under a mutex, each change waking the event streams.
#include "index_job.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sonavec/error.h"

namespace sonavec::server {

index_job::~index_job() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
}

void index_job::set(const std::function<void(nlohmann::json&)>& change) {
    {
        std::lock_guard lock(mutex_);
        change(state_);
        version_++;
    }
    changed_.notify_all();
}

void index_job::start(const std::vector<std::filesystem::path>& folders) {
    if (!eng_) throw error(error_kind::unsupported, "indexing needs a model: start the server with --model DIR");
    if (folders.empty() || folders.size() > 100) throw error(error_kind::invalid_input, "give 1 to 100 folders to index");
    for (const auto& f : folders) {
        std::error_code ec;
        if (!f.is_absolute() || !std::filesystem::is_directory(f, ec))
            throw error(error_kind::invalid_input, "'" + f.string() + "' is not an absolute path to a folder");
    }
    std::lock_guard lock(mutex_);
    if (state_["state"] == "running") throw error(error_kind::busy, "an index run is in progress");
    if (thread_.joinable()) thread_.join();
    cancel_ = false;
    const int run = state_["run"].get<int>() + 1;
    state_ = {{"state", "running"}, {"run", run}, {"stage", "embedding"}, {"done", 0}, {"total", 0}, {"path", ""}};
    version_++;
    thread_ = std::thread([this, folders] {
        // Below the searches (Linux: a thread's own nice value, which the threads it starts inherit), so
        // that a long run takes the cores only when they would be idle.
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
        try {
            const auto lib = library::open(dir_, library::open_mode::existing);
            index_params p;
            p.cancel = &cancel_;
            auto stage = [this](const char* name) {
                return [this, name](const index_progress& g) {
                    set([&](nlohmann::json& s) {
                        s["stage"] = name;
                        s["done"] = g.done;
                        s["total"] = g.total;
                        s["path"] = g.path;
                    });
                };
            };
            p.progress = stage("embedding");
            p.fingerprint_progress = stage("fingerprints");
            const index_report r = lib->index(folders, *eng_, p);
            set([&](nlohmann::json& s) {
                s["state"] = "done";
                s["report"] = {{"found", r.found},         {"embedded", r.embedded}, {"reused", r.reused},
                               {"unchanged", r.unchanged}, {"removed", r.removed},   {"failures", r.failures.size()},
                               {"seconds", r.seconds}};
            });
        } catch (const error& e) {
            set([&](nlohmann::json& s) {
                s["state"] = e.kind() == error_kind::cancelled ? "cancelled" : "failed";
                s["error"] = e.what();
            });
        } catch (const std::exception&) {
            set([&](nlohmann::json& s) {
                s["state"] = "failed";
                s["error"] = "the index run failed";
            });
        }
    });
}

void index_job::cancel() { cancel_ = true; }

nlohmann::json index_job::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

uint64_t index_job::wait_change(uint64_t seen, int timeout_ms) const {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return version_ > seen; });
    return version_;
}

uint64_t index_job::changes() const {
    std::lock_guard lock(mutex_);
    return version_;
}

}  // namespace sonavec::server
