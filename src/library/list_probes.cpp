// list_probes.h: blocks of rows times the centroids (BLAS), each row's best lists by partial sort.
#include "library/list_probes.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

#include "nn/ops.h"
#include "util/on_threads.h"

namespace sonavec {

std::vector<std::vector<int64_t>> rows_probing_lists(const float* rows, int64_t n, int64_t dim,
                                                     const std::vector<float>& centroids, int64_t nlist, int64_t nprobe,
                                                     int threads) {
    std::vector<std::vector<int64_t>> probing(static_cast<size_t>(nlist));  // list -> rows that probe it
    nprobe = std::clamp<int64_t>(nprobe, 1, nlist);
    single_threaded_blas();
    constexpr int64_t block = 2048;
    std::atomic<int64_t> next{0};
    std::mutex mutex;
    on_threads(threads, [&] {
        std::vector<float> scores(static_cast<size_t>(block * nlist));
        std::vector<int64_t> order(static_cast<size_t>(nlist));
        std::vector<std::pair<int64_t, int64_t>> found;  // (list, row)
        for (int64_t b; (b = next.fetch_add(block)) < n;) {
            const int64_t m = std::min(block, n - b);
            gemm_serial(false, true, m, nlist, dim, 1.0f, rows + b * dim, dim, centroids.data(), dim, 0.0f, scores.data(),
                        nlist);
            for (int64_t i = 0; i < m; i++) {
                const float* s = scores.data() + i * nlist;
                for (int64_t l = 0; l < nlist; l++) order[static_cast<size_t>(l)] = l;
                std::partial_sort(order.begin(), order.begin() + nprobe, order.end(),
                                  [&](int64_t x, int64_t y) { return s[x] > s[y]; });
                for (int64_t p = 0; p < nprobe; p++) found.emplace_back(order[static_cast<size_t>(p)], b + i);
            }
        }
        std::lock_guard lock(mutex);
        for (const auto& [l, r] : found) probing[static_cast<size_t>(l)].push_back(r);
    });
    for (auto& list : probing) std::sort(list.begin(), list.end());
    return probing;
}

void probing_scores(const float* rows, int64_t dim, const std::vector<int64_t>& q, int64_t r0, int64_t rn,
                    std::vector<float>& queries, std::vector<float>& scores) {
    const int64_t qn = static_cast<int64_t>(q.size());
    queries.resize(static_cast<size_t>(qn * dim));
    for (int64_t i = 0; i < qn; i++)
        std::copy(rows + q[static_cast<size_t>(i)] * dim, rows + (q[static_cast<size_t>(i)] + 1) * dim, queries.begin() + i * dim);
    scores.resize(static_cast<size_t>(qn * rn));
    gemm_serial(false, true, qn, rn, dim, 1.0f, queries.data(), dim, rows + r0 * dim, dim, 0.0f, scores.data(), rn);
}

}  // namespace sonavec
