#include "cli/embed_output.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "library/export_formats.h"
#include "library/npy_format.h"
#include "util/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

// File names and tags are not always valid UTF-8; a bad byte becomes U+FFFD instead of failing the run.
std::string json_string(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_number(double v) { return nlohmann::json(v).dump(); }

std::string vector_text(const std::vector<float>& v) { return json_vector(v.data(), static_cast<int64_t>(v.size())); }

}  // namespace

std::string tracks_json(const std::vector<track_embedding>& tracks) {
    std::vector<named_vector> named;
    for (const auto& t : tracks) named.push_back({desktop_track_name(t.path), &t.vector});
    std::ostringstream out;
    write_desktop_json(out, named);
    return out.str();
}

std::string tracks_jsonl(const std::vector<track_embedding>& tracks, bool per_window) {
    std::string s;
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
        s += "{\"filename\":" + json_string(t.path.filename().string()) + ",\"path\":" + json_string(t.path.string()) +
             exact_bytes_member("path", t.path.string()) +
             ",\"duration_seconds\":" + json_number(t.info.duration_seconds) +
             ",\"sample_rate\":" + std::to_string(t.info.sample_rate) + ",\"channels\":" +
             std::to_string(t.info.channels) + ",\"windows\":" + windows + ",\"embedding\":" + vector_text(t.vector) +
             ",\"tags\":" + tags.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}\n";
    }
    return s;
}

std::string tracks_npy(const std::vector<track_embedding>& tracks, int64_t dim) {
    std::vector<float> matrix;
    matrix.reserve(tracks.size() * static_cast<size_t>(dim));
    for (const auto& t : tracks) {
        if (static_cast<int64_t>(t.vector.size()) != dim) throw error(t.path.string() + ": vector of the wrong size");
        matrix.insert(matrix.end(), t.vector.begin(), t.vector.end());
    }
    return npy_float32_matrix(matrix.data(), static_cast<int64_t>(tracks.size()), dim);
}

std::string tracks_paths(const std::vector<track_embedding>& tracks) {
    std::string s;
    for (const auto& t : tracks) s += escaped_line(t.path.string()) + "\n";
    return s;
}

}  // namespace sonavec::cli
