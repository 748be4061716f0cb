// Every pair of rows whose inner product reaches a threshold (duplicates' tier 3): exactly, for a library
// small or unclustered enough that its vector index is exact, or through its IVF lists. The upper triangle of rows x rows^T in
// tiles of 1024 x 1024 (BLAS, one tile per thread at a time), each scanned as it is made: no n x n matrix
// is ever held, and each pair is computed once.
#pragma once
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

namespace sonavec {

// rows: n x dim, row-major. Pairs (i, j), i < j, with dot(row i, row j) >= threshold, in no set order.
// Stops early (returning what it has) when cancel turns true.
std::vector<std::pair<int64_t, int64_t>> similar_row_pairs(const float* rows, int64_t n, int64_t dim, float threshold,
                                                           int threads, const std::atomic<bool>* cancel);

// The same over an IVF index's rows, grouped by list (list l: rows [offsets[l], offsets[l + 1])), with
// nlist centroids: each row is compared with the rows of its nprobe nearest lists only, list by list (the
// rows probing a list times that list's rows, one product). Pairs this close share their nearest lists,
// so few probes find them; a pair whose rows lie in lists neither probes is missed.
std::vector<std::pair<int64_t, int64_t>> similar_row_pairs_ivf(const float* rows, int64_t n, int64_t dim,
                                                               const std::vector<float>& centroids,
                                                               const std::vector<int64_t>& offsets, int64_t nprobe,
                                                               float threshold, int threads,
                                                               const std::atomic<bool>* cancel);

}  // namespace sonavec
