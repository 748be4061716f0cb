#include "library/catalog_row.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "library/segment_codes.h"
#include "sonavec/error.h"

namespace sonavec {

catalog_entry catalog_row_decoder::entry(const catalog_row& row) const {
    catalog_entry e;
    e.id = row.id;
    e.path = row.path;
    e.size_bytes = size(row.size_bytes, e.path);
    e.mtime_ns = row.mtime_ns;
    e.content_hash = row.content_hash;
    e.duration_seconds = row.duration_seconds;
    if (!std::isfinite(e.duration_seconds) || e.duration_seconds < 0) bad_row(e.path, "bad duration");
    e.format = row.format;
    if (row.sample_rate < 0 || row.sample_rate > 100000000 || row.channels < 0 || row.channels > 65535)
        bad_row(e.path, "sample rate or channel count out of range");
    e.sample_rate = static_cast<int>(row.sample_rate);
    e.channels = static_cast<int>(row.channels);
    e.tags = tags(row.tags, e.path);
    e.status = status(row.status, e.path);
    e.error = row.error;
    e.model_id = row.model_id;
    e.window_plan = row.window_plan;
    return e;
}

int64_t catalog_row_decoder::vector(catalog_entry& e, bool has_vector, int64_t stored_dim, catalog_blob blob) const {
    if (e.status == entry_status::ok && !has_vector) bad_row(e.path, "no vector");
    if (e.status == entry_status::failed && has_vector) bad_row(e.path, "a failed file with a vector");
    if (!has_vector) return 0;
    const int64_t d = dim(stored_dim, e.path);
    e.vector = floats(blob, d, e.path);
    return d;
}

catalog_window catalog_row_decoder::window(double start_seconds, double length_seconds, catalog_blob blob,
                                           int64_t dim, const std::string& path, const float* centre) const {
    catalog_window w;
    w.start_seconds = start_seconds;
    w.length_seconds = length_seconds;
    if (!std::isfinite(w.start_seconds) || !std::isfinite(w.length_seconds) || w.start_seconds < 0 ||
        w.length_seconds < 0)
        bad_row(path, "bad window span");
    if (blob.size == int8_code_bytes(dim)) {  // a segments-plan window in compact form
        if (!centre) bad_row(path, "a compact window vector without its track's vector");
        w.vector.resize(static_cast<size_t>(dim));
        if (!decode_int8_blob(blob.data, blob.size, centre, dim, w.vector.data())) bad_row(path, "bad compact window vector");
        return w;
    }
    w.vector = floats(blob, dim, path);
    return w;
}

uint64_t catalog_row_decoder::size(int64_t stored, const std::string& path) const {
    if (stored < 0) bad_row(path, "negative size");
    return static_cast<uint64_t>(stored);
}

entry_status catalog_row_decoder::status(const std::string& stored, const std::string& path) const {
    if (stored == "ok") return entry_status::ok;
    if (stored != "failed") bad_row(path, "unknown status");
    return entry_status::failed;
}

int64_t catalog_row_decoder::dim(int64_t stored, const std::string& path) const {
    if (stored < 1 || stored > catalog_max_dim) bad_row(path, "vector size " + std::to_string(stored) + " out of range");
    return stored;
}

std::vector<float> catalog_row_decoder::floats(catalog_blob blob, int64_t dim, const std::string& path) const {
    if (blob.size != static_cast<size_t>(dim) * sizeof(float))
        bad_row(path, "vector of " + std::to_string(blob.size) + " bytes, expected " + std::to_string(dim) + " floats");
    std::vector<float> v(static_cast<size_t>(dim));
    std::memcpy(v.data(), blob.data, blob.size);
    for (float x : v)
        if (!std::isfinite(x)) bad_row(path, "vector holds a non-finite value");
    return v;
}

void catalog_row_decoder::bad_row(const std::string& path, const std::string& why) const {
    throw error(error_kind::corrupt_file, file_ + ": damaged row for '" + path.substr(0, 300) + "': " + why);
}

std::map<std::string, std::string> catalog_row_decoder::tags(const std::string& text, const std::string& path) const {
    std::map<std::string, std::string> tags;
    try {
        // Depth 1 at most: a tag set is a flat object, and deep nesting is refused before it is built.
        const auto j = nlohmann::json::parse(text, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (depth > 1) throw error(error_kind::corrupt_file, "nested");
            return true;
        });
        if (!j.is_object()) bad_row(path, "tags are not a JSON object");
        for (const auto& [k, v] : j.items()) {
            if (!v.is_string()) bad_row(path, "tag '" + k.substr(0, 40) + "' is not a string");
            tags.emplace(k, v.get<std::string>());
        }
    } catch (const nlohmann::json::exception&) {
        bad_row(path, "tags are not valid JSON");
    } catch (const error& e) {
        if (std::string(e.what()) == "nested") bad_row(path, "tags are not a flat JSON object");
        throw;
    }
    return tags;
}

}  // namespace sonavec
