// Exact nearest rows by inner product: BLAS matrix-vector (or matrix) products over the rows, split over
// threads (src/nn/thread_pool.h), then a k-best selection. Ties go to the smaller id, so results are
// deterministic.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace sonavec {

struct scored_row {
    int64_t row = 0;
    float score = 0;
};

// The k best of a stream of (row, score), ids[row] breaking ties; sorted() returns them best first.
class best_rows {
public:
    best_rows(int64_t k, const int64_t* ids);
    bool would_take(int64_t row, float score) const;  // better than the worst kept, or room left
    void take(int64_t row, float score);              // call only when would_take
    std::vector<scored_row> sorted() const;

private:
    bool better(const scored_row& a, const scored_row& b) const;
    int64_t k_;
    const int64_t* ids_;
    std::vector<scored_row> heap_;  // the worst kept on top
};

// rows: n x dim, row-major; ids[row] for ties and for accept. `accept` (may be empty) is called on the
// calling thread, only for rows good enough to enter the result. A scan of many rows splits over at most
// `threads` threads (a pool of its own for the call).
std::vector<scored_row> exact_top_rows(const float* rows, const int64_t* ids, int64_t n, int64_t dim,
                                       const float* query, int64_t k, const std::function<bool(int64_t)>& accept,
                                       int threads);

// The k best rows of each of nq queries (row-major nq x dim), leaving out the row skip[q] when skip is
// given (a query that is itself a row). Returns nq lists of rows, best first.
std::vector<std::vector<int64_t>> exact_top_rows_batch(const float* rows, const int64_t* ids, int64_t n, int64_t dim,
                                                       const float* queries, int64_t nq, int64_t k,
                                                       const int64_t* skip);

}  // namespace sonavec
