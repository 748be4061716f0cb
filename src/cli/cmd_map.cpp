// sonavec map: the library as a 2D map (library::map), written as JSON or CSV and drawn as a PNG or SVG
// coloured by cluster, inferred tag or folder.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "search_output.h"
#include "sonavec/atomic_file.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

std::string ascii_lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string json_of(const map_report& m, const std::map<int64_t, std::string>& paths, const std::vector<std::string>& cat) {
    nlohmann::json points = nlohmann::json::array();
    for (size_t i = 0; i < m.points.size(); i++) {
        const map_point& p = m.points[i];
        nlohmann::json j = {{"id", p.id}, {"x", p.x}, {"y", p.y}, {"placed", p.placed}};
        const auto it = paths.find(p.id);
        j["path"] = it != paths.end() ? it->second : "";
        if (!cat[i].empty()) j["category"] = cat[i];
        points.push_back(std::move(j));
    }
    const nlohmann::json j = {{"model", m.model_id}, {"method", "umap"}, {"tracks", m.points.size()},
                              {"placed", m.placed},  {"kept", m.kept},     {"rebuilt", m.rebuilt},
                              {"points", points}};
    return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string csv_of(const map_report& m, const std::map<int64_t, std::string>& paths, const std::vector<std::string>& cat) {
    std::string out = "id,x,y,placed,category,path\n";
    char line[96];
    for (size_t i = 0; i < m.points.size(); i++) {
        const map_point& p = m.points[i];
        std::snprintf(line, sizeof line, "%lld,%.5f,%.5f,%d,", static_cast<long long>(p.id), p.x, p.y, p.placed ? 1 : 0);
        const auto it = paths.find(p.id);
        out += line + csv_field(cat[i]) + "," + csv_field(it != paths.end() ? it->second : "") + "\n";
    }
    return out;
}

// One status line per stage, redrawn in place on a terminal.
std::function<void(const map_progress&)> stage_line(bool quiet) {
    if (quiet) return nullptr;
    const bool terminal = isatty(STDERR_FILENO) == 1;
    return [terminal, last = std::string()](const map_progress& p) mutable {
        if (!terminal) {
            if (p.stage != last) std::fprintf(stderr, "map: %s\n", p.stage == "layout" ? "laying out" : "finding neighbours");
            last = p.stage;
            return;
        }
        if (p.stage == "layout")
            std::fprintf(stderr, "\rmap: laying out, epoch %lld/%lld   %s", static_cast<long long>(p.done),
                         static_cast<long long>(p.total), p.done == p.total ? "\n" : "");
        else if (p.done == 0)
            std::fprintf(stderr, "\rmap: finding the neighbours of %lld tracks", static_cast<long long>(p.total));
        else
            std::fprintf(stderr, "\n");
        std::fflush(stderr);
    };
}

int run(const parsed_args& args) {
    map_params p;
    p.rebuild = args.has("--rebuild");
    p.store = !args.has("--no-store");
    const int neighbours = args.get_int("--neighbors", 15), epochs = args.get_int("--epochs", 0), seed = args.get_int("--seed", 1);
    if (neighbours < 2 || neighbours > 200) throw usage_error("--neighbors must be 2 to 200");
    if (epochs < 0) throw usage_error("--epochs must not be negative");
    if (seed < 0) throw usage_error("--seed must not be negative");
    p.neighbors = static_cast<size_t>(neighbours);
    p.epochs = epochs;
    p.seed = static_cast<uint64_t>(seed);
    if (args.has("--min-dist")) p.min_dist = args.get_fraction("--min-dist", 0.1);
    if (args.has("--model-id")) p.model_id = args.get("--model-id");
    p.threads = args.get_int("--threads", 0);
    if (p.threads < 0) throw usage_error("--threads must not be negative");
    const std::string colour = args.has("--color") ? args.get("--color") : "cluster";
    if (colour.empty()) throw usage_error("--color needs cluster, folder, none or a taxonomy's name");
    std::filesystem::path out_file, picture;
    if (args.has("--out")) {
        out_file = args.get("--out");
        const std::string ext = ascii_lower(out_file.extension().string());
        if (ext != ".json" && ext != ".csv") throw usage_error("--out names a .json or .csv file");
    }
    if (args.has("--png") && args.has("--svg")) throw usage_error("--png and --svg: give one picture");
    if (args.has("--png")) picture = args.get("--png");
    if (args.has("--svg")) picture = args.get("--svg");
    const std::string want_ext = args.has("--png") ? ".png" : ".svg";
    if (!picture.empty() && ascii_lower(picture.extension().string()) != want_ext)
        throw usage_error(std::string(args.has("--png") ? "--png" : "--svg") + " names a " + want_ext + " file");
    const bool quiet = args.has("--quiet");
    p.progress = stage_line(quiet);

    const auto lib = library::open(library_dir(args), p.store ? library::open_mode::existing : library::open_mode::read_only);
    const map_report m = lib->map(p);
    if (m.points.empty()) throw error(error_kind::not_found, "the library holds no tracks to map: index some first");
    const bool need_categories = !picture.empty() || colour != "cluster" || args.has("--k");
    const std::vector<catalog_entry> entries = lib->entries();  // for the paths
    cluster_params clusters;
    const int k = args.get_int("--k", 0);
    if (args.has("--k") && k < 2) throw usage_error("--k must be at least 2");
    clusters.k = static_cast<size_t>(k);
    clusters.threads = p.threads;
    const std::vector<std::string> cat =
        need_categories ? lib->map_categories(m, colour, clusters) : std::vector<std::string>(m.points.size());
    std::map<int64_t, std::string> paths;
    for (const catalog_entry& e : entries) paths[e.id] = e.path;

    if (!picture.empty()) {
        map_picture_options o;
        o.title = args.has("--title") ? args.get("--title") : "";
        write_map_picture(m.points, cat, picture, o);
    }
    if (!out_file.empty()) {
        const bool json = ascii_lower(out_file.extension().string()) == ".json";
        write_file_atomically(out_file, json ? json_of(m, paths, cat) : csv_of(m, paths, cat));
    }
    if (!quiet) {
        std::fprintf(stderr, "mapped %zu tracks: %zu laid out%s, %zu kept from the stored map (%.1f s neighbours, %.1f s layout)\n",
                     m.points.size(), m.placed, m.rebuilt ? " (the whole map)" : "", m.kept, m.neighbours_seconds,
                     m.layout_seconds);
        if (!picture.empty()) std::fprintf(stderr, "wrote %s\n", for_terminal(picture.string()).c_str());
        if (!out_file.empty()) std::fprintf(stderr, "wrote %s\n", for_terminal(out_file.string()).c_str());
    }
    if (out_file.empty() && picture.empty()) {
        const std::string text = csv_of(m, paths, cat);
        if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
            throw error(error_kind::io, "cannot write to standard output");
    }
    return 0;
}

}  // namespace

