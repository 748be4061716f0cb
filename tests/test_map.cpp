// library::map (sonavec/map.h) on imported vectors with planted structure: six clusters of 80 tracks
// (cosine about 0.8 with their centre) must stay together on the map (a track's ten nearest points on the
// map mostly of its own cluster); a second map keeps every stored point exactly and places new tracks
// beside their cluster; a re-embedded track is placed again, --rebuild lays everything out again; the
// kNN graph matches brute force; UMAP's curve matches the reference's published fit; the picture is a
// real PNG (decoded here) with the legend's colours; then the CLI.
#include <cairo.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli_run.h"
#include "library/knn_rows.h"
#include "library/umap.h"
#include "library/ivf_index.h"
#include "library_fixtures.h"
#include "sonavec/error.h"
#include "sonavec/library.h"

namespace fs = std::filesystem;
using namespace sonavec;
using json = nlohmann::json;

namespace {

constexpr int dim = 64, clusters = 6, per_cluster = 80;

std::vector<float> centre(int c) { return test::random_unit_vector(static_cast<uint32_t>(1 + c), dim); }

std::vector<float> member(int c, int i) {
    const std::vector<float> m = centre(c), noise = test::random_unit_vector(static_cast<uint32_t>(100000 + c * 1000 + i), dim);
    std::vector<float> v(dim);
    for (int d = 0; d < dim; d++) v[static_cast<size_t>(d)] = m[static_cast<size_t>(d)] + 0.75f * noise[static_cast<size_t>(d)];
    test::normalise(v);
    return v;
}

std::string record(const std::string& path, const std::vector<float>& v) {
    return json{{"path", path}, {"model", "m"}, {"embedding", v}}.dump() + "\n";
}

// Tracks /cC/tI.wav for clusters [c0, c1) and members [i0, i1), imported into dir.
void import_members(const fs::path& dir, int c0, int c1, int i0, int i1, const std::string& name) {
    std::string jsonl;
    for (int c = c0; c < c1; c++)
        for (int i = i0; i < i1; i++) jsonl += record("/c" + std::to_string(c) + "/t" + std::to_string(i) + ".wav", member(c, i));
    const fs::path file = test::scratch_dir() / (name + ".jsonl");
    test::write_file(file, jsonl);
    library::open(dir)->import_from(file, import_options{});
}

fs::path fresh_library(const std::string& name) {
    const fs::path dir = test::scratch_dir() / name;
    fs::remove_all(dir);
    import_members(dir, 0, clusters, 0, per_cluster, name);
    return dir;
}

int cluster_of(const std::string& path) { return std::stoi(path.substr(2, path.find('/', 1) - 2)); }

// For each point given, the share of its k nearest other points on the map (among `among`) that are of
// its own cluster; the mean over them.
double map_neighbour_agreement(const std::vector<map_point>& points, const std::map<int64_t, int>& truth,
                               const std::set<int64_t>& of, const std::set<int64_t>& among, size_t k = 10) {
    double sum = 0;
    size_t counted = 0;
    for (const map_point& p : points) {
        if (!of.count(p.id)) continue;
        std::vector<std::pair<double, int64_t>> d;
        for (const map_point& q : points)
            if (q.id != p.id && among.count(q.id)) d.emplace_back(std::hypot(p.x - q.x, p.y - q.y), q.id);
        std::partial_sort(d.begin(), d.begin() + static_cast<long>(std::min(k, d.size())), d.end());
        size_t same = 0;
        for (size_t j = 0; j < k && j < d.size(); j++) same += truth.at(d[j].second) == truth.at(p.id);
        sum += static_cast<double>(same) / static_cast<double>(std::min(k, d.size()));
        counted++;
    }
    return counted ? sum / static_cast<double>(counted) : 0;
}

std::map<int64_t, int> truth_of(const library& lib) {
    std::map<int64_t, int> t;
    for (const catalog_entry& e : lib.entries()) t[e.id] = cluster_of(e.path);
    return t;
}

std::set<int64_t> ids_of(const std::vector<map_point>& points) {
    std::set<int64_t> s;
    for (const map_point& p : points) s.insert(p.id);
    return s;
}

}  // namespace

