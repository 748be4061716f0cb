// library::clusters (sonavec/clusters.h) on imported vectors with planted structure: six clusters of
// 50 tracks (cosine about 0.8 with their centre) and 20 unrelated tracks. k-means with k given and with
// k chosen by silhouette, and DBSCAN with its radius chosen by the k-dist knee, must recover the planted
// labels (adjusted Rand index >= 0.9, computed here from its definition: Hubert and Arabie 1985); DBSCAN
// must leave the unrelated tracks out; names come from label sets nearest each centre. Then the CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cli_run.h"
#include "library_fixtures.h"
#include "sonavec/error.h"
#include "sonavec/library.h"

namespace fs = std::filesystem;
using namespace sonavec;
using json = nlohmann::json;

namespace {

constexpr int dim = 64, clusters = 6, per_cluster = 50, unrelated = 20;

struct planted_library {
    fs::path dir;
    std::map<int64_t, int> truth;  // id -> planted cluster (-1: unrelated)
    std::vector<std::vector<float>> centres;
};

const planted_library& planted() {
    static const planted_library p = [] {
        planted_library p;
        p.dir = test::scratch_dir() / "clusters";
        fs::remove_all(p.dir);
        std::string jsonl;
        std::map<std::string, int> truth_by_path;
        for (int c = 0; c < clusters; c++) p.centres.push_back(test::random_unit_vector(static_cast<uint32_t>(1 + c), dim));
        for (int c = 0; c < clusters; c++)
            for (int i = 0; i < per_cluster; i++) {
                const std::vector<float> noise = test::random_unit_vector(static_cast<uint32_t>(1000 + c * 100 + i), dim);
                std::vector<float> v(dim);
                for (int d = 0; d < dim; d++) v[static_cast<size_t>(d)] = p.centres[static_cast<size_t>(c)][static_cast<size_t>(d)] + 0.75f * noise[static_cast<size_t>(d)];
                test::normalise(v);
                const std::string path = "/c" + std::to_string(c) + "/t" + std::to_string(i) + ".wav";
                truth_by_path[path] = c;
                jsonl += json{{"path", path}, {"model", "m"}, {"embedding", v}}.dump() + "\n";
            }
        for (int i = 0; i < unrelated; i++) {
            const std::string path = "/other/u" + std::to_string(i) + ".wav";
            truth_by_path[path] = -1;
            jsonl += json{{"path", path}, {"model", "m"}, {"embedding", test::random_unit_vector(static_cast<uint32_t>(5000 + i), dim)}}.dump() + "\n";
        }
        const fs::path file = test::scratch_dir() / "clusters.jsonl";
        test::write_file(file, jsonl);
        const auto lib = library::open(p.dir);
        lib->import_from(file, import_options{});
        for (const catalog_entry& e : lib->entries()) p.truth[e.id] = truth_by_path.at(e.path);
        return p;
    }();
    return p;
}

double choose2(double x) { return x * (x - 1) / 2; }

// The adjusted Rand index of two labellings of the same items.
double adjusted_rand(const std::vector<int>& a, const std::vector<int>& b) {
    std::map<std::pair<int, int>, double> table;
    std::map<int, double> rows, cols;
    for (size_t i = 0; i < a.size(); i++) {
        table[{a[i], b[i]}]++;
        rows[a[i]]++;
        cols[b[i]]++;
    }
    double index = 0, sum_rows = 0, sum_cols = 0;
    for (const auto& [k, n] : table) index += choose2(n);
    for (const auto& [k, n] : rows) sum_rows += choose2(n);
    for (const auto& [k, n] : cols) sum_cols += choose2(n);
    const double expected = sum_rows * sum_cols / choose2(static_cast<double>(a.size()));
    const double most = (sum_rows + sum_cols) / 2;
    return (index - expected) / (most - expected);
}

// ARI over the planted cluster members (unrelated tracks left out), and where the unrelated ones went.
double ari_of(const cluster_report& r, size_t* unrelated_clustered = nullptr) {
    std::map<int64_t, int> found;
    for (const cluster_info& c : r.clusters)
        for (int64_t id : c.members) found[id] = c.id;
    std::vector<int> truth, got;
    size_t stray = 0;
    for (const auto& [id, t] : planted().truth) {
        const auto it = found.find(id);
        if (t < 0) {
            stray += it != found.end();
            continue;
        }
        truth.push_back(t);
        got.push_back(it == found.end() ? -1 - static_cast<int>(id) : it->second);  // an outlier: alone
    }
    if (unrelated_clustered) *unrelated_clustered = stray;
    return adjusted_rand(truth, got);
}

std::unique_ptr<library> open_planted() { return library::open(planted().dir, library::open_mode::read_only); }

}  // namespace

