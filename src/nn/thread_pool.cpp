#include "nn/thread_pool.h"

#include <algorithm>
#include <memory>

namespace sonavec {

namespace {

// True on a thread while it runs a chunk: nested parallel_for calls then run inline.
thread_local bool inside_chunk = false;

std::mutex pool_mutex;
std::unique_ptr<thread_pool> pool;

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

thread_pool& compute_pool() {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (!pool) pool = std::make_unique<thread_pool>(1);
    return *pool;
}

void resize_compute_pool(int threads) {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (!pool || pool->size() != threads) pool = std::make_unique<thread_pool>(threads);
}

}  // namespace sonavec
