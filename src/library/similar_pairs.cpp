// similar_pairs.h: tiles of the upper triangle handed to threads from one counter.
#include "library/similar_pairs.h"

#include "library/list_probes.h"

#include <algorithm>
#include <functional>
#include <mutex>

#include "nn/ops.h"
#include "nn/thread_pool.h"
#include "util/on_threads.h"

namespace sonavec {

std::vector<std::pair<int64_t, int64_t>> similar_row_pairs(const float* rows, int64_t n, int64_t dim, float threshold,
                                                           int threads, const std::atomic<bool>* cancel) {
    constexpr int64_t tile = 1024;
    const int64_t tiles = (n + tile - 1) / tile;
    std::vector<std::pair<int64_t, int64_t>> blocks;  // (row tile, column tile), column >= row
    for (int64_t a = 0; a < tiles; a++)
        for (int64_t b = a; b < tiles; b++) blocks.emplace_back(a, b);
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::vector<std::pair<int64_t, int64_t>> out;
    single_threaded_blas();
    auto work = [&] {
        std::vector<float> scores(static_cast<size_t>(tile * tile));
        std::vector<std::pair<int64_t, int64_t>> found;
        for (size_t k; (k = next++) < blocks.size();) {
            if (cancel && cancel->load()) break;
            const int64_t r0 = blocks[k].first * tile, c0 = blocks[k].second * tile;
            const int64_t rn = std::min(tile, n - r0), cn = std::min(tile, n - c0);
            gemm_serial(false, true, rn, cn, dim, 1.0f, rows + r0 * dim, dim, rows + c0 * dim, dim, 0.0f, scores.data(), cn);
            for (int64_t i = 0; i < rn; i++) {
                const float* s = scores.data() + i * cn;
                // On a diagonal tile only the columns right of the diagonal: each pair once, never (i, i).
                for (int64_t j = r0 == c0 ? i + 1 : 0; j < cn; j++)
                    if (s[j] >= threshold) found.emplace_back(r0 + i, c0 + j);
            }
        }
        std::lock_guard lock(mutex);
        out.insert(out.end(), found.begin(), found.end());
    };
    on_threads(threads, work);
    return out;
}


std::vector<std::pair<int64_t, int64_t>> similar_row_pairs_ivf(const float* rows, int64_t n, int64_t dim,
                                                               const std::vector<float>& centroids,
                                                               const std::vector<int64_t>& offsets, int64_t nprobe,
                                                               float threshold, int threads,
                                                               const std::atomic<bool>* cancel) {
    const int64_t nlist = static_cast<int64_t>(offsets.size()) - 1;
    if (nlist < 1 || n == 0) return {};
    nprobe = std::clamp<int64_t>(nprobe, 1, nlist);
    single_threaded_blas();
    const std::vector<std::vector<int64_t>> probing = rows_probing_lists(rows, n, dim, centroids, nlist, nprobe, threads);
    // List by list: the rows probing it against its rows.
    std::atomic<int64_t> next{0};
    std::mutex mutex;
    std::vector<std::pair<int64_t, int64_t>> out;
    on_threads(threads, [&] {
        std::vector<float> queries, scores;
        std::vector<std::pair<int64_t, int64_t>> found;
        for (int64_t l; (l = next++) < nlist;) {
            if (cancel && cancel->load()) break;
            const std::vector<int64_t>& q = probing[static_cast<size_t>(l)];
            const int64_t r0 = offsets[static_cast<size_t>(l)], rn = offsets[static_cast<size_t>(l) + 1] - r0;
            if (q.empty() || rn == 0) continue;
            const int64_t qn = static_cast<int64_t>(q.size());
            probing_scores(rows, dim, q, r0, rn, queries, scores);
            for (int64_t i = 0; i < qn; i++)
                for (int64_t j = 0; j < rn; j++) {
                    const int64_t a = q[static_cast<size_t>(i)], b = r0 + j;
                    if (a != b && scores[static_cast<size_t>(i * rn + j)] >= threshold)
                        found.emplace_back(std::min(a, b), std::max(a, b));
                }
        }
        std::lock_guard lock(mutex);
        out.insert(out.end(), found.begin(), found.end());
    });
    // A pair whose rows probe each other's lists is found from both sides.
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace sonavec
