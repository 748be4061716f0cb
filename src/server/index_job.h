// The server's background index run (POST /api/index): one at a time, on a thread of its own with a
// writable library of its own, while searches go on answering from the last committed state (SQLite's
// WAL). Its state is read by GET /api/index and streamed by GET /api/index/events.
#pragma once
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "sonavec/library.h"

namespace sonavec::server {

class index_job {
public:
    index_job(std::filesystem::path library_dir, const engine* eng) : dir_(std::move(library_dir)), eng_(eng) {}
    ~index_job();  // cancels a run in progress and waits for it (what it committed stays)

    // Starts a run over folders; error_kind::busy while one runs, invalid_input for a folder that is
    // not an absolute path to a folder, unsupported without a model.
    void start(const std::vector<std::filesystem::path>& folders);
    void cancel();

    // {state: idle|running|done|failed|cancelled, run, done, total, path, stage, report, error}.
    nlohmann::json state() const;
    // Waits until the state is past `seen` (each change counts one) or timeout_ms passes; the count now.
    uint64_t wait_change(uint64_t seen, int timeout_ms) const;
    uint64_t changes() const;

private:
    void set(const std::function<void(nlohmann::json&)>& change);

    std::filesystem::path dir_;
    const engine* eng_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    nlohmann::json state_ = {{"state", "idle"}, {"run", 0}};
    uint64_t version_ = 0;
    std::atomic<bool> cancel_{false};
    std::thread thread_;
};

}  // namespace sonavec::server
