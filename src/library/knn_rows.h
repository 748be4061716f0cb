// The k nearest other rows of every row by inner product (the kNN graph the map is laid out from):
// exactly, one tile of rows x all rows at a time (BLAS), or through an IVF index's lists, one product per
// list. Rows are unit vectors, so the inner product is the cosine.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>


namespace sonavec {

struct knn_rows_result {
    int64_t n = 0, k = 0;
    std::vector<int64_t> neighbour;  // n x k row indices, best first; -1 where a row has fewer than k others
    std::vector<float> score;        // n x k cosines
};

// rows: n x dim, row-major. k is clamped to n - 1. Equal scores: the smaller row first.
knn_rows_result knn_rows_exact(const float* rows, int64_t n, int64_t dim, int64_t k, int threads,
                               const std::atomic<bool>* cancel = nullptr);

// The same over an IVF index's rows, grouped by list (list l: rows [offsets[l], offsets[l + 1])), each row
// compared with the rows of its nprobe nearest lists: list by list, the rows probing it times its rows
// (one product), each probing row's best k of them merged into its own under a lock of its stripe.
knn_rows_result knn_rows_ivf(const float* rows, int64_t n, int64_t dim, const std::vector<float>& centroids,
                             const std::vector<int64_t>& offsets, int64_t k, int64_t nprobe, int threads,
                             const std::atomic<bool>* cancel = nullptr);

}  // namespace sonavec
