// Runs one function on several threads at once (the calling one among them), for loops that hand out
// their own work from an atomic counter.
#pragma once
#include <functional>
#include <thread>
#include <vector>

namespace sonavec {

inline void on_threads(int threads, const std::function<void()>& work) {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; t++) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
}

}  // namespace sonavec
