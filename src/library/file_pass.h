// A pass over a library's indexed files that reads each one again (analyze's descriptors, index's
// fingerprints): worker threads compute, the calling thread commits a few files at a time, so a kill
// loses only the files in flight, as index does.
//
//   auto prefixes = root_prefixes(roots, failures, "analysed");
//   run_file_pass<track_descriptors>(todo, threads, cancel,
//       [&](const analysis_target& t) { return analyze_file(t.path, params); },
//       [&](std::vector<file_pass_item<track_descriptors>>& batch) { ...store the good ones... },
//       progress);
#pragma once
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "library/catalog.h"
#include "sonavec/library.h"

namespace sonavec {

// The folders or files the tracks must be under, as real paths and as given (a symlinked root's rows
// may be stored under either). A root that does not exist is an error ("nothing was <done>"); one that
// cannot be resolved (no permission, an I/O error) goes into unreadable and its tracks are left.
std::vector<std::string> root_prefixes(const std::vector<std::filesystem::path>& roots,
                                       std::vector<std::pair<std::string, std::string>>& unreadable,
                                       const std::string& done);
// Whether path is one of the prefixes or inside one of them.
bool under_prefixes(const std::string& path, const std::vector<std::string>& prefixes);
// Why the file on disk is not the one indexed, or "" when it is (same size and mtime, as index decides).
std::string changed_since_indexed(const analysis_target& t);

template <class Result>
struct file_pass_item {
    analysis_target target;
    Result result{};
    std::string error;  // empty on success
};

constexpr size_t file_pass_batch = 16;  // rows per transaction, as index commits them

// Runs compute on every target (threads workers, 0: all cores) and commit on the calling thread with
// up to file_pass_batch finished items at a time. A file changed since it was indexed is not read:
// its item carries the reason. compute's exceptions become the item's error (without the path it
// starts with); commit's propagate, after the workers stop. progress (may be empty) is called after
// each committed item. Returns how many items were committed (fewer than todo when cancelled).
template <class Result>
size_t run_file_pass(const std::vector<analysis_target>& todo, int threads, const std::atomic<bool>* cancel,
                     const std::function<Result(const analysis_target&)>& compute,
                     const std::function<void(std::vector<file_pass_item<Result>>&)>& commit,
                     const std::function<void(const index_progress&)>& progress) {
    const size_t n = todo.size();
    const size_t cores = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
    const int workers = static_cast<int>(std::min(n, cores));
    std::mutex mutex;
    std::condition_variable ready_cv;
    std::deque<file_pass_item<Result>> ready;
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    int running = workers;
    auto work = [&] {
        for (;;) {
            if (stop || (cancel && cancel->load())) break;
            const size_t i = next++;
            if (i >= n) break;
            file_pass_item<Result> item;
            item.target = todo[i];
            item.error = changed_since_indexed(item.target);
            if (item.error.empty()) {
                try {
                    item.result = compute(item.target);
                } catch (const std::exception& e) {
                    item.error = e.what();
                    const std::string& path = item.target.path;
                    if (item.error.rfind(path + ": ", 0) == 0) item.error = item.error.substr(path.size() + 2);
                }
            }
            std::lock_guard lock(mutex);
            ready.push_back(std::move(item));
            ready_cv.notify_one();
        }
        std::lock_guard lock(mutex);
        running--;
        ready_cv.notify_one();
    };
    struct pool_guard {
        std::atomic<bool>& stop;
        std::vector<std::thread> threads;
        ~pool_guard() {
            stop = true;
            for (auto& t : threads)
                if (t.joinable()) t.join();
        }
    } pool{stop, {}};
    for (int w = 0; w < workers; w++) pool.threads.emplace_back(work);

    index_progress p;
    p.total = n;
    for (;;) {
        std::vector<file_pass_item<Result>> batch;
        {
            std::unique_lock lock(mutex);
            ready_cv.wait(lock, [&] { return !ready.empty() || running == 0; });
            if (ready.empty()) break;
            while (!ready.empty() && batch.size() < file_pass_batch) {
                batch.push_back(std::move(ready.front()));
                ready.pop_front();
            }
        }
        commit(batch);
        for (const auto& item : batch) {
            p.done++;
            p.path = item.target.path;
            p.error = item.error;
            if (progress) progress(p);
        }
    }
    return p.done;
}

}  // namespace sonavec