TEST(clusters, adjusted_rand_index_of_known_labellings) {
    EXPECT_DOUBLE_EQ(adjusted_rand({0, 0, 1, 1}, {5, 5, 7, 7}), 1.0);  // the same partition, other names
    EXPECT_NEAR(adjusted_rand({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}), 0.2424, 1e-4);  // sklearn's value
}

TEST(clusters, kmeans_with_k_given_recovers_the_planted_clusters) {
    cluster_params p;
    p.k = clusters;
    const cluster_report r = open_planted()->clusters(p);
    EXPECT_EQ(r.tracks, static_cast<size_t>(clusters * per_cluster + unrelated));
    EXPECT_EQ(r.k, static_cast<size_t>(clusters));
    EXPECT_EQ(r.chosen_by, "given");
    ASSERT_EQ(r.clusters.size(), static_cast<size_t>(clusters));
    const double ari = ari_of(r);
    std::printf("k-means, k given: ARI %.4f\n", ari);
    EXPECT_GE(ari, 0.9);
    for (size_t i = 1; i < r.clusters.size(); i++) EXPECT_GE(r.clusters[i - 1].members.size(), r.clusters[i].members.size());
    for (const cluster_info& c : r.clusters) {
        for (size_t i = 1; i < c.member_cosine.size(); i++) EXPECT_GE(c.member_cosine[i - 1], c.member_cosine[i]);
        double norm = 0;
        for (float x : c.centre) norm += double(x) * x;
        EXPECT_NEAR(norm, 1.0, 1e-5);
    }
    // The same seed gives the same clusters.
    const cluster_report again = open_planted()->clusters(p);
    ASSERT_EQ(again.clusters.size(), r.clusters.size());
    for (size_t i = 0; i < r.clusters.size(); i++) EXPECT_EQ(again.clusters[i].members, r.clusters[i].members);
}

TEST(clusters, kmeans_chooses_the_planted_k_by_silhouette) {
    cluster_params p;
    p.max_k = 12;
    const cluster_report r = open_planted()->clusters(p);
    std::printf("k-means, k chosen: k %zu (%s), ARI %.4f\n", r.k, r.chosen_by.c_str(), ari_of(r));
    EXPECT_EQ(r.k, static_cast<size_t>(clusters));
    EXPECT_NE(r.chosen_by.find("silhouette"), std::string::npos);
    EXPECT_GE(ari_of(r), 0.9);
}

TEST(clusters, density_leaves_the_unrelated_tracks_out) {
    cluster_params p;
    p.method = cluster_method::density;
    const cluster_report r = open_planted()->clusters(p);
    size_t stray = 0;
    const double ari = ari_of(r, &stray);
    std::printf("density: %zu clusters, %s, ARI %.4f, %zu of %d unrelated clustered, %zu outliers\n", r.clusters.size(),
                r.chosen_by.c_str(), ari, stray, unrelated, r.outliers.size());
    EXPECT_EQ(r.clusters.size(), static_cast<size_t>(clusters));
    EXPECT_GE(ari, 0.9);
    EXPECT_LE(stray, 2u);
    EXPECT_GT(r.radius, 0);
    // A radius far too small makes everything an outlier; one far too large one cluster.
    p.radius = 0.01;
    EXPECT_TRUE(open_planted()->clusters(p).clusters.empty());
    p.radius = 1.5;
    EXPECT_EQ(open_planted()->clusters(p).clusters.size(), 1u);
}

