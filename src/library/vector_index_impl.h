// What a vector_index holds, shared by its search code (vector_index.cpp) and its file format
// (vector_index_file.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "library/ivf_index.h"
#include "library/vector_index.h"
#include "util/mapped_file.h"

namespace sonavec {

struct vector_index::impl {
    int64_t n = 0, dim = 0;
    const float* rows = nullptr;        // n x dim, row-major; for the IVF index grouped by list. Either
    std::vector<float> own_rows;        // built in memory,
    std::unique_ptr<mapped_file> file;  // or read in place from the index file (no copy, no allocation)
    std::vector<int64_t> ids;           // the id of each row
    std::unique_ptr<ivf_index> ivf;     // null for exact search; borrows `rows`

    // Throws sonavec::error unless ids are distinct and rows finite.
    void check_rows() const;
};

// The largest dimension build() and load() accept.
constexpr int64_t max_vector_dim = 1 << 16;

}  // namespace sonavec
