// library::retag and the --where filter: tags inferred from stored vectors alone. The vectors are
// planted (imported) near known label vectors, so the right label is known; their paths do not exist,
// so a retag that decoded any audio would fail. Probabilities are checked against softmax(scale * cos)
// computed here in double precision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_run.h"
#include "test_data.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "sonavec/library.h"
#include "sonavec/tagging.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

fs::path golden_model() { return fs::path(SONAVEC_TEST_DATA) / "golden" / "model"; }

const char* sounds_text = "# template: {}\nrain on a tin roof\na dog barking at night\nsolo piano ballad\n";

// 30 tracks: track i lies near label i % 3's vector.
struct planted_library {
    fs::path dir;
    label_set labels;
    std::vector<std::vector<float>> vectors;
};

planted_library plant(const engine& eng, const std::string& name) {
    planted_library p;
    p.dir = test::scratch_dir() / name;
    fs::remove_all(p.dir);
    p.labels = prepare_labels(eng, parse_taxonomy(sounds_text, "sounds"), false);
    const int64_t dim = p.labels.dim;
    std::mt19937 rng(5);
    std::normal_distribution<float> noise(0.0f, 0.01f);
    nlohmann::json lines = nlohmann::json::array();
    std::string jsonl;
    for (int i = 0; i < 30; i++) {
        std::vector<float> v(p.labels.vectors.begin() + (i % 3) * dim, p.labels.vectors.begin() + (i % 3 + 1) * dim);
        double norm = 0;
        for (auto& x : v) {
            x += noise(rng);
            norm += static_cast<double>(x) * x;
        }
        for (auto& x : v) x = static_cast<float>(x / std::sqrt(norm));
        p.vectors.push_back(v);
        nlohmann::json j{{"path", "/nowhere/track" + std::to_string(i) + ".wav"}, {"model", eng.model_id()}, {"embedding", v}};
        jsonl += j.dump() + "\n";
    }
    test::write_file(test::scratch_dir() / (name + ".jsonl"), jsonl);
    import_options o;
    library::open(p.dir)->import_from(test::scratch_dir() / (name + ".jsonl"), o);
    return p;
}

// softmax over labels of scale * cosine, in double.
std::vector<double> reference_probabilities(const std::vector<float>& v, const label_set& l, double scale) {
    std::vector<double> logits;
    for (size_t k = 0; k < l.labels.size(); k++) {
        double dot = 0, nv = 0, nl = 0;
        for (int64_t d = 0; d < l.dim; d++) {
            const double a = v[d], b = l.vectors[k * l.dim + d];
            dot += a * b;
            nv += a * a;
            nl += b * b;
        }
        logits.push_back(scale * dot / std::sqrt(nv * nl));
    }
    const double m = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (auto& x : logits) sum += (x = std::exp(x - m));
    for (auto& x : logits) x /= sum;
    return logits;
}

}  // namespace

TEST(retag, stores_each_tracks_planted_label_with_the_reference_probability_and_search_filters_on_it) {
    const auto eng = test::golden_engine();
    const planted_library p = plant(*eng, "planted");
    const auto lib = library::open(p.dir, library::open_mode::existing);
    retag_params rp;
    rp.use_cache = false;
    const retag_report r = lib->retag(*eng, {parse_taxonomy(sounds_text, "sounds")}, rp);
    EXPECT_EQ(r.tracks, 30u);
    EXPECT_EQ(r.labels, 3u);
    EXPECT_GE(r.stored, 30u);
    for (int i = 0; i < 30; i++) {
        const auto e = lib->find("/nowhere/track" + std::to_string(i) + ".wav", false);
        ASSERT_TRUE(e);
        ASSERT_FALSE(e->inferred.empty()) << e->path;
        const std::vector<double> ref = reference_probabilities(p.vectors[i], p.labels, eng->logit_scale());
        const size_t best = static_cast<size_t>(std::max_element(ref.begin(), ref.end()) - ref.begin());
        EXPECT_EQ(best, static_cast<size_t>(i % 3)) << "the planted label is not the reference's best";
        EXPECT_EQ(e->inferred.front().taxonomy, "sounds");
        EXPECT_EQ(e->inferred.front().label, p.labels.labels[best]);
        for (const auto& g : e->inferred) {
            const size_t k = static_cast<size_t>(std::find(p.labels.labels.begin(), p.labels.labels.end(), g.label) -
                                                 p.labels.labels.begin());
            ASSERT_LT(k, ref.size());
            EXPECT_NEAR(g.probability, ref[k], 1e-5) << g.label;
        }
    }
    // --where: exactly the tracks planted at that label, through SQL, case-insensitive.
    search_params sp;
    sp.k = 100;
    sp.filter.inferred = {{"Sounds", "A DOG barking at night"}};
    const auto hits = lib->search_vector(p.vectors[1], sp);
    ASSERT_EQ(hits.size(), 10u);
    for (const auto& h : hits) {
        const int i = std::stoi(h.track.path.substr(std::string("/nowhere/track").size()));
        EXPECT_EQ(i % 3, 1) << h.track.path;
    }
    sp.filter.inferred = {{"sounds", "a dog barking at night"}, {"sounds", "solo piano ballad"}};
    for (const auto& h : lib->search_vector(p.vectors[1], sp))  // both required: only tracks that carry both
        EXPECT_GE(h.track.inferred.size(), 2u) << h.track.path;
    sp.filter.inferred = {{"mood", "calm"}};  // a taxonomy never computed
    EXPECT_TRUE(lib->search_vector(p.vectors[1], sp).empty());
}

