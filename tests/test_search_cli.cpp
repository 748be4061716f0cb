// `sonavec search` and `sonavec similar` against independent references: a library of the golden audio
// cases (indexed with --windows first, which reproduces the reference embeddings) must rank exactly as a
// brute-force cosine between the reference text embedding and the reference audio embeddings does.
#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "library/catalog.h"
#include "cli_run.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using test::quoted;
using result = test::cli_result;

fs::path work_dir() {
    static const fs::path dir = [] {
        fs::create_directories(test::scratch_dir() / "audio");
        return test::scratch_dir();
    }();
    return dir;
}

std::string read_all(const fs::path& p) { return test::read_file(p); }

result run(const std::string& args) { return test::run_cli(args); }

void shell(const std::string& cmd) {
    const result r = test::run_shell(cmd);
    ASSERT_EQ(r.code, 0) << cmd << "\n" << r.err;
}

const std::vector<std::string>& golden_cases() {
    static const std::vector<std::string> cases = {"chirp_10s", "chord_7s", "noise_3s", "blip_0p5s", "silence_10s",
                                                   "odd_4p321s"};
    return cases;
}

std::string model_flag() { return "--model " + quoted(test::golden_dir() / "model"); }
std::string library_flag() { return "--library " + quoted(work_dir() / "library"); }

std::vector<float> golden_vector(const std::string& file, const std::string& key) {
    auto f = test::open_golden(file);
    const tensor_view* v = f->find(key);
    EXPECT_NE(v, nullptr) << file << " " << key;
    return v ? test::floats(*v) : std::vector<float>{};
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); i++) s += static_cast<double>(a[i]) * b[i];
    return s;
}

// The golden cases as 48 kHz float WAVs (sox, from the reference waveforms), tagged and indexed once.
class search_cli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        for (const auto& name : golden_cases()) {
            auto f = test::open_golden("audio/" + name + ".safetensors");
            const tensor_view* wave = f->find("waveform");
            ASSERT_NE(wave, nullptr);
            const auto raw = work_dir() / (name + ".f32");
            std::ofstream(raw, std::ios::binary).write(reinterpret_cast<const char*>(wave->data),
                                                        static_cast<std::streamsize>(wave->nbytes));
            shell("sox -t f32 -r 48000 -c 1 " + quoted(raw) + " -e floating-point " +
                  quoted(work_dir() / (name + ".wav")));
            // Tags say which case it is, so filters have something to find.
            shell("ffmpeg -nostdin -y -i " + quoted(work_dir() / (name + ".wav")) + " -c:a copy -metadata genre=" +
                  (name.find("chirp") != std::string::npos || name.find("chord") != std::string::npos ? "tonal"
                                                                                                      : "other") +
                  " -metadata title=" + name + " " + quoted(work_dir() / "audio" / (name + ".wav")));
        }
        const result r = run("index --quiet " + model_flag() + " " + library_flag() + " --windows first " +
                             quoted(work_dir() / "audio"));
        ASSERT_EQ(r.code, 0) << r.err;
    }
};

std::vector<std::pair<std::string, double>> hits_of(const result& r) {
    std::vector<std::pair<std::string, double>> out;
    const json j = json::parse(r.out);
    for (const auto& h : j) out.emplace_back(fs::path(h.at("path").get<std::string>()).stem().string(), h.at("score").get<double>());
    return out;
}

using ranking = std::vector<std::pair<std::string, double>>;

// Each library track's name and its dot product with q, best first; `skip_id` left out.
ranking brute_force(const catalog& cat, const std::vector<float>& q, int64_t skip_id = -1) {
    ranking out;
    for (const auto& e : cat.entries(true))
        if (e.id != skip_id) out.emplace_back(fs::path(e.path).stem().string(), dot(q, e.vector));
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second > b.second; });
    return out;
}

// The command's JSON hits: the same names in the same order, scores within `tolerance`.
void expect_ranking(const result& r, const ranking& expected, double tolerance) {
    ASSERT_EQ(r.code, 0) << r.err;
    const auto got = hits_of(r);
    ASSERT_EQ(got.size(), expected.size()) << r.out;
    for (size_t i = 0; i < got.size(); i++) {
        EXPECT_EQ(got[i].first, expected[i].first) << "rank " << i;
        EXPECT_NEAR(got[i].second, expected[i].second, tolerance) << got[i].first;
    }
}

}  // namespace

