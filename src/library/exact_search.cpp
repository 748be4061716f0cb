#include "library/exact_search.h"

#include <algorithm>
#include <cblas.h>

#include "nn/ops.h"
#include "nn/thread_pool.h"

namespace sonavec {

best_rows::best_rows(int64_t k, const int64_t* ids) : k_(std::max<int64_t>(0, k)), ids_(ids) {
    heap_.reserve(static_cast<size_t>(std::min<int64_t>(k_, 1 << 16)));
}

bool best_rows::better(const scored_row& a, const scored_row& b) const {
    if (a.score != b.score) return a.score > b.score;
    return ids_[a.row] < ids_[b.row];
}

bool best_rows::would_take(int64_t row, float score) const {
    if (k_ == 0) return false;
    if (static_cast<int64_t>(heap_.size()) < k_) return true;
    return better(scored_row{row, score}, heap_.front());
}

void best_rows::take(int64_t row, float score) {
    auto cmp = [this](const scored_row& a, const scored_row& b) { return better(a, b); };
    if (static_cast<int64_t>(heap_.size()) == k_) {
        std::pop_heap(heap_.begin(), heap_.end(), cmp);
        heap_.back() = scored_row{row, score};
    } else {
        heap_.push_back(scored_row{row, score});
    }
    std::push_heap(heap_.begin(), heap_.end(), cmp);
}

std::vector<scored_row> best_rows::sorted() const {
    std::vector<scored_row> out = heap_;
    std::sort(out.begin(), out.end(), [this](const scored_row& a, const scored_row& b) { return better(a, b); });
    return out;
}

namespace {

// Rows per BLAS call (8 MB at 512-d), so a pool chunk's scores are written while its rows stream by.
constexpr int64_t rows_per_chunk = 4096;
// Fewer rows than twice this stay on one thread: a split query waits for its slowest thread, which on a
// busy machine can cost more than the split saves (bench/bench_ann measures both).
constexpr int64_t min_rows_per_thread = 16384;

// scores[r] = rows[r] . query for every row, the rows split over up to `threads` threads (BLAS is
// single-threaded); a pool is started only for a scan long enough to give each thread its share.
void all_scores(const float* rows, int64_t n, int64_t dim, const float* query, float* scores, int threads) {
    single_threaded_blas();
    const auto scan = [&](int64_t r0, int64_t r1) {
        for (int64_t b = r0; b < r1; b += rows_per_chunk) {
            const int64_t m = std::min(rows_per_chunk, r1 - b);
            cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(dim), 1.0f,
                        rows + b * dim, static_cast<blasint>(dim), query, 1, 0.0f, scores + b, 1);
        }
    };
    const int64_t useful = std::min<int64_t>(threads, n / min_rows_per_thread);
    if (useful < 2) {
        scan(0, n);
        return;
    }
    thread_pool pool(static_cast<int>(useful));
    pool.parallel_for(n, min_rows_per_thread, scan);
}

}  // namespace

std::vector<scored_row> exact_top_rows(const float* rows, const int64_t* ids, int64_t n, int64_t dim,
                                       const float* query, int64_t k, const std::function<bool(int64_t)>& accept,
                                       int threads) {
    if (n <= 0 || k <= 0) return {};
    std::vector<float> scores(static_cast<size_t>(n));
    all_scores(rows, n, dim, query, scores.data(), threads);
    best_rows best(std::min(k, n), ids);
    for (int64_t r = 0; r < n; r++) {
        if (!best.would_take(r, scores[r])) continue;
        if (accept && !accept(ids[r])) continue;  // asked only of rows that would enter the result
        best.take(r, scores[r]);
    }
    return best.sorted();
}

std::vector<std::vector<int64_t>> exact_top_rows_batch(const float* rows, const int64_t* ids, int64_t n, int64_t dim,
                                                       const float* queries, int64_t nq, int64_t k,
                                                       const int64_t* skip) {
    std::vector<best_rows> best;
    for (int64_t q = 0; q < nq; q++) best.emplace_back(k, ids);
    constexpr int64_t block = 16384;  // nq x block scores at a time
    std::vector<float> scores(static_cast<size_t>(nq * std::min(block, std::max<int64_t>(n, 1))));
    for (int64_t b = 0; b < n; b += block) {
        const int64_t m = std::min(block, n - b);
        gemm(false, true, nq, m, dim, 1.0f, queries, dim, rows + b * dim, dim, 0.0f, scores.data(), m);
        parallel_for(nq, 1, [&](int64_t q0, int64_t q1) {
            for (int64_t q = q0; q < q1; q++) {
                const float* s = scores.data() + q * m;
                for (int64_t j = 0; j < m; j++) {
                    const int64_t r = b + j;
                    if ((!skip || r != skip[q]) && best[q].would_take(r, s[j])) best[q].take(r, s[j]);
                }
            }
        });
    }
    std::vector<std::vector<int64_t>> out(static_cast<size_t>(nq));
    for (int64_t q = 0; q < nq; q++)
        for (const scored_row& h : best[q].sorted()) out[q].push_back(h.row);
    return out;
}

}  // namespace sonavec
