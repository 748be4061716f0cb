// knn_rows.h: blocks of rows handed to threads from one counter; each block's rows keep their own best k.
#include "library/knn_rows.h"

#include "library/list_probes.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "nn/ops.h"
#include "util/on_threads.h"

namespace sonavec {

namespace {

// Better: higher score, then the smaller row.
bool better(float sa, int64_t ra, float sb, int64_t rb) { return sa != sb ? sa > sb : ra < rb; }

// One row's best k as a min-heap on (score, row), worst on top.
struct top_k {
    std::vector<std::pair<float, int64_t>> heap;
    size_t k = 0;
    static bool worse_first(const std::pair<float, int64_t>& a, const std::pair<float, int64_t>& b) {
        return better(a.first, a.second, b.first, b.second);
    }
    void offer(float s, int64_t r) {
        if (heap.size() < k) {
            heap.emplace_back(s, r);
            std::push_heap(heap.begin(), heap.end(), worse_first);
        } else if (better(s, r, heap.front().first, heap.front().second)) {
            std::pop_heap(heap.begin(), heap.end(), worse_first);
            heap.back() = {s, r};
            std::push_heap(heap.begin(), heap.end(), worse_first);
        }
    }
    void write(int64_t* neighbour, float* score) {
        std::sort_heap(heap.begin(), heap.end(), worse_first);  // best first
        for (size_t j = 0; j < k; j++) {
            neighbour[j] = j < heap.size() ? heap[j].second : -1;
            score[j] = j < heap.size() ? heap[j].first : 0.0f;
        }
        heap.clear();
    }
};

knn_rows_result empty_result(int64_t n, int64_t k) {
    knn_rows_result r;
    r.n = n;
    r.k = std::clamp<int64_t>(k, 0, std::max<int64_t>(0, n - 1));
    r.neighbour.assign(static_cast<size_t>(r.n * r.k), -1);
    r.score.assign(static_cast<size_t>(r.n * r.k), 0.0f);
    return r;
}

}  // namespace

knn_rows_result knn_rows_exact(const float* rows, int64_t n, int64_t dim, int64_t k, int threads,
                               const std::atomic<bool>* cancel) {
    knn_rows_result r = empty_result(n, k);
    if (r.k == 0) return r;
    constexpr int64_t block = 256, tile = 4096;
    single_threaded_blas();
    std::atomic<int64_t> next{0};
    on_threads(threads, [&] {
        std::vector<float> scores(static_cast<size_t>(block * tile));
        std::vector<top_k> best(static_cast<size_t>(block));
        for (auto& b : best) b.k = static_cast<size_t>(r.k);
        for (int64_t b0; (b0 = next.fetch_add(block)) < n;) {
            if (cancel && cancel->load()) break;
            const int64_t bn = std::min(block, n - b0);
            for (int64_t c0 = 0; c0 < n; c0 += tile) {
                const int64_t cn = std::min(tile, n - c0);
                gemm_serial(false, true, bn, cn, dim, 1.0f, rows + b0 * dim, dim, rows + c0 * dim, dim, 0.0f,
                            scores.data(), cn);
                for (int64_t i = 0; i < bn; i++) {
                    const float* s = scores.data() + i * cn;
                    top_k& t = best[static_cast<size_t>(i)];
                    for (int64_t j = 0; j < cn; j++)
                        if (c0 + j != b0 + i) t.offer(s[j], c0 + j);
                }
            }
            for (int64_t i = 0; i < bn; i++)
                best[static_cast<size_t>(i)].write(r.neighbour.data() + (b0 + i) * r.k, r.score.data() + (b0 + i) * r.k);
        }
    });
    return r;
}

knn_rows_result knn_rows_ivf(const float* rows, int64_t n, int64_t dim, const std::vector<float>& centroids,
                             const std::vector<int64_t>& offsets, int64_t k, int64_t nprobe, int threads,
                             const std::atomic<bool>* cancel) {
    knn_rows_result r = empty_result(n, k);
    const int64_t nlist = static_cast<int64_t>(offsets.size()) - 1;
    if (r.k == 0 || nlist < 1) return r;
    const std::vector<std::vector<int64_t>> probing = rows_probing_lists(rows, n, dim, centroids, nlist, nprobe, threads);
    std::vector<top_k> best(static_cast<size_t>(n));
    for (auto& b : best) b.k = static_cast<size_t>(r.k);
    constexpr size_t stripes = 4096;
    std::vector<std::mutex> locks(stripes);
    std::atomic<int64_t> next{0};
    on_threads(threads, [&] {
        std::vector<float> queries, scores;
        top_k local;
        local.k = static_cast<size_t>(r.k);
        for (int64_t l; (l = next++) < nlist;) {
            if (cancel && cancel->load()) break;
            const std::vector<int64_t>& q = probing[static_cast<size_t>(l)];
            const int64_t r0 = offsets[static_cast<size_t>(l)], rn = offsets[static_cast<size_t>(l) + 1] - r0;
            if (q.empty() || rn == 0) continue;
            const int64_t qn = static_cast<int64_t>(q.size());
            probing_scores(rows, dim, q, r0, rn, queries, scores);
            for (int64_t i = 0; i < qn; i++) {
                const int64_t a = q[static_cast<size_t>(i)];
                const float* s = scores.data() + i * rn;
                for (int64_t j = 0; j < rn; j++)
                    if (r0 + j != a) local.offer(s[j], r0 + j);
                std::lock_guard lock(locks[static_cast<size_t>(a) % stripes]);
                for (const auto& [score, row] : local.heap) best[static_cast<size_t>(a)].offer(score, row);
                local.heap.clear();
            }
        }
    });
    for (int64_t i = 0; i < n; i++)
        best[static_cast<size_t>(i)].write(r.neighbour.data() + i * r.k, r.score.data() + i * r.k);
    return r;
}

}  // namespace sonavec
