// A 2D map of a library (library::map): each track a point, near the tracks it sounds like. UMAP
// (McInnes et al., 2018) on the kNN graph of the vector index, stored in the library so that a later map
// places new tracks among the old points without moving them; and a picture of it (write_map_picture),
// coloured by cluster or tag, with a legend.
//
//   sonavec::map_report m = lib->map({});                 // new tracks placed, old ones kept
//   std::vector<std::string> colour(m.points.size(), "");  // or a cluster / tag name per point
//   sonavec::write_map_picture(m.points, colour, "map.png", {});
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sonavec {

struct map_progress {
    std::string stage;  // "neighbours", "layout"
    int64_t done = 0, total = 0;
};

struct map_params {
    // UMAP's n_neighbors (the reference's default): how local the map is. More keeps more of the
    // collection's large-scale shape, fewer splits it into finer islands.
    size_t neighbors = 15;
    // The reference's defaults: how tightly points may pack (min_dist) on the scale of the map (spread).
    double min_dist = 0.1, spread = 1.0;
    // Gradient-descent epochs; 0: the reference's choice, 500 up to 10,000 tracks and 200 above; placing
    // new tracks on an old map, 100 for up to 10,000 new ones and 30 above.
    int epochs = 0;
    // false: tracks already on the stored map keep their places and only new (or re-embedded) ones are
    // laid out; true: the whole map is laid out again.
    bool rebuild = false;
    bool store = true;  // keep the points in the library (a read-only library: false)
    std::optional<std::string> model_id;  // the vectors of this model (the library's only one by default)
    uint64_t seed = 1;                    // the starting layout and the sampling: the same seed, the same map
    int threads = 0;                      // the kNN graph (0: all cores); the layout runs on one thread
    std::function<void(const map_progress&)> progress;
    const std::atomic<bool>* cancel = nullptr;  // stops early: nothing is stored
};

struct map_point {
    int64_t id = 0;  // the track
    float x = 0, y = 0;
    bool placed = false;  // laid out by this call (not kept from the stored map)
};

struct map_report {
    std::vector<map_point> points;  // by track id
    std::string model_id;
    size_t placed = 0, kept = 0;    // laid out now; kept from the stored map
    bool rebuilt = false;           // the whole map was laid out (no stored map, rebuild, or too few kept)
    size_t edges = 0;               // in the fuzzy graph
    double neighbours_seconds = 0, layout_seconds = 0;
};

struct map_picture_options {
    int width = 1600, height = 1200;  // pixels (PNG) or user units (SVG)
    std::string title;                // above the map ("" : none)
    size_t legend_entries = 12;       // the most frequent colours named; the rest "other"
    double point_size = 0;            // 0: from the number of points
};

// Draws the points coloured by category (one per point, "" for none: grey, "unlabelled" in the legend),
// with a legend of the categories by size. PNG (through cairo) or SVG by the file's extension; written
// atomically. Throws invalid_input for another extension or a category count that does not match.
void write_map_picture(const std::vector<map_point>& points, const std::vector<std::string>& category,
                       const std::filesystem::path& file, const map_picture_options& options);

}  // namespace sonavec
