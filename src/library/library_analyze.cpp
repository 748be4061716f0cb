// library::analyze: acoustic descriptors for the library's tracks, decoded again from their files on
// worker threads and committed by the calling thread a few files at a time (a kill loses only the
// files in flight, as index does).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "library/catalog.h"
#include "library/library_impl.h"
#include "library/library_lock.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr size_t max_batch = 16;  // rows per transaction, as index commits them

// The folders or files the tracks must be under, as real paths and as given (a symlinked root's rows
// may be stored under either).
std::vector<std::string> root_prefixes(const std::vector<std::filesystem::path>& roots) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    for (const fs::path& root : roots) {
        const fs::path given = fs::absolute(root).lexically_normal();
        std::error_code ec;
        const fs::path real = fs::canonical(given, ec);
        if (ec) throw error(error_kind::not_found, root.string() + ": no such file or folder (nothing was analysed)");
        for (const fs::path& p : {given, real}) {
            std::string s = p.string();
            while (s.size() > 1 && s.back() == '/') s.pop_back();
            out.push_back(s);
        }
    }
    return out;
}

bool under(const std::string& path, const std::vector<std::string>& prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
        return path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 &&
                             (path[p.size()] == '/' || p == "/"));
    });
}

// Why the file on disk is not the one indexed, or "" when it is (same size and mtime, as index decides).
std::string changed_since_indexed(const analysis_target& t) {
    struct stat st {};
    if (::stat(t.path.c_str(), &st) != 0) return std::strerror(errno);
    const int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    if (static_cast<uint64_t>(st.st_size) != t.size_bytes || mtime != t.mtime_ns)
        return "changed since it was indexed (run sonavec index first)";
    return {};
}

struct analysed {
    analysis_target target;
    track_descriptors descriptors;
    std::string error;  // empty on success
};

}  // namespace

analyze_report library_impl::analyze(const analyze_params& params) {
    const auto start = std::chrono::steady_clock::now();
    check_writable("analyze");
    if (params.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
    // Checked before any file is opened: a bad range is the caller's error, not every file's.
    check_descriptor_params(params.descriptors);
    const std::vector<std::string> prefixes = root_prefixes(params.roots);
    const library_lock writer(dir_, "analyze");
    catalog& c = cat();

    analyze_report r;
    std::vector<analysis_target> todo;
    for (analysis_target& t : c.analysis_targets()) {
        if (!prefixes.empty() && !under(t.path, prefixes)) continue;
        if (t.current && !params.force) r.current++;
        else todo.push_back(std::move(t));
    }
    const size_t n = todo.size();
    const int workers = static_cast<int>(std::min<size_t>(
        n, static_cast<size_t>(params.threads > 0 ? params.threads : std::max(1u, std::thread::hardware_concurrency()))));

    std::mutex mutex;
    std::condition_variable ready_cv;
    std::deque<analysed> ready;
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    int running = workers;
    auto work = [&] {
        for (;;) {
            if (stop || (params.cancel && params.cancel->load())) break;
            const size_t i = next++;
            if (i >= n) break;
            analysed a;
            a.target = todo[i];
            a.error = changed_since_indexed(a.target);
            if (a.error.empty()) {
                try {
                    a.descriptors = analyze_file(a.target.path, params.descriptors);
                } catch (const std::exception& e) {
                    a.error = e.what();
                    if (a.error.rfind(a.target.path + ": ", 0) == 0) a.error = a.error.substr(a.target.path.size() + 2);
                }
            }
            std::lock_guard lock(mutex);
            ready.push_back(std::move(a));
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

    index_progress progress;
    progress.total = n;
    for (;;) {
        std::vector<analysed> batch;
        {
            std::unique_lock lock(mutex);
            ready_cv.wait(lock, [&] { return !ready.empty() || running == 0; });
            if (ready.empty()) break;
            while (!ready.empty() && batch.size() < max_batch) {
                batch.push_back(std::move(ready.front()));
                ready.pop_front();
            }
        }
        std::vector<std::pair<analysis_target, track_descriptors>> rows;
        for (analysed& a : batch)
            if (a.error.empty()) rows.emplace_back(a.target, a.descriptors);
        c.put_descriptors(rows);
        for (analysed& a : batch) {
            if (a.error.empty()) r.analyzed++;
            else r.failures.emplace_back(a.target.path, a.error);
            progress.done++;
            progress.path = a.target.path;
            progress.error = a.error;
            if (params.progress) params.progress(progress);
        }
    }
    std::sort(r.failures.begin(), r.failures.end());
    if (params.cancel && params.cancel->load() && progress.done < n)
        throw error(error_kind::cancelled, "analysis cancelled after " + std::to_string(progress.done) + " of " +
                                               std::to_string(n) + " files (those are kept)");
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace sonavec