TEST_F(search_cli, text_search_ranks_as_brute_force_on_reference_embeddings) {
    for (int text_case : {1, 2, 5}) {
        const json index = json::parse(read_all(test::golden_dir() / "index.json"));
        const json& tc = index.at("text_cases").at(text_case);
        const std::string text = tc.at("text").get<std::string>();
        const std::vector<float> t = golden_vector("text/" + tc.at("file").get<std::string>(), "embedding");

        ranking expected;
        for (const auto& name : golden_cases())
            expected.emplace_back(name, dot(t, golden_vector("audio/" + name + ".safetensors", "embedding")));
        std::sort(expected.begin(), expected.end(), [](auto& a, auto& b) { return a.second > b.second; });

        for (const std::string index_kind : {"exact", "ann"}) {
            SCOPED_TRACE(text + " / " + index_kind);
            expect_ranking(run("search --json -k 6 --index " + index_kind + " " + model_flag() + " " +
                               library_flag() + " " + test::quoted(fs::path(text))),
                           expected, 1e-4);
        }
    }
}

TEST_F(search_cli, filters_keep_only_matching_tracks) {
    const std::string base = "search --json -k 6 " + model_flag() + " " + library_flag() + " ";
    auto names = [](const result& r) {
        std::vector<std::string> out;
        for (const auto& h : hits_of(r)) out.push_back(h.first);
        std::sort(out.begin(), out.end());
        return out;
    };
    result r = run(base + "--max-duration 5 'rain on a tin roof'");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(names(r), (std::vector<std::string>{"blip_0p5s", "noise_3s", "odd_4p321s"}));
    r = run(base + "--min-duration 7 --tag genre=TONAL 'rain on a tin roof'");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(names(r), (std::vector<std::string>{"chirp_10s", "chord_7s"}));
    r = run(base + "--path '*/sil*' --format wav anything");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(names(r), (std::vector<std::string>{"silence_10s"}));
    r = run(base + "--format mp3 anything");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(names(r).empty());
    r = run(base + "-k 2 anything");
    EXPECT_EQ(hits_of(r).size(), 2u);
}

TEST_F(search_cli, similar_by_path_and_id_and_outside_file) {
    const catalog cat(work_dir() / "library");
    const auto chord = cat.find((work_dir() / "audio" / "chord_7s.wav").string(), true);
    ASSERT_TRUE(chord.has_value());

    // Brute force over the stored vectors, the query itself left out.
    const ranking expected = brute_force(cat, chord->vector, chord->id);
    for (const std::string& what : {quoted(work_dir() / "audio" / "chord_7s.wav"), std::to_string(chord->id)})
        expect_ranking(run("similar --json -k 10 " + model_flag() + " " + library_flag() + " " + what), expected, 1e-5);
    // A file outside the library is embedded on the fly with the seed plan: the ranking is the brute-force
    // one for the vector `sonavec embed` gives that file.
    const fs::path outside = work_dir() / "chirp_10s.wav";
    const result e = run("embed --format jsonl " + model_flag() + " " + quoted(outside));
    ASSERT_EQ(e.code, 0) << e.err;
    const std::vector<float> q = json::parse(e.out).at("embedding").get<std::vector<float>>();
    expect_ranking(run("similar --json -k 10 " + model_flag() + " " + library_flag() + " " + quoted(outside)),
                   brute_force(cat, q), 1e-5);
}

TEST_F(search_cli, table_output_and_errors) {
    result r = run("search -k 3 " + model_flag() + " " + library_flag() + " dark cinematic string ensemble");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("score"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(work_dir().string()), std::string::npos) << r.out;

    r = run("search " + model_flag() + " --library " + quoted(work_dir() / "no_library") + " x");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("sonavec index"), std::string::npos) << r.err;
    r = run("search -k 0 " + model_flag() + " " + library_flag() + " x");
    EXPECT_EQ(r.code, 2);
    r = run("search --tag genre " + model_flag() + " " + library_flag() + " x");
    EXPECT_EQ(r.code, 2);
    r = run("similar " + model_flag() + " " + library_flag() + " 99999");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no track with id"), std::string::npos) << r.err;
    // Past int64 (no rowid can be that large): the same message, not a parsing error.
    r = run("similar " + model_flag() + " " + library_flag() + " 99999999999999999999999");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no track with id 99999999999999999999999"), std::string::npos) << r.err;
    r = run("similar " + model_flag() + " " + library_flag() + " " + quoted(work_dir() / "missing.wav"));
    EXPECT_EQ(r.code, 1);
    r = run("search --help");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("example"), std::string::npos);
}