TEST(clusters, names_are_the_labels_nearest_each_centre) {
    label_set sets[2];
    sets[0].name = "planted";
    sets[0].dim = dim;
    sets[1].name = "second";
    sets[1].dim = dim;
    for (int c = 0; c < clusters; c++) {
        sets[0].labels.push_back("group/c" + std::to_string(c));
        sets[0].vectors.insert(sets[0].vectors.end(), planted().centres[static_cast<size_t>(c)].begin(), planted().centres[static_cast<size_t>(c)].end());
        sets[1].labels.push_back("tone" + std::to_string(c));
        sets[1].vectors.insert(sets[1].vectors.end(), planted().centres[static_cast<size_t>(c)].begin(), planted().centres[static_cast<size_t>(c)].end());
    }
    cluster_params p;
    p.k = clusters;
    p.labels = {sets[0], sets[1]};
    for (const cluster_info& c : open_planted()->clusters(p).clusters) {
        std::map<int, int> votes;
        for (int64_t id : c.members) votes[planted().truth.at(id)]++;
        const int majority = std::max_element(votes.begin(), votes.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
        EXPECT_EQ(c.name, "c" + std::to_string(majority) + " / tone" + std::to_string(majority));
        EXPECT_EQ(c.name_labels.size(), 2u);
    }
    p.labels[0].dim = 32;  // another model's space
    EXPECT_THROW(open_planted()->clusters(p), error);
}

TEST(clusters, bad_parameters_are_refused) {
    const auto lib = open_planted();
    cluster_params p;
    p.k = 100000;
    EXPECT_THROW(lib->clusters(p), error);
    p = cluster_params{};
    p.min_size = 0;
    EXPECT_THROW(lib->clusters(p), error);
    p = cluster_params{};
    p.radius = 2.5;
    EXPECT_THROW(lib->clusters(p), error);
    p = cluster_params{};
    p.model_id = "another";
    EXPECT_THROW(lib->clusters(p), error);
    EXPECT_THROW(parse_cluster_method("hdbscan"), error);
    EXPECT_EQ(parse_cluster_method("density"), cluster_method::density);
}

TEST(clusters, the_command_prints_json_csv_and_playlists_and_refuses_bad_options) {
    const std::string lib = "--library " + test::quoted(planted().dir);
    const auto j = test::run_cli("clusters " + lib + " --k 6 --json");
    ASSERT_EQ(j.code, 0) << j.err;
    const json doc = json::parse(j.out);
    EXPECT_EQ(doc["k"], 6);
    ASSERT_EQ(doc["clusters"].size(), 6u);
    size_t total = 0;
    for (const auto& c : doc["clusters"]) {
        total += c["members"].size();
        EXPECT_LE(c["central"].size(), 5u);
    }
    EXPECT_EQ(total + doc["outliers"].size(), static_cast<size_t>(clusters * per_cluster + unrelated));
    const auto csv = test::run_cli("clusters " + lib + " --method density --csv");
    ASSERT_EQ(csv.code, 0) << csv.err;
    EXPECT_EQ(csv.out.rfind("id,cluster,cosine\n", 0), 0u);
    EXPECT_NE(csv.out.find(",-1,"), std::string::npos);  // outliers
    const fs::path out = test::scratch_dir() / "cluster-lists";
    const auto m3u = test::run_cli("clusters " + lib + " --k 6 --m3u " + test::quoted(out));
    ASSERT_EQ(m3u.code, 0) << m3u.err;
    EXPECT_TRUE(fs::exists(out / "cluster-000.m3u8"));
    EXPECT_TRUE(fs::exists(out / "cluster-005.m3u8"));
    for (const std::string bad : {"--k 1", "--method hdbscan", "--k 3 --auto", "--method density --k 3", "--radius 0",
                                  "--json --csv", "--min-size 0"}) {
        const auto r = test::run_cli("clusters " + lib + " " + bad);
        EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
    }
}
