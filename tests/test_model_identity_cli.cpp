// A model is known by its files, not its folder's name: another checkpoint under the same name is
// embedded again, search and similar compare only vectors of the query's model, and a library of
// several models asks which one to search. Before, the folder name was the id, so a new checkpoint
// was taken as unchanged and a search with another model returned results with exit 0.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "cli_run.h"
#include "library/catalog.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;
using test::quoted;

namespace {

const fs::path& scratch() { return test::scratch_dir(); }

// n WAVs of distinct sweeps made with sox, 3 s each.
void make_tracks(const fs::path& dir, int n, int first_hz) {
    fs::create_directories(dir);
    for (int i = 0; i < n; i++) {
        const auto wav = dir / (std::string(1, 't').append(std::to_string(i)).append(".wav"));
        const auto r = test::run_shell("sox -n -r 48000 -c 1 " + quoted(wav) + " synth 3 sine " +
                                       std::to_string(first_hz + 90 * i) + "-" + std::to_string(first_hz + 400 + 90 * i));
        ASSERT_EQ(r.code, 0) << r.err;
    }
}

// A copy of the golden model under `name`, with its own random weights when seed is not 0.
fs::path model_copy(const std::string& name, int seed) {
    const fs::path dir = scratch() / "models" / name;
    fs::remove_all(dir);
    fs::create_directories(dir.parent_path());
    if (seed == 0) {
        fs::copy(test::golden_dir() / "model", dir, fs::copy_options::recursive);
        fs::remove(dir / "pytorch_model.bin");  // one weights file, so the copy loads what its id names
    } else {
        const auto r = test::run_cli("model random --seed " + std::to_string(seed) + " " +
                                     quoted(test::golden_dir() / "model") + " " + quoted(dir));
        EXPECT_EQ(r.code, 0) << r.err;
    }
    return dir;
}

json run_json(const std::string& args, int expected_code = 0) {
    const auto r = test::run_cli(args);
    EXPECT_EQ(r.code, expected_code) << args << "\n" << r.err;
    const json j = json::parse(r.out, nullptr, false);
    return j.is_discarded() ? json() : j;
}

std::set<std::string> result_paths(const json& hits) {
    std::set<std::string> out;
    for (const auto& h : hits) out.insert(h.at("path").get<std::string>());
    return out;
}

}  // namespace

TEST(model_identity_cli, another_checkpoint_in_a_folder_of_the_same_name_is_embedded_again) {
    const fs::path music = scratch() / "same_name_music", library = scratch() / "same_name_lib";
    make_tracks(music, 3, 200);
    const fs::path model = model_copy("clap", 0);
    const std::string common = " --library " + quoted(library) + " --model " + quoted(model) + " " + quoted(music);
    json first = run_json("index --json --quiet" + common);
    EXPECT_EQ(first.value("embedded", -1), 3);
    const std::string first_id = test::expected_model_id(model);
    std::map<std::string, std::vector<float>> before;
    for (const auto& e : catalog(library, catalog_open::existing).entries(true)) {
        EXPECT_EQ(e.model_id, first_id);
        before[e.path] = e.vector;
    }

    // The same folder name, other weights: every file is embedded again and its vector replaced.
    model_copy("clap", 7);
    const std::string second_id = test::expected_model_id(model);
    ASSERT_NE(second_id, first_id);
    const auto r = test::run_cli("index --json" + common);
    ASSERT_EQ(r.code, 0) << r.err;
    const json second = json::parse(r.out);
    EXPECT_EQ(second.value("embedded", -1), 3);
    EXPECT_EQ(second.value("unchanged", -1), 0);
    EXPECT_NE(r.err.find("embedded with another model"), std::string::npos) << r.err;
    for (const auto& e : catalog(library, catalog_open::existing).entries(true)) {
        EXPECT_EQ(e.model_id, second_id);
        EXPECT_NE(e.vector, before[e.path]) << e.path;
    }

    // Unchanged model: nothing to do, and `model info` names the id the library records.
    EXPECT_EQ(run_json("index --json --quiet" + common).value("unchanged", -1), 3);
    const auto info = test::run_cli("model info --model " + quoted(model));
    EXPECT_NE(info.out.find("id         " + second_id), std::string::npos) << info.out;
}