TEST(map, umap_curve_matches_the_reference_fit) {
    // umap-learn's find_ab_params(spread=1, min_dist=0.1): a = 1.577, b = 0.895.
    const umap_curve c = fit_umap_curve(0.1, 1.0);
    EXPECT_NEAR(c.a, 1.577, 0.03);
    EXPECT_NEAR(c.b, 0.895, 0.02);
    // A larger minimum distance flattens the curve near 0: a smaller a for the same spread.
    EXPECT_LT(fit_umap_curve(0.5, 1.0).a, c.a);
    EXPECT_THROW(fit_umap_curve(-1, 1), error);
    EXPECT_THROW(fit_umap_curve(0.1, 0), error);
}

TEST(map, knn_graph_matches_brute_force) {
    const int n = 600;
    std::vector<float> rows;
    for (int i = 0; i < n; i++) {
        const std::vector<float> v = member(i % clusters, i);
        rows.insert(rows.end(), v.begin(), v.end());
    }
    const knn_rows_result exact = knn_rows_exact(rows.data(), n, dim, 10, 2);
    ASSERT_EQ(exact.k, 10);
    for (int i = 0; i < n; i += 37) {
        std::vector<std::pair<float, int64_t>> all;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            float s = 0;
            for (int d = 0; d < dim; d++) s += rows[static_cast<size_t>(i * dim + d)] * rows[static_cast<size_t>(j * dim + d)];
            all.emplace_back(-s, j);
        }
        std::sort(all.begin(), all.end());
        for (int j = 0; j < 10; j++) {
            EXPECT_EQ(exact.neighbour[static_cast<size_t>(i * 10 + j)], all[static_cast<size_t>(j)].second) << i << " " << j;
            EXPECT_NEAR(exact.score[static_cast<size_t>(i * 10 + j)], -all[static_cast<size_t>(j)].first, 1e-4);
        }
    }
    // Through IVF lists (rows grouped by list as the index groups them): nearly all the same neighbours.
    const int64_t nlist = 12;
    std::vector<float> centroids = ivf_index::train_centroids(rows.data(), n, dim, nlist);
    const std::vector<int64_t> lists = ivf_index::assign_lists(centroids.data(), nlist, rows.data(), n, dim);
    std::vector<int64_t> order(n);
    for (int i = 0; i < n; i++) order[static_cast<size_t>(i)] = i;
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lists[static_cast<size_t>(a)] < lists[static_cast<size_t>(b)]; });
    std::vector<float> grouped;
    std::vector<int64_t> offsets(nlist + 1, 0);
    for (int64_t r : order) {
        grouped.insert(grouped.end(), rows.begin() + r * dim, rows.begin() + (r + 1) * dim);
        offsets[static_cast<size_t>(lists[static_cast<size_t>(r)] + 1)]++;
    }
    for (int64_t l = 0; l < nlist; l++) offsets[static_cast<size_t>(l + 1)] += offsets[static_cast<size_t>(l)];
    const knn_rows_result ivf = knn_rows_ivf(grouped.data(), n, dim, centroids, offsets, 10, 4, 2);
    size_t found = 0;
    for (int g = 0; g < n; g++) {
        const int64_t i = order[static_cast<size_t>(g)];
        std::set<int64_t> want(exact.neighbour.begin() + i * 10, exact.neighbour.begin() + (i + 1) * 10);
        for (int j = 0; j < 10; j++) found += want.count(order[static_cast<size_t>(ivf.neighbour[static_cast<size_t>(g * 10 + j)])]);
    }
    EXPECT_GE(static_cast<double>(found) / (n * 10), 0.95);
}

