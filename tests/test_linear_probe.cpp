// Linear probes (sonavec/linear_probe.h, library::learn, sonavec learn). Planted structure: two Gaussian
// clouds around two random unit directions must be told apart on points never trained on, and one
// cloud split in two must not (chance, 0.5). The optimiser is checked against finite differences of its
// own objective and against a one-dimensional problem whose optimum is found here by bisection.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_run.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "sonavec/library.h"
#include "sonavec/linear_probe.h"
#include "sonavec/tagging.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

void normalize(std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += static_cast<double>(x) * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
}

std::vector<float> random_direction(size_t dim, std::mt19937& rng) {
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> v(dim);
    for (float& x : v) x = g(rng);
    normalize(v);
    return v;
}

// n unit vectors around `center`: center + N(0, sigma^2) per coordinate, normalised (row-major).
std::vector<float> cloud(const std::vector<float>& center, size_t n, float sigma, std::mt19937& rng) {
    std::normal_distribution<float> g(0.0f, sigma);
    std::vector<float> out;
    for (size_t i = 0; i < n; i++) {
        std::vector<float> v = center;
        for (float& x : v) x += g(rng);
        normalize(v);
        out.insert(out.end(), v.begin(), v.end());
    }
    return out;
}

double hit_rate(const linear_probe& p, const std::vector<float>& rows, size_t dim, bool positive) {
    const size_t n = rows.size() / dim;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += (probe_probability(p, std::span<const float>(rows.data() + i * dim, dim)) >= p.threshold) == positive;
    return static_cast<double>(hits) / static_cast<double>(n);
}