TEST(model_identity_cli, a_rewritten_weights_file_is_hashed_again_even_with_its_old_mtime) {
    const fs::path model = model_copy("rewritten", 0);
    const std::string id = test::expected_model_id(model);
    auto info_id = [&] {
        const auto r = test::run_cli("model info --model " + quoted(model));
        const size_t at = r.out.find("id         ");
        return at == std::string::npos ? std::string() : r.out.substr(at + 11, id.size());
    };
    EXPECT_EQ(info_id(), id);
    EXPECT_EQ(info_id(), id);  // from the digest cache
    // Other weights of the same size, with the old modification time put back: still seen.
    const fs::path other = model_copy("other", 3);
    ASSERT_EQ(test::run_shell("cp " + quoted(model / "model.safetensors") + " " + quoted(scratch() / "old.st") +
                              " && cat " + quoted(other / "model.safetensors") + " > " +
                              quoted(model / "model.safetensors") + " && touch -r " + quoted(scratch() / "old.st") +
                              " " + quoted(model / "model.safetensors"))
                  .code,
              0);
    EXPECT_EQ(info_id(), test::expected_model_id(model));
    EXPECT_NE(info_id(), id);
}

TEST(model_identity_cli, search_and_similar_compare_only_the_query_models_vectors) {
    const fs::path a_music = scratch() / "two_a", b_music = scratch() / "two_b", library = scratch() / "two_lib";
    make_tracks(a_music, 3, 150);
    make_tracks(b_music, 2, 900);
    const fs::path model_a = model_copy("model_a", 0), model_b = model_copy("model_b", 11);
    const std::string lib = " --library " + quoted(library);
    run_json("index --json --quiet" + lib + " --model " + quoted(model_a) + " " + quoted(a_music));
    // One model so far: searching with another model is an error naming both, not results.
    auto r = test::run_cli("search --json" + lib + " --model " + quoted(model_b) + " rain");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("holds no vectors of model " + test::expected_model_id(model_b)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(test::expected_model_id(model_a)), std::string::npos) << r.err;

    run_json("index --json --quiet" + lib + " --model " + quoted(model_b) + " " + quoted(b_music));
    // Two models: without a choice the search asks; with one it ranks that model's tracks alone.
    r = test::run_cli("search --json" + lib + " rain");
    EXPECT_EQ(r.code, 2);  // a choice the command needs: bad usage
    EXPECT_NE(r.err.find("holds vectors of 2 models"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--model DIR"), std::string::npos) << r.err;

    const json a_hits = run_json("search --json -k 10" + lib + " --model " + quoted(model_a) + " rain");
    EXPECT_EQ(result_paths(a_hits).size(), 3u);
    for (const auto& p : result_paths(a_hits)) EXPECT_EQ(p.rfind(a_music.string(), 0), 0u) << p;
    const json b_hits = run_json("search --json -k 10" + lib + " --model " + quoted(model_b) + " rain");
    EXPECT_EQ(result_paths(b_hits).size(), 2u);
    for (const auto& p : result_paths(b_hits)) EXPECT_EQ(p.rfind(b_music.string(), 0), 0u) << p;
    // --model-id picks the vectors, whatever model embeds the query.
    const json by_id = run_json("search --json -k 10" + lib + " --model " + quoted(model_a) + " --model-id " +
                                quoted(fs::path(test::expected_model_id(model_b))) + " rain");
    EXPECT_EQ(result_paths(by_id), result_paths(b_hits));

    // similar on a library track searches its own model's vectors, whichever the default would be.
    const json sim = run_json("similar --json -k 10" + lib + " " + quoted(b_music / "t0.wav"));
    EXPECT_EQ(result_paths(sim), std::set<std::string>{(b_music / "t1.wav").string()});
    // A file from outside is embedded with --model and searched among that model's tracks only.
    fs::copy_file(b_music / "t1.wav", scratch() / "outside.wav", fs::copy_options::overwrite_existing);
    const json outside =
        run_json("similar --json -k 10" + lib + " --model " + quoted(model_a) + " " + quoted(scratch() / "outside.wav"));
    EXPECT_EQ(result_paths(outside), result_paths(a_hits));
}

TEST(model_identity_cli, a_hostile_digest_cache_is_ignored_and_rewritten_with_only_well_formed_entries) {
    const fs::path model = model_copy("hostile_cache", 0);
    const fs::path cache = scratch() / "cache" / "sonavec" / "model-digests.json";
    fs::create_directories(cache.parent_path());
    // Nesting deep enough to overflow a recursive writer, a wrong digest shape, a non-object entry.
    std::string deep = "{\"deep\": " + std::string(300000, '[') + std::string(300000, ']') + ", ";
    deep += R"("/x": {"stat": "1", "sha256": "not hex"}, "/y": 7})";
    test::write_file(cache, deep);
    const auto r = test::run_cli("model info --model " + quoted(model));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("id         " + test::expected_model_id(model)), std::string::npos) << r.out;
    const json written = json::parse(test::read_file(cache));
    ASSERT_TRUE(written.is_object());
    EXPECT_EQ(written.size(), 3u);  // the model's three files, nothing of what was there
    for (const auto& [path, entry] : written.items()) {
        EXPECT_EQ(entry.size(), 2u) << path;
        EXPECT_EQ(entry.at("sha256").get<std::string>().size(), 64u) << path;
    }
}