TEST(map, planted_clusters_stay_together_and_the_map_is_stored) {
    const fs::path dir = fresh_library("map-planted");
    const auto lib = library::open(dir);
    const map_report m = lib->map({});
    ASSERT_EQ(m.points.size(), static_cast<size_t>(clusters * per_cluster));
    EXPECT_TRUE(m.rebuilt);
    EXPECT_EQ(m.placed, m.points.size());
    EXPECT_EQ(m.kept, 0u);
    EXPECT_GT(m.edges, m.points.size());
    for (const map_point& p : m.points) {
        EXPECT_TRUE(std::isfinite(p.x) && std::isfinite(p.y));
        EXPECT_TRUE(p.placed);
    }
    const std::map<int64_t, int> truth = truth_of(*lib);
    const std::set<int64_t> all = ids_of(m.points);
    const double agreement = map_neighbour_agreement(m.points, truth, all, all);
    std::printf("planted map: %.4f of each track's 10 nearest points share its cluster\n", agreement);
    EXPECT_GE(agreement, 0.95);

    // Nothing changed: the stored map comes back as it was, nothing laid out.
    const map_report again = library::open(dir)->map({});
    EXPECT_EQ(again.kept, m.points.size());
    EXPECT_EQ(again.placed, 0u);
    EXPECT_FALSE(again.rebuilt);
    for (size_t i = 0; i < m.points.size(); i++) {
        EXPECT_EQ(again.points[i].id, m.points[i].id);
        EXPECT_FLOAT_EQ(again.points[i].x, m.points[i].x);
        EXPECT_FLOAT_EQ(again.points[i].y, m.points[i].y);
        EXPECT_FALSE(again.points[i].placed);
    }
    // The same seed lays out the same map; another seed another one.
    map_params p;
    p.rebuild = true;
    p.store = false;
    const map_report same = library::open(dir, library::open_mode::read_only)->map(p);
    for (size_t i = 0; i < m.points.size(); i++) EXPECT_FLOAT_EQ(same.points[i].x, m.points[i].x);
    p.seed = 2;
    const map_report other = library::open(dir, library::open_mode::read_only)->map(p);
    size_t moved = 0;
    for (size_t i = 0; i < m.points.size(); i++) moved += other.points[i].x != m.points[i].x;
    EXPECT_GT(moved, m.points.size() / 2);
}

TEST(map, added_tracks_are_placed_without_moving_the_old_ones) {
    const fs::path dir = fresh_library("map-stability");
    const map_report before = library::open(dir)->map({});
    // 20 more tracks of each cluster, and a seventh cluster of 40 the old map has never seen.
    import_members(dir, 0, clusters, per_cluster, per_cluster + 20, "map-more");
    import_members(dir, clusters, clusters + 1, 0, 40, "map-new-cluster");
    const auto lib = library::open(dir);
    const map_report after = lib->map({});
    ASSERT_EQ(after.points.size(), before.points.size() + clusters * 20 + 40);
    EXPECT_FALSE(after.rebuilt);
    EXPECT_EQ(after.kept, before.points.size());
    EXPECT_EQ(after.placed, static_cast<size_t>(clusters * 20 + 40));
    std::map<int64_t, map_point> old;
    for (const map_point& p : before.points) old[p.id] = p;
    std::set<int64_t> added;
    for (const map_point& p : after.points) {
        const auto it = old.find(p.id);
        if (it == old.end()) {
            added.insert(p.id);
            EXPECT_TRUE(p.placed);
            continue;
        }
        EXPECT_FALSE(p.placed);
        EXPECT_EQ(p.x, it->second.x) << "track " << p.id << " moved";
        EXPECT_EQ(p.y, it->second.y) << "track " << p.id << " moved";
    }
    const std::map<int64_t, int> truth = truth_of(*lib);
    std::set<int64_t> old_ids = ids_of(before.points), new_of_old_clusters, seventh;
    for (int64_t id : added) (truth.at(id) < clusters ? new_of_old_clusters : seventh).insert(id);
    // Each new track of an old cluster lands among its cluster's old points.
    const double beside = map_neighbour_agreement(after.points, truth, new_of_old_clusters, old_ids);
    // The unseen cluster's tracks gather with each other.
    const double together = map_neighbour_agreement(after.points, truth, seventh, ids_of(after.points));
    std::printf("placed: %.4f of new tracks' 10 nearest old points share their cluster; new cluster %.4f\n", beside, together);
    EXPECT_GE(beside, 0.9);
    EXPECT_GE(together, 0.9);

    // A track re-embedded (another vector under its path) is placed again, beside its new cluster.
    std::string jsonl = record("/c0/t0.wav", member(3, 999));
    test::write_file(test::scratch_dir() / "map-moved.jsonl", jsonl);
    library::open(dir)->import_from(test::scratch_dir() / "map-moved.jsonl", import_options{});
    const map_report moved = library::open(dir)->map({});
    EXPECT_EQ(moved.placed, 1u);
    {
        // Placed from its own neighbours alone (a few new tracks on a large map): among cluster 3's.
        const auto again = library::open(dir);
        const int64_t id = again->find(std::string("/c0/t0.wav"))->id;
        std::map<int64_t, int> by_vector = truth_of(*again);
        by_vector[id] = 3;
        std::set<int64_t> others = ids_of(moved.points);
        others.erase(id);
        const double near_three = map_neighbour_agreement(moved.points, by_vector, {id}, others);
        std::printf("re-embedded track: %.2f of its 10 nearest points are of its new cluster\n", near_three);
        EXPECT_GE(near_three, 0.9);
    }
    // --rebuild lays out everything again.
    map_params p;
    p.rebuild = true;
    const map_report rebuilt = library::open(dir)->map(p);
    EXPECT_TRUE(rebuilt.rebuilt);
    EXPECT_EQ(rebuilt.placed, rebuilt.points.size());
}

