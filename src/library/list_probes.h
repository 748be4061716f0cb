// Which rows probe which IVF lists: each row's nprobe nearest lists (by inner product with the
// centroids), inverted to list -> rows. The list-by-list joins (similar_pairs.h, knn_rows.h) then multiply
// each list's rows by the rows probing it, one BLAS product per list.
#pragma once
#include <cstdint>
#include <vector>

namespace sonavec {

// rows: n x dim; centroids: nlist x dim. Each list's rows in increasing order.
std::vector<std::vector<int64_t>> rows_probing_lists(const float* rows, int64_t n, int64_t dim,
                                                     const std::vector<float>& centroids, int64_t nlist, int64_t nprobe,
                                                     int threads);

// One list's products: the rows probing it (q) times its rows [r0, r0 + rn), into scores (q.size() x rn,
// row-major); queries is scratch for the gathered probing rows.
void probing_scores(const float* rows, int64_t dim, const std::vector<int64_t>& q, int64_t r0, int64_t rn,
                    std::vector<float>& queries, std::vector<float>& scores);

}  // namespace sonavec
