// sonavec clusters: the library's natural groups (library::clusters), as a table, JSON, CSV or one
// playlist per cluster.
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "search_output.h"
#include "taxonomy_options.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

std::string json_of(const cluster_report& r, const library& lib, size_t central) {
    nlohmann::json clusters = nlohmann::json::array();
    for (const cluster_info& c : r.clusters) {
        nlohmann::json members = nlohmann::json::array(), top = nlohmann::json::array();
        for (size_t i = 0; i < c.members.size(); i++) {
            members.push_back(c.members[i]);
            if (i < central) {
                const auto e = lib.find(c.members[i]);
                top.push_back({{"id", c.members[i]}, {"cosine", c.member_cosine[i]}, {"path", e ? e->path : ""}});
            }
        }
        clusters.push_back({{"id", c.id}, {"name", c.name}, {"labels", c.name_labels}, {"size", c.members.size()},
                            {"central", top}, {"members", members}});
    }
    const nlohmann::json j = {{"method", cluster_method_name(r.method)}, {"tracks", r.tracks},   {"k", r.k},
                              {"chosen_by", r.chosen_by},                 {"radius", r.radius},   {"seconds", r.seconds},
                              {"outliers", r.outliers},                   {"clusters", clusters}};
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string csv_of(const cluster_report& r) {
    std::string out = "id,cluster,cosine\n";
    char line[96];
    for (const cluster_info& c : r.clusters)
        for (size_t i = 0; i < c.members.size(); i++) {
            std::snprintf(line, sizeof line, "%lld,%d,%.6f\n", static_cast<long long>(c.members[i]), c.id, c.member_cosine[i]);
            out += line;
        }
    for (int64_t id : r.outliers) out += std::to_string(id) + ",-1,\n";
    return out;
}

std::string text_of(const cluster_report& r, const library& lib, size_t central) {
    std::string out;
    char line[160];
    for (const cluster_info& c : r.clusters) {
        std::snprintf(line, sizeof line, "cluster %d: %zu tracks", c.id, c.members.size());
        out += line;
        if (!c.name.empty()) out += " - " + for_terminal(c.name);
        out += "\n";
        for (size_t i = 0; i < c.members.size() && i < central; i++) {
            const auto e = lib.find(c.members[i]);
            std::snprintf(line, sizeof line, "  %.3f  ", c.member_cosine[i]);
            out += line + (e ? for_terminal(e->path) : std::to_string(c.members[i])) + "\n";
        }
    }
    std::snprintf(line, sizeof line, "%zu clusters of %zu tracks, %zu outliers (%s, %s; %.1f s)\n", r.clusters.size(),
                  r.tracks, r.outliers.size(), cluster_method_name(r.method), r.chosen_by.c_str(), r.seconds);
    return out + line;
}

int run(const parsed_args& args) {
    cluster_params p;
    if (args.has("--method")) p.method = parse_cluster_method(args.get("--method"));
    if (args.has("--k") && args.has("--auto")) throw usage_error("--k and --auto: give one");
    const int k = args.get_int("--k", 0);
    if (args.has("--k") && k < 2) throw usage_error("--k must be at least 2");
    if (args.has("--k") && p.method == cluster_method::density) throw usage_error("--k is for --method kmeans");
    p.k = static_cast<size_t>(k);
    const int max_k = args.get_int("--max-k", 0), min_size = args.get_int("--min-size", 5);
    const int central = args.get_int("--central", 5), seed = args.get_int("--seed", 1);
    if (max_k < 0 || (args.has("--max-k") && max_k < 2)) throw usage_error("--max-k must be at least 2");
    if (min_size < 1) throw usage_error("--min-size must be at least 1");
    if (central < 0) throw usage_error("--central must not be negative");
    if (seed < 0) throw usage_error("--seed must not be negative");
    p.max_k = static_cast<size_t>(max_k);
    p.min_size = static_cast<size_t>(min_size);
    p.central = static_cast<size_t>(central);
    p.seed = static_cast<uint64_t>(seed);
    if (args.has("--radius")) {
        p.radius = args.get_fraction("--radius", 0);
        if (p.radius <= 0) throw usage_error("--radius must be above 0");
    }
    if (args.has("--model-id")) p.model_id = args.get("--model-id");
    p.threads = args.get_int("--threads", 0);
    if (p.threads < 0) throw usage_error("--threads must not be negative");
    const bool json = args.has("--json"), csv = args.has("--csv");
    if (json && csv) throw usage_error("--json and --csv are two ways to print: choose one");
    const std::vector<taxonomy> taxonomies = args.has("--taxonomy") ? taxonomies_arg(args) : std::vector<taxonomy>{};
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    if (!taxonomies.empty()) {
        const auto eng = open_engine(args);
        for (const taxonomy& t : taxonomies) p.labels.push_back(prepare_labels(*eng, t, !args.has("--no-cache")));
    }
    const cluster_report r = lib->clusters(p);
    if (args.has("--m3u")) {
        const std::filesystem::path dir = args.get("--m3u");
        std::vector<id_playlist> lists;
        for (const cluster_info& c : r.clusters) {
            char name[32];
            std::snprintf(name, sizeof name, "cluster-%03d.m3u8", c.id);
            id_playlist l{name, {}};
            for (size_t i = 0; i < c.members.size(); i++) l.tracks.emplace_back(c.members[i], c.member_cosine[i]);
            lists.push_back(std::move(l));
        }
        write_m3u_folder(*lib, dir, lists);
        std::fprintf(stderr, "wrote %zu playlists to %s\n", r.clusters.size(), for_terminal(dir.string()).c_str());
    }
    const std::string out = json ? json_of(r, *lib, p.central) : csv ? csv_of(r) : text_of(r, *lib, p.central);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        throw error(error_kind::io, "cannot write to standard output");
    return 0;
}

}  // namespace

