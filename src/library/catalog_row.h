// Decoding one catalog row: the values SQLite returned for it -> a checked catalog_entry. Kept apart from
// the database so that it can be tested and fuzzed with any values a damaged or hostile file may hold.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "library/catalog.h"

namespace sonavec {

constexpr int64_t catalog_max_dim = 65536;  // the model config's own bound on projection_dim

// A BLOB column's bytes (null and 0 for SQL NULL), valid until its statement moves on.
struct catalog_blob {
    const void* data = nullptr;
    size_t size = 0;
};

// One row of the files table, as stored.
struct catalog_row {
    int64_t id = 0;
    std::string path;
    int64_t size_bytes = 0;
    int64_t mtime_ns = 0;
    std::string content_hash;
    double duration_seconds = 0;
    std::string format;
    int64_t sample_rate = 0;
    int64_t channels = 0;
    std::string tags;  // a flat JSON object of strings
    std::string status;
    std::string error;
    std::string model_id;
    std::string window_plan;
};

// Every check throws sonavec::error "<file>: damaged row for '<path>': <why>".
class catalog_row_decoder {
public:
    explicit catalog_row_decoder(std::string file) : file_(std::move(file)) {}

    catalog_entry entry(const catalog_row& row) const;  // without vectors
    // Checks the row's vector (vectors.dim and vectors.vector; has_vector false when the row has none)
    // against e.status and stores it in e.vector. Returns its dim, 0 when there is none.
    int64_t vector(catalog_entry& e, bool has_vector, int64_t dim, catalog_blob blob) const;
    // One row of the windows table of an entry whose vectors have dim floats.
    // centre: the entry's own vector, which a compact (segments-plan) window is coded against.
    catalog_window window(double start_seconds, double length_seconds, catalog_blob blob, int64_t dim,
                          const std::string& path, const float* centre) const;

    uint64_t size(int64_t stored, const std::string& path) const;
    entry_status status(const std::string& stored, const std::string& path) const;
    int64_t dim(int64_t stored, const std::string& path) const;
    std::vector<float> floats(catalog_blob blob, int64_t dim, const std::string& path) const;
    [[noreturn]] void bad_row(const std::string& path, const std::string& why) const;

private:
    std::map<std::string, std::string> tags(const std::string& text, const std::string& path) const;

    std::string file_;
};

}  // namespace sonavec