template <typename F>
void expect_error(error_kind kind, const std::string& needle, F&& f) {
    try {
        f();
        ADD_FAILURE() << "no error (expected one containing '" << needle << "')";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(linear_probe, separates_two_clouds_on_points_it_never_saw) {
    for (const size_t dim : {48u, 512u}) {
        std::mt19937 rng(static_cast<unsigned>(dim));
        const std::vector<float> a = random_direction(dim, rng), b = random_direction(dim, rng);
        // Noise of norm 1 (48) to 2.5 (512) times the signal per point, so no coordinate alone tells them
        // apart, yet the centres lie over 4.5 sigma from the midway plane: separable, Bayes error ~1e-6.
        const float sigma = dim == 512 ? 0.11f : 0.15f;
        // Few positives against many negatives, as a user gives them.
        const std::vector<float> pos = cloud(a, 8, sigma, rng), neg = cloud(b, 40, sigma, rng);
        const std::vector<float> held_pos = cloud(a, 300, sigma, rng), held_neg = cloud(b, 300, sigma, rng);
        const linear_probe p = train_probe(pos, 8, neg, 40, dim);
        EXPECT_EQ(p.folds, 5);
        EXPECT_EQ(p.positives, 8u);
        EXPECT_EQ(p.negatives, 40u);
        EXPECT_GE(p.cv_accuracy, 0.95) << "dim " << dim;
        const double held = 0.5 * (hit_rate(p, held_pos, dim, true) + hit_rate(p, held_neg, dim, false));
        EXPECT_GE(held, 0.95) << "dim " << dim;
        std::printf("dim %zu: cross-validated accuracy %.3f, held-out balanced accuracy %.3f\n", dim, p.cv_accuracy, held);
        // Deterministic: the same examples give the same probe.
        const linear_probe again = train_probe(pos, 8, neg, 40, dim);
        EXPECT_EQ(again.weights, p.weights);
        EXPECT_EQ(again.cv_accuracy, p.cv_accuracy);
    }
}

TEST(linear_probe, one_cloud_split_in_two_is_chance) {
    const size_t dim = 48;
    std::mt19937 rng(11);
    const std::vector<float> c = random_direction(dim, rng);
    const std::vector<float> pos = cloud(c, 40, 0.3f, rng), neg = cloud(c, 40, 0.3f, rng);
    const linear_probe p = train_probe(pos, 40, neg, 40, dim);
    std::printf("same distribution: cross-validated accuracy %.3f\n", p.cv_accuracy);
    EXPECT_GE(p.cv_accuracy, 0.3);
    EXPECT_LE(p.cv_accuracy, 0.7);
}

TEST(linear_probe, gradient_matches_finite_differences) {
    const size_t dim = 6;
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> pos(3 * dim), neg(5 * dim);
    for (float& x : pos) x = g(rng);
    for (float& x : neg) x = g(rng);
    std::vector<double> theta(dim + 1);
    for (double& t : theta) t = g(rng);
    std::vector<double> grad;
    probe_objective(pos, 3, neg, 5, dim, 0.7, theta, &grad);
    ASSERT_EQ(grad.size(), dim + 1);
    for (size_t k = 0; k <= dim; k++) {
        const double h = 1e-5;
        std::vector<double> up = theta, down = theta;
        up[k] += h;
        down[k] -= h;
        const double numeric =
            (probe_objective(pos, 3, neg, 5, dim, 0.7, up) - probe_objective(pos, 3, neg, 5, dim, 0.7, down)) / (2 * h);
        EXPECT_NEAR(grad[k], numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "coordinate " << k;
    }
}

TEST(linear_probe, balanced_weights_reach_the_optimum_an_independent_bisection_finds) {
    // Positives at x = +1 (2 of them), negatives at x = -1 (20): each class weighs 11, so by symmetry
    // b = 0 and w solves -22 sigmoid(-w) + l2 w = 0, which bisection finds here.
    const std::vector<float> pos(2, 1.0f), neg(20, -1.0f);
    for (const double l2 : {0.1, 1.0, 10.0}) {
        const auto df = [l2](double w) { return -22.0 / (1.0 + std::exp(w)) + l2 * w; };
        double lo = 0, hi = 1000;
        for (int i = 0; i < 200; i++) (df(0.5 * (lo + hi)) > 0 ? hi : lo) = 0.5 * (lo + hi);
        probe_params pp;
        pp.l2 = l2;
        const linear_probe p = train_probe(pos, 2, neg, 20, 1, pp);
        EXPECT_NEAR(p.weights[0], 0.5 * (lo + hi), 1e-5 * std::max(1.0, lo)) << "l2 " << l2;
        EXPECT_NEAR(p.bias, 0.0, 1e-5) << "l2 " << l2;
        EXPECT_EQ(p.cv_accuracy, 1.0);
    }
    // And a general problem's fit is a stationary point of the objective.
    const size_t dim = 10;
    std::mt19937 rng(9);
    const std::vector<float> a = random_direction(dim, rng), b = random_direction(dim, rng);
    const std::vector<float> ps = cloud(a, 6, 0.5f, rng), ns = cloud(b, 15, 0.5f, rng);
    const linear_probe p = train_probe(ps, 6, ns, 15, dim);
    std::vector<double> theta(p.weights.begin(), p.weights.end()), grad, zero_grad;
    theta.push_back(p.bias);
    probe_objective(ps, 6, ns, 15, dim, 1.0, theta, &grad);
    probe_objective(ps, 6, ns, 15, dim, 1.0, std::vector<double>(dim + 1, 0.0), &zero_grad);
    double g = 0, g0 = 0;
    for (size_t k = 0; k <= dim; k++) {
        g += grad[k] * grad[k];
        g0 += zero_grad[k] * zero_grad[k];
    }
    EXPECT_LT(std::sqrt(g), 1e-4 * std::sqrt(g0));  // float weights: rounding, not the optimiser
}

TEST(linear_probe, refuses_too_few_examples_and_bad_input) {
    const std::vector<float> two(2 * 4, 0.5f), one(4, 0.5f);
    expect_error(error_kind::invalid_input, "at least 2 positive and 2 negative", [&] { train_probe(one, 1, two, 2, 4); });
    expect_error(error_kind::invalid_input, "got 2 positive and 1 negative", [&] { train_probe(two, 2, one, 1, 4); });
    expect_error(error_kind::invalid_input, "floats for", [&] { train_probe(two, 2, two, 3, 4); });
    std::vector<float> bad = two;
    bad[3] = std::nanf("");
    expect_error(error_kind::invalid_input, "non-finite", [&] { train_probe(bad, 2, two, 2, 4); });
    probe_params pp;
    pp.l2 = 0;
    expect_error(error_kind::invalid_input, "L2 penalty", [&] { train_probe(two, 2, two, 2, 4, pp); });
    linear_probe p;
    p.weights.assign(4, 1.0f);
    expect_error(error_kind::invalid_input, "dimensions", [&] { probe_probability(p, std::span<const float>(one.data(), 3)); });
}

// --- The library and the CLI: planted clusters imported, a probe learned from some, checked on the rest ---

namespace {

fs::path golden_model() { return fs::path(SONAVEC_TEST_DATA) / "golden" / "model"; }

std::unique_ptr<engine> golden_engine() {
    engine_params p = engine_default_params();
    p.model_dir = golden_model();
    p.threads = 2;
    return engine::open(p);
}

// /nowhere/{train,held}/{a,b}/trackN.wav: cluster a and cluster b, of the golden model's id and size
// (48); train holds 8 a and 30 b, held 100 of each, all at sigma 0.15 (separable, as above). The paths
// do not exist: nothing is decoded.
struct planted {
    fs::path dir;
    std::string model_id;
};

std::string jsonl_of(const std::vector<float>& rows, size_t dim, const std::string& prefix, const std::string& model) {
    std::string out;
    for (size_t i = 0; i < rows.size() / dim; i++) {
        const std::vector<float> v(rows.begin() + static_cast<long>(i * dim), rows.begin() + static_cast<long>((i + 1) * dim));
        out += nlohmann::json{{"path", prefix + std::to_string(i) + ".wav"}, {"model", model}, {"embedding", v}}.dump() + "\n";
    }
    return out;
}

planted plant(const std::string& name, const std::string& model_id) {
    planted p;
    p.dir = test::scratch_dir() / name;
    p.model_id = model_id;
    fs::remove_all(p.dir);
    const size_t dim = 48;
    std::mt19937 rng(21);
    const std::vector<float> a = random_direction(dim, rng), b = random_direction(dim, rng);
    std::string jsonl = jsonl_of(cloud(a, 8, 0.15f, rng), dim, "/nowhere/train/a/track", model_id) +
                        jsonl_of(cloud(b, 30, 0.15f, rng), dim, "/nowhere/train/b/track", model_id) +
                        jsonl_of(cloud(a, 100, 0.15f, rng), dim, "/nowhere/held/a/track", model_id) +
                        jsonl_of(cloud(b, 100, 0.15f, rng), dim, "/nowhere/held/b/track", model_id);
    test::write_file(test::scratch_dir() / (name + ".jsonl"), jsonl);
    library::open(p.dir)->import_from(test::scratch_dir() / (name + ".jsonl"), import_options{});
    return p;
}

bool has_learned(const catalog_entry& e, const std::string& name) {
    for (const auto& g : e.inferred)
        if (g.taxonomy == learned_taxonomy && g.label == name) return true;
    return false;
}

// The held-out tracks' balanced hit rate for the learned tag NAME.
double held_out_accuracy(const library& lib, const std::string& name) {
    size_t a = 0, b = 0;
    for (int i = 0; i < 100; i++) {
        a += has_learned(*lib.find("/nowhere/held/a/track" + std::to_string(i) + ".wav"), name);
        b += !has_learned(*lib.find("/nowhere/held/b/track" + std::to_string(i) + ".wav"), name);
    }
    return 0.5 * (a / 100.0 + b / 100.0);
}

}  // namespace

TEST(learn, tags_held_out_tracks_of_the_positive_cluster_and_retag_reapplies_it) {
    const auto eng = golden_engine();
    const planted p = plant("library", eng->model_id());
    const auto lib = library::open(p.dir, library::open_mode::existing);
    const learn_report r = lib->learn("cluster-a", {"/nowhere/train/a"}, {"/nowhere/train/b/"}, {});
    EXPECT_EQ(r.probe.positives, 8u);
    EXPECT_EQ(r.probe.negatives, 30u);
    EXPECT_EQ(r.probe.model_id, eng->model_id());
    EXPECT_GE(r.probe.cv_accuracy, 0.95);
    EXPECT_EQ(r.tracks, 238u);
    const double held = held_out_accuracy(*lib, "cluster-a");
    std::printf("library: cross-validated %.3f, held-out %.3f, tagged %zu of %zu\n", r.probe.cv_accuracy, held, r.tagged, r.tracks);
    EXPECT_GE(held, 0.95);
    const catalog_entry tagged = *lib->find("/nowhere/held/a/track0.wav");
    for (const auto& g : tagged.inferred) {
        if (g.taxonomy == learned_taxonomy) {
            EXPECT_GE(g.probability, 0.5);
        }
    }
    // Stored: listed with its weights, as trained.
    const auto probes = lib->probes();
    ASSERT_EQ(probes.size(), 1u);
    EXPECT_EQ(probes[0].name, "cluster-a");
    EXPECT_EQ(probes[0].weights, r.probe.weights);
    EXPECT_EQ(probes[0].bias, r.probe.bias);
    EXPECT_EQ(probes[0].cv_accuracy, r.probe.cv_accuracy);

    // A second probe keeps the first's tags (the same taxonomy, another label).
    lib->learn("cluster-b", {"/nowhere/train/b"}, {"/nowhere/train/a"}, {});
    // --where ignores case, so another probe may not differ from one only in case.
    expect_error(error_kind::invalid_input, "'cluster-b' exists",
                 [&] { lib->learn("Cluster-B", {"/nowhere/train/b"}, {"/nowhere/train/a"}, {}); });
    EXPECT_GE(held_out_accuracy(*lib, "cluster-a"), 0.95);

    // A track imported again loses its stale tags; retag applies the stored probes to it again.
    const fs::path again = test::scratch_dir() / "again.jsonl";
    catalog_entry e = *lib->find("/nowhere/held/a/track3.wav", true);
    ASSERT_TRUE(has_learned(e, "cluster-a"));
    test::write_file(again, nlohmann::json{{"path", e.path}, {"model", e.model_id}, {"embedding", e.vector}}.dump() + "\n");
    lib->import_from(again, import_options{});
    EXPECT_FALSE(has_learned(*lib->find(e.path), "cluster-a"));
    retag_params rp;
    rp.use_cache = false;
    const retag_report rr = lib->retag(*eng, {parse_taxonomy("# template: {}\nloud\nquiet\n", "level")}, rp);
    EXPECT_EQ(rr.probes, 2u);
    EXPECT_TRUE(has_learned(*lib->find(e.path), "cluster-a"));

    lib->remove_probe("cluster-b");
    EXPECT_EQ(lib->probes().size(), 1u);
    for (int i = 0; i < 100; i++) EXPECT_FALSE(has_learned(*lib->find("/nowhere/held/b/track" + std::to_string(i) + ".wav"), "cluster-b"));
    expect_error(error_kind::not_found, "cluster-b", [&] { lib->remove_probe("cluster-b"); });
}

TEST(learn, refuses_unknown_paths_overlaps_other_models_and_bad_names) {
    const planted p = plant("refusals", "planted@0000000000000000");
    const auto lib = library::open(p.dir, library::open_mode::existing);
    expect_error(error_kind::not_found, "/nowhere/elsewhere", [&] { lib->learn("x", {"/nowhere/elsewhere"}, {"/nowhere/train/b"}, {}); });
    expect_error(error_kind::invalid_input, "both a positive and a negative",
                 [&] { lib->learn("x", {"/nowhere/train"}, {"/nowhere/train/b"}, {}); });
    expect_error(error_kind::not_found, "999999", [&] { lib->learn("x", {"999999"}, {"/nowhere/train/b"}, {}); });
    learn_params other;
    other.model_id = "someone-else@0000";
    expect_error(error_kind::invalid_input, "someone-else@0000", [&] { lib->learn("x", {"/nowhere/train/a"}, {"/nowhere/train/b"}, other); });
    expect_error(error_kind::invalid_input, "','", [&] { lib->learn("a,b", {"/nowhere/train/a"}, {"/nowhere/train/b"}, {}); });
    const auto one = lib->find("/nowhere/train/a/track0.wav");
    expect_error(error_kind::invalid_input, "at least 2 positive",
                 [&] { lib->learn("x", {std::to_string(one->id)}, {"/nowhere/train/b"}, {}); });
    EXPECT_TRUE(lib->probes().empty());  // nothing stored by a refused call
    // A name that is not UTF-8: --where and JSON could not show it.
    expect_error(error_kind::invalid_input, "UTF-8", [&] { lib->learn("bad\xff", {"/nowhere/train/a"}, {"/nowhere/train/b"}, {}); });
    expect_error(error_kind::invalid_input, "read-only", [&] {
        library::open(p.dir, library::open_mode::read_only)->learn("x", {"/nowhere/train/a"}, {"/nowhere/train/b"}, {});
    });
}

TEST(learn, cli_learns_from_ids_and_folders_and_search_where_finds_the_held_out_cluster) {
    const planted p = plant("cli", "planted@0000000000000000");
    const auto lib = library::open(p.dir, library::open_mode::existing);
    // Positives by id (a comma list), negatives by folder.
    std::string ids;
    for (int i = 0; i < 8; i++)
        ids += (i ? "," : "") + std::to_string(lib->find("/nowhere/train/a/track" + std::to_string(i) + ".wav")->id);
    const std::string library_flag = " --library " + test::quoted(p.dir);
    auto r = test::run_cli("learn picks --positive " + ids + " --negative /nowhere/train/b" + library_flag);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("learned 'picks': 8 positive, 30 negative, 5-fold accuracy"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" of 238 tracks"), std::string::npos) << r.out;
    r = test::run_cli("learn picks --json --positive " + ids + " --negative /nowhere/train/b" + library_flag);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_GE(j["cv_accuracy"].get<double>(), 0.95);
    EXPECT_EQ(j["folds"], 5);
    EXPECT_EQ(j["tracks"], 238);
    // search --where learned=picks: the held-out a cluster (and the training one), never b.
    const int64_t query = lib->find("/nowhere/held/a/track0.wav")->id;
    r = test::run_cli("similar --json -k 500 --where learned=picks" + library_flag + " " + std::to_string(query));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto hits = nlohmann::json::parse(r.out);
    size_t held_a = 0;
    for (const auto& h : hits) {
        const std::string path = h["path"];
        EXPECT_EQ(path.find("/b/"), std::string::npos) << path;
        held_a += path.rfind("/nowhere/held/a/", 0) == 0;
    }
    EXPECT_GE(held_a, 95u);  // of 99 (the query itself is left out)
    r = test::run_cli("learn --list --json" + library_flag);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto listed = nlohmann::json::parse(r.out);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["name"], "picks");
    EXPECT_EQ(listed[0]["positives"], 8);
    // Bad input: a clear message and a non-zero exit, nothing stored.
    r = test::run_cli("learn other --positive /nowhere/none --negative /nowhere/train/b" + library_flag);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("/nowhere/none"), std::string::npos) << r.err;
    r = test::run_cli("learn other --positive /nowhere/train/a" + library_flag);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--negative"), std::string::npos) << r.err;
    r = test::run_cli("learn other --positive /nowhere/train/a --negative /nowhere/train/b --l2 -1" + library_flag);
    EXPECT_EQ(r.code, 2);
    r = test::run_cli("learn --remove picks" + library_flag);
    EXPECT_EQ(r.code, 0) << r.err;
    r = test::run_cli("learn --list" + library_flag);
    EXPECT_NE(r.out.find("no probes"), std::string::npos) << r.out;
    r = test::run_cli("learn --help");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("example"), std::string::npos);
}

TEST(learn, a_damaged_probe_row_is_refused_naming_the_probe) {
    const planted p = plant("damaged", "planted@0000000000000000");
    library::open(p.dir, library::open_mode::existing)->learn("fine", {"/nowhere/train/a"}, {"/nowhere/train/b"}, {});
    // Damage the stored weights behind sonavec's back: a BLOB of the wrong size, then a NaN threshold.
    const auto damage = [&](const char* sql) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((p.dir / "catalog.sqlite").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        sqlite3_close(db);
    };
    damage("UPDATE probes SET weights = x'00000000' WHERE name = 'fine'");
    expect_error(error_kind::corrupt_file, "damaged probe 'fine': weights of the wrong size",
                 [&] { library::open(p.dir, library::open_mode::read_only)->probes(); });
    const auto r = test::run_cli("learn --list --library " + test::quoted(p.dir));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("damaged probe 'fine'"), std::string::npos) << r.err;
    damage("DELETE FROM probes");
    damage("INSERT INTO probes VALUES ('odd', 'm', 1, x'0000803f', 0.0, 2.0, 1.0, 0.5, 2, 2)");
    expect_error(error_kind::corrupt_file, "threshold", [&] { library::open(p.dir, library::open_mode::read_only)->probes(); });
}