TEST(retag, a_second_taxonomy_keeps_the_first_and_a_new_vector_drops_its_stale_tags) {
    const auto eng = test::golden_engine();
    const planted_library p = plant(*eng, "two-taxonomies");
    const auto lib = library::open(p.dir, library::open_mode::existing);
    retag_params rp;
    rp.use_cache = false;
    lib->retag(*eng, {parse_taxonomy(sounds_text, "sounds")}, rp);
    lib->retag(*eng, {parse_taxonomy("# template: {}\nloud\nquiet\n", "level")}, rp);
    auto e = lib->find("/nowhere/track0.wav", false);
    ASSERT_TRUE(e);
    bool sounds = false, level = false;
    for (const auto& g : e->inferred) {
        sounds = sounds || g.taxonomy == "sounds";
        level = level || g.taxonomy == "level";
    }
    EXPECT_TRUE(sounds && level);
    // The track imported again (a new vector): the tags inferred from the old one are gone.
    nlohmann::json j{{"path", "/nowhere/track0.wav"}, {"model", eng->model_id()}, {"embedding", p.vectors[2]}};
    test::write_file(test::scratch_dir() / "again.jsonl", j.dump() + "\n");
    import_options o;
    lib->import_from(test::scratch_dir() / "again.jsonl", o);
    e = lib->find("/nowhere/track0.wav", false);
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->inferred.empty());
}

TEST(retag, refuses_a_read_only_library_and_a_model_that_made_no_vectors) {
    const auto eng = test::golden_engine();
    const planted_library p = plant(*eng, "refusals");
    try {
        library::open(p.dir, library::open_mode::read_only)->retag(*eng, {parse_taxonomy(sounds_text, "sounds")}, {});
        ADD_FAILURE() << "a read-only library was retagged";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
    }
    // A taxonomy may not take the name of sonavec learn's tags, whatever its case.
    try {
        library::open(p.dir)->retag(*eng, {parse_taxonomy(sounds_text, "Learned")}, {});
        ADD_FAILURE() << "a taxonomy named like learn's tags was accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("sonavec learn"), std::string::npos) << e.what();
    }
    // Vectors imported under another model id: not this model's space.
    const fs::path other = test::scratch_dir() / "other-model";
    fs::remove_all(other);
    nlohmann::json j{{"path", "/nowhere/x.wav"}, {"model", "someone-else@0000"}, {"embedding", p.vectors[0]}};
    test::write_file(test::scratch_dir() / "other.jsonl", j.dump() + "\n");
    import_options o;
    library::open(other)->import_from(test::scratch_dir() / "other.jsonl", o);
    try {
        library::open(other)->retag(*eng, {parse_taxonomy(sounds_text, "sounds")}, {});
        ADD_FAILURE() << "retagged another model's vectors";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_found) << e.what();
        EXPECT_NE(std::string(e.what()).find("someone-else@0000"), std::string::npos) << e.what();
    }
}

TEST(retag, cli_retag_then_search_where) {
    const auto eng = test::golden_engine();
    const planted_library p = plant(*eng, "cli");
    const fs::path tax = test::scratch_dir() / "sounds.txt";
    test::write_file(tax, sounds_text);
    const std::string common = " --library " + test::quoted(p.dir) + " --model " + test::quoted(golden_model());
    auto r = test::run_cli("retag" + common + " --taxonomy " + test::quoted(tax) + " --json --quiet");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto report = nlohmann::json::parse(r.out);
    EXPECT_EQ(report["tracks"], 30);
    EXPECT_EQ(report["taxonomies"], 1);
    r = test::run_cli("search" + common + " -k 50 --json --where 'sounds=solo piano ballad' 'piano'");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto hits = nlohmann::json::parse(r.out);
    ASSERT_EQ(hits.size(), 10u);
    for (const auto& h : hits) {
        EXPECT_EQ(std::stoi(h["path"].get<std::string>().substr(std::string("/nowhere/track").size())) % 3, 2);
        EXPECT_EQ(h["inferred"]["sounds"][0]["label"], "solo piano ballad");
    }
    r = test::run_cli("search" + common + " --where sounds 'piano'");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("TAXONOMY=LABEL"), std::string::npos) << r.err;
    r = test::run_cli("retag --help");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("example"), std::string::npos);
    r = test::run_cli("retag" + common + " --taxonomy no-such-taxonomy");
    EXPECT_NE(r.code, 0);
}