command clusters_command() {
    std::vector<option_spec> options = {library_option(), model_option()};
    options.push_back({"--method", "M", "kmeans (default) or density (DBSCAN: outliers stay unclustered)"});
    options.push_back({"--k", "N", "kmeans: this many clusters"});
    options.push_back({"--auto", "", "kmeans: choose k by silhouette (the default without --k)"});
    options.push_back({"--max-k", "N", "with --auto: try k from 2 to N (default min(30, tracks / 10))"});
    options.push_back({"--min-size", "M", "the smallest cluster reported (default 5; density: a core's neighbours + 1)"});
    options.push_back({"--radius", "R", "density: the cosine distance of a neighbour (default: the k-dist plot's knee)"});
    options.push_back(taxonomy_option());
    options.push_back(no_text_cache_option());
    options.push_back({"--central", "N", "the most central tracks shown per cluster (default 5)"});
    options.push_back({"--seed", "S", "k-means starts and samples (default 1)"});
    options.push_back({"--model-id", "ID", "the vectors of this model (when the library holds several)"});
    options.push_back({"--threads", "N", "threads (default: all cores)"});
    options.push_back({"--json", "", "print {method, k, chosen_by, clusters: [{id, name, size, central, members}], outliers}"});
    options.push_back({"--csv", "", "print id,cluster,cosine per track (cluster -1: an outlier)"});
    options.push_back({"--m3u", "DIR", "also write each cluster as DIR/cluster-NNN.m3u8, most central first"});
    return {{"clusters",
             "[--library PATH] [--method kmeans|density] [--k N|--auto] [--min-size M] [--radius R] "
             "[--taxonomy NAMES --model DIR] [--json|--csv] [--m3u DIR]",
             "The natural groups of the library's tracks, each named and with its most central tracks.",
             "kmeans: spherical k-means through FAISS (k-means++ seeds, 25 iterations, best of 3 starts); without --k,\n"
             "the k from 2 to --max-k with the highest mean silhouette (Rousseeuw 1987) over a sample of 2,000 tracks.\n"
             "density: DBSCAN (Ester et al. 1996) on cosine distance: tracks with at least M - 1 others within the\n"
             "radius are cores, cores within reach of each other share a cluster, the rest are outliers.\n"
             "Names: with --taxonomy (and the model), each taxonomy's label nearest the cluster's centre; without,\n"
             "the inferred tags most of its tracks carry (sonavec retag). Nothing is stored.\n"
             "\n"
             "examples:\n"
             "  sonavec clusters\n"
             "  sonavec clusters --k 12 --taxonomy genre,mood,instrument --m3u ~/clusters\n"
             "  sonavec clusters --method density --min-size 10 --json > groups.json",
             options, 0, 0},
            run};
}

}  // namespace sonavec::cli