TEST(map, bad_parameters_and_read_only_libraries) {
    const fs::path dir = fresh_library("map-params");
    const auto ro = library::open(dir, library::open_mode::read_only);
    EXPECT_THROW(ro->map({}), error);  // storing needs a writable library
    map_params p;
    p.store = false;
    EXPECT_EQ(ro->map(p).points.size(), static_cast<size_t>(clusters * per_cluster));
    // Nothing was stored: the next map lays out the whole of it.
    EXPECT_TRUE(library::open(dir)->map({}).rebuilt);
    for (auto bad : std::vector<std::function<void(map_params&)>>{
             [](map_params& q) { q.neighbors = 1; }, [](map_params& q) { q.neighbors = 500; },
             [](map_params& q) { q.min_dist = -0.1; }, [](map_params& q) { q.spread = 0; },
             [](map_params& q) { q.epochs = -1; }, [](map_params& q) { q.model_id = "another"; }}) {
        map_params q;
        bad(q);
        EXPECT_THROW(library::open(dir)->map(q), error);
    }
    // An empty library has an empty map.
    const fs::path empty = test::scratch_dir() / "map-empty";
    fs::remove_all(empty);
    EXPECT_TRUE(library::open(empty)->map({}).points.empty());
}

TEST(map, the_picture_is_a_png_with_the_legend_colours) {
    std::vector<map_point> points;
    std::vector<std::string> category;
    for (int i = 0; i < 300; i++) {
        points.push_back({i, static_cast<float>(i % 3) * 10 + static_cast<float>(i % 7) * 0.1f, static_cast<float>(i % 5), false});
        category.push_back(i % 3 == 0 ? "kick" : i % 3 == 1 ? "snare" : "");
    }
    const fs::path png = test::scratch_dir() / "map.png", svg = test::scratch_dir() / "map.svg";
    map_picture_options o;
    o.title = "Planted";
    write_map_picture(points, category, png, o);
    cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
    ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    EXPECT_EQ(cairo_image_surface_get_width(s), 1600);
    EXPECT_EQ(cairo_image_surface_get_height(s), 1200);
    // Count pixels near each colour: the first palette colour (the largest category, "kick"), the second
    // ("snare"), and the dark grey of text (title and legend).
    const unsigned char* px = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    auto count_near = [&](unsigned rgb, int x0, int x1) {
        size_t c = 0;
        for (int y = 0; y < 1200; y++)
            for (int x = x0; x < x1; x++) {
                const unsigned char* p = px + y * stride + x * 4;  // BGRA in memory (native-endian ARGB32)
                const int db = p[0] - static_cast<int>(rgb & 255), dg = p[1] - static_cast<int>((rgb >> 8) & 255),
                          dr = p[2] - static_cast<int>(rgb >> 16);
                c += std::abs(dr) + std::abs(dg) + std::abs(db) < 30;
            }
        return c;
    };
    EXPECT_GT(count_near(0x4e79a7, 0, 1280), 100u);   // kick's points
    EXPECT_GT(count_near(0xf28e2b, 0, 1280), 100u);   // snare's
    EXPECT_GT(count_near(0x4e79a7, 1280, 1600), 20u);  // and their legend swatches
    EXPECT_GT(count_near(0xf28e2b, 1280, 1600), 20u);
    EXPECT_GT(count_near(0x222222, 1280, 1600), 50u);  // legend text
    cairo_surface_destroy(s);
    write_map_picture(points, category, svg, o);
    const std::string text = test::read_file(svg);
    EXPECT_NE(text.find("<svg"), std::string::npos);
    EXPECT_NE(text.find("</svg>"), std::string::npos);
    EXPECT_NE(text.find("1600"), std::string::npos);
    EXPECT_THROW(write_map_picture(points, category, test::scratch_dir() / "map.jpg", o), error);
    category.pop_back();
    EXPECT_THROW(write_map_picture(points, category, png, o), error);
}

