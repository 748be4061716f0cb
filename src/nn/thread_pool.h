// The one pool of compute threads. Kernels split their work over it with parallel_for; BLAS itself runs
// single-threaded inside each chunk, so threads never oversubscribe the cores. A parallel_for issued
// from inside a chunk, or while another caller holds the pool, runs inline on the calling thread.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sonavec {

class thread_pool {
public:
    explicit thread_pool(int threads);  // threads in all, the caller included
    ~thread_pool();
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    int size() const { return static_cast<int>(workers_.size()) + 1; }

    // Calls fn(begin, end) on contiguous chunks covering [0, n), at most one chunk per thread, each at
    // least min_chunk long. Returns when every chunk is done; the first exception thrown is rethrown.
    void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& fn);

private:
    void worker_loop(int index);
    void run_chunk(int index);

    std::vector<std::thread> workers_;
    std::mutex dispatch_;  // held by the caller that owns the current job
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    uint64_t generation_ = 0;
    int pending_ = 0;
    bool stopping_ = false;
    // The current job.
    const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
    int64_t n_ = 0;
    int chunks_ = 0;
    std::exception_ptr error_;
};

// The process-wide compute pool, sized by set_compute_threads() (src/nn/ops.h).
thread_pool& compute_pool();
void resize_compute_pool(int threads);

}  // namespace sonavec