command map_command() {
    std::vector<option_spec> options = {library_option()};
    options.push_back({"--out", "FILE", "write the points as FILE.json ({points: [{id, x, y, path, category}]}) or FILE.csv"});
    options.push_back({"--png", "FILE", "draw the map as a PNG"});
    options.push_back({"--svg", "FILE", "draw the map as an SVG"});
    options.push_back({"--color", "BY", "cluster (default; k-means, k by silhouette or --k), folder, none, or a taxonomy "
                                        "whose tags the library holds (sonavec retag)"});
    options.push_back({"--k", "N", "with --color cluster: this many clusters"});
    options.push_back({"--title", "TEXT", "a title above the picture"});
    options.push_back({"--rebuild", "", "lay the whole map out again (default: keep the stored points, place new tracks)"});
    options.push_back({"--no-store", "", "do not store the points in the library (it is opened read-only)"});
    options.push_back({"--neighbors", "N", "UMAP's neighbours per track (default 15): more keeps more large-scale shape"});
    options.push_back({"--min-dist", "D", "UMAP's minimum distance (default 0.1): how tightly points pack"});
    options.push_back({"--epochs", "N", "layout epochs (default 500 up to 10,000 tracks, 200 above; placing: 100 / 30)"});
    options.push_back({"--seed", "S", "the starting layout and sampling (default 1)"});
    options.push_back({"--model-id", "ID", "the vectors of this model (when the library holds several)"});
    options.push_back({"--threads", "N", "threads for the neighbour graph (default: all cores)"});
    options.push_back({"--quiet", "", "no progress or summary on stderr"});
    return {{"map",
             "[--library PATH] [--out map.json|map.csv] [--png map.png|--svg map.svg] [--color cluster|folder|TAXONOMY|none] "
             "[--rebuild]",
             "The library as a 2D map: each track a point near the tracks it sounds like, drawn as a picture.",
             "UMAP (McInnes et al. 2018) on the vector index's 15-nearest-neighbour graph, started from the first two\n"
             "principal components. The points are stored in the library: the next map keeps them and places only\n"
             "new or re-embedded tracks (beside their neighbours), so a map does not reshuffle as a library grows;\n"
             "--rebuild lays it all out again. Without --out or a picture the points are printed as CSV.\n"
             "\n"
             "examples:\n"
             "  sonavec map --png map.png\n"
             "  sonavec map --svg map.svg --color genre --title 'My catalogue by genre'\n"
             "  sonavec map --out map.json --color folder",
             options, 0, 0},
            run};
}

}  // namespace sonavec::cli
