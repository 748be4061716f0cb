// What a vector_index holds, shared by its search code (vector_index.cpp) and its file format
// (vector_index_file.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "library/ivf_index.h"
#include "library/vector_index.h"

namespace sonavec {

struct vector_index::impl {
    int64_t n = 0, dim = 0;
    std::vector<float> rows;    // n x dim, row-major; for the IVF index grouped by list
    std::vector<int64_t> ids;   // the id of each row
    std::unique_ptr<ivf_index> ivf;  // null for exact search; borrows `rows`

    // Throws sonavec::error unless ids are distinct and rows finite.
    void check_rows() const;
};

// The largest dimension build() and load() accept.
constexpr int64_t max_vector_dim = 1 << 16;

}  // namespace sonavec
