// write_tracks and npy_track_paths (sonavec/export.h): files embedded without a library, in `sonavec
// embed`'s formats.
#include <nlohmann/json.hpp>

#include "library/export_formats.h"
#include "library/npy_format.h"
#include "sonavec/escaped_text.h"
#include "sonavec/float_text.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// File names and tags are not always valid UTF-8; a bad byte becomes U+FFFD instead of failing the run.
std::string json_string(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_number(double v) { return nlohmann::json(v).dump(); }

std::string vector_text(const std::vector<float>& v) { return json_vector(v.data(), static_cast<int64_t>(v.size())); }

void write_json(std::ostream& out, const std::vector<track_embedding>& tracks) {
    std::vector<named_vector> named;
    for (const auto& t : tracks) named.push_back({desktop_track_name(t.path), &t.vector});
    write_desktop_json(out, named);
}

void write_jsonl(std::ostream& out, const std::vector<track_embedding>& tracks, bool per_window) {
    for (const auto& t : tracks) {
        nlohmann::json tags = nlohmann::json::object();
        for (const auto& [key, value] : t.info.tags) tags[key] = value;
        std::string windows;
        if (per_window) {
            windows = "[";
            for (size_t i = 0; i < t.windows.size(); i++) {
                const auto& w = t.windows[i];
                windows += (i ? "," : "") + std::string("{\"start_seconds\":") + json_number(w.start_seconds) +
                           ",\"length_seconds\":" + json_number(w.length_seconds) + ",\"vector\":" +
                           vector_text(w.vector) + "}";
            }
            windows += "]";
        } else {
            windows = std::to_string(t.windows.size());
        }
        out << "{\"filename\":" + json_string(t.path.filename().string()) + ",\"path\":" + json_string(t.path.string()) +
                   exact_bytes_member("path", t.path.string()) +
                   ",\"duration_seconds\":" + json_number(t.info.duration_seconds) +
                   ",\"sample_rate\":" + std::to_string(t.info.sample_rate) + ",\"channels\":" +
                   std::to_string(t.info.channels) + ",\"windows\":" + windows + ",\"embedding\":" +
                   vector_text(t.vector) +
                   ",\"tags\":" + tags.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}\n";
    }
}

// The rows' length is the first track's; no tracks make a 0 x 0 matrix.
void write_npy_matrix(std::ostream& out, const std::vector<track_embedding>& tracks) {
    const int64_t dim = tracks.empty() ? 0 : static_cast<int64_t>(tracks.front().vector.size());
    for (const auto& t : tracks)
        if (static_cast<int64_t>(t.vector.size()) != dim)
            throw error(error_kind::invalid_input, t.path.string() + ": vector of the wrong size");
    out << npy_float32_header(static_cast<int64_t>(tracks.size()), dim);
    for (const auto& t : tracks) out << npy_float32_data(t.vector.data(), t.vector.size());
}

}  // namespace

void write_tracks(std::ostream& out, const std::vector<track_embedding>& tracks, export_format format,
                  bool per_window) {
    switch (format) {
        case export_format::json: return write_json(out, tracks);
        case export_format::jsonl: return write_jsonl(out, tracks, per_window);
        case export_format::npy: return write_npy_matrix(out, tracks);
        default:
            throw error(error_kind::invalid_input, "files embedded without a library are written as json, jsonl or "
                                                   "npy, not " + export_format_name(format));
    }
}

std::string npy_track_paths(const std::vector<track_embedding>& tracks) {
    std::string s;
    for (const auto& t : tracks) s += escaped_line(t.path.string()) + "\n";
    return s;
}

}  // namespace sonavec
