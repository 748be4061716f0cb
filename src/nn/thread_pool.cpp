#include "nn/thread_pool.h"

#include <algorithm>
#include <atomic>

namespace sonavec {

namespace {

// True on a thread while it runs a chunk: nested parallel_for calls then run inline.
thread_local bool inside_chunk = false;

// The calling thread's pool (its scope's, or the pool a worker belongs to), and whether a serial_scope
// holds it to one thread.
thread_local thread_pool* scoped_pool = nullptr;
thread_local bool serial_only = false;

std::atomic<parallel_for_observer> observer{nullptr};

}  // namespace

thread_pool::thread_pool(int threads) {
    for (int i = 1; i < std::max(1, threads); i++) workers_.emplace_back([this, i] { worker_loop(i); });
}

thread_pool::~thread_pool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void thread_pool::run_chunk(int index) {
    const int64_t begin = n_ * index / chunks_, end = n_ * (index + 1) / chunks_;
    inside_chunk = true;
    try {
        if (begin < end) (*fn_)(begin, end);
    } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
    }
    inside_chunk = false;
}

void thread_pool::worker_loop(int index) {
    scoped_pool = this;
    uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
            if (stopping_) return;
            seen = generation_;
            if (index >= chunks_) continue;
        }
        run_chunk(index);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (--pending_ == 0) done_.notify_one();
        }
    }
}

void thread_pool::parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    const int64_t by_size = std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk));
    const int chunks = static_cast<int>(std::min<int64_t>(size(), by_size));
    std::unique_lock<std::mutex> owner(dispatch_, std::defer_lock);
    if (chunks <= 1 || inside_chunk || !owner.try_lock()) {
        fn(0, n);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fn_ = &fn;
        n_ = n;
        chunks_ = chunks;
        pending_ = chunks - 1;
        error_ = nullptr;
        generation_++;
    }
    wake_.notify_all();
    run_chunk(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
}

int threads_or_all_cores(int threads) {
    if (threads > 0) return threads;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

thread_pool* current_pool() { return serial_only ? nullptr : scoped_pool; }

int current_threads() {
    const thread_pool* pool = current_pool();
    return pool ? pool->size() : 1;
}

void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& fn) {
    thread_pool* pool = current_pool();
    if (const parallel_for_observer seen = observer.load(std::memory_order_relaxed)) seen(pool);
    if (pool) pool->parallel_for(n, min_chunk, fn);
    else if (n > 0) fn(0, n);
}

pool_scope::pool_scope(thread_pool* pool, inside_serial mode) : saved_pool_(scoped_pool), saved_serial_(serial_only) {
    scoped_pool = pool;
    if (mode == inside_serial::use_pool) serial_only = false;
}

pool_scope::~pool_scope() {
    scoped_pool = saved_pool_;
    serial_only = saved_serial_;
}

serial_scope::serial_scope() : saved_serial_(serial_only) { serial_only = true; }

serial_scope::~serial_scope() { serial_only = saved_serial_; }

void set_parallel_for_observer(parallel_for_observer f) { observer.store(f, std::memory_order_relaxed); }

}  // namespace sonavec
