// Compute threads. Each engine owns a thread_pool; for the length of a call it is the calling thread's
// current pool (a pool_scope), and kernels split their work over the current pool with parallel_for().
// With no current pool, or inside a serial_scope, they run on the calling thread alone. BLAS itself runs
// single-threaded inside each chunk, so threads never oversubscribe the cores. A parallel_for issued
// from inside a chunk, or while another caller holds the pool, runs inline on the calling thread: a call
// never runs on more threads than its pool has, however many callers share it.
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

// `threads`, or one per core when it is 0 or less (the public params' "0 = all cores").
int threads_or_all_cores(int threads);

// The calling thread's current pool; null when its kernels run serially. A pool's own threads see it.
thread_pool* current_pool();
// The threads a kernel on this thread may use: the current pool's size, 1 without one.
int current_threads();
// The current pool's parallel_for, or fn(0, n) on this thread without one.
void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& fn);

// Makes `pool` (null: none) the calling thread's current pool until the scope ends, then puts the previous
// one back. Inside a serial_scope the thread stays serial, unless the scope overrides it (loading weights,
// which lays them out for the pool's thread count and may as well use its threads).
class pool_scope {
public:
    enum class inside_serial { stay_serial, use_pool };
    explicit pool_scope(thread_pool* pool, inside_serial mode = inside_serial::stay_serial);
    ~pool_scope();
    pool_scope(const pool_scope&) = delete;
    pool_scope& operator=(const pool_scope&) = delete;

private:
    thread_pool* saved_pool_;
    bool saved_serial_;
};

// Kernels on the calling thread run serially until the scope ends, whatever pool_scope opens inside it:
// a window embedded in one serial scope gives the same bits whatever its engine's thread count.
class serial_scope {
public:
    serial_scope();
    ~serial_scope();
    serial_scope(const serial_scope&) = delete;
    serial_scope& operator=(const serial_scope&) = delete;

private:
    bool saved_serial_;
};

// For tests: when set, called on the calling thread by each parallel_for() above with the pool it uses
// (null: serial), so a test can see which pool an engine's kernels ran on.
using parallel_for_observer = void (*)(const thread_pool* pool);
void set_parallel_for_observer(parallel_for_observer observer);

}  // namespace sonavec