TEST(map, the_command_writes_points_and_pictures_and_refuses_bad_options) {
    const fs::path dir = fresh_library("map-cli");
    const std::string lib = "--library " + test::quoted(dir);
    const fs::path out = test::scratch_dir() / "points.json", png = test::scratch_dir() / "cli-map.png";
    const auto r = test::run_cli("map " + lib + " --out " + test::quoted(out) + " --png " + test::quoted(png) + " --color folder");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("mapped 480 tracks"), std::string::npos) << r.err;
    const json doc = json::parse(test::read_file(out));
    ASSERT_EQ(doc["points"].size(), static_cast<size_t>(clusters * per_cluster));
    for (const auto& p : doc["points"]) EXPECT_EQ("/" + p["category"].get<std::string>() + "/", p["path"].get<std::string>().substr(0, 4));
    EXPECT_EQ(test::read_file(png).substr(1, 3), "PNG");
    // Colour by cluster (k-means with k given), then printed as CSV; the stored points are kept.
    const auto csv = test::run_cli("map " + lib + " --color cluster --k 6 --quiet");
    ASSERT_EQ(csv.code, 0) << csv.err;
    EXPECT_EQ(csv.out.rfind("id,x,y,placed,category,path\n", 0), 0u);
    EXPECT_NE(csv.out.find(",0,cluster 0,"), std::string::npos);
    EXPECT_NE(csv.out.find(",0,cluster 5,"), std::string::npos);
    const auto untagged = test::run_cli("map " + lib + " --png " + test::quoted(png) + " --color genre");
    EXPECT_NE(untagged.code, 0);
    EXPECT_NE(untagged.err.find("retag"), std::string::npos) << untagged.err;
    for (const std::string bad : {"--out points.txt", "--png a.svg", "--png a.png --svg b.svg", "--neighbors 1", "--epochs -3",
                                  "--min-dist 2"}) {
        const auto b = test::run_cli("map " + lib + " " + bad);
        EXPECT_EQ(b.code, 2) << bad << "\n" << b.err;
    }
    const auto missing = test::run_cli("map --library " + test::quoted(test::scratch_dir() / "no-such-library"));
    EXPECT_NE(missing.code, 0);
    EXPECT_EQ(test::run_cli("map --help").code, 0);
}
