// A library handle keeps the vector index it loaded while the catalog is unchanged (a server's searches
// skip loading it), and searches through a new one as soon as another handle, or process, changes the
// vectors: an index run or an import elsewhere is seen by the next search (or, with stale_index_ok, once
// a background load ends). And text_query_vectors, the server's query vectors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli_run.h"
#include "library_fixtures.h"
#include "test_data.h"
#include "sonavec/engine.h"
#include "sonavec/library.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

void import_tracks(const fs::path& dir, int first, int count, const std::string& name) {
    std::string jsonl;
    for (int i = first; i < first + count; i++)
        jsonl += nlohmann::json{{"path", "/t/" + std::to_string(i) + ".wav"}, {"model", "m"},
                                {"embedding", test::random_unit_vector(static_cast<uint32_t>(i + 1), 32)}}.dump() + "\n";
    const fs::path file = test::scratch_dir() / (name + ".jsonl");
    test::write_file(file, jsonl);
    library::open(dir)->import_from(file, import_options{});
}

}  // namespace

TEST(search_index_cache, a_change_elsewhere_is_searched_at_once) {
    const fs::path dir = test::scratch_dir() / "cache";
    fs::remove_all(dir);
    import_tracks(dir, 0, 50, "first");
    const auto reader = library::open(dir, library::open_mode::read_only);
    const std::vector<float> late = test::random_unit_vector(1 + 60, 32);  // track 60, imported below
    search_params p;
    p.k = 1;
    const auto before = reader->search_vector(late, p);
    ASSERT_EQ(before.size(), 1u);
    EXPECT_NE(before[0].track.path, "/t/60.wav");
    EXPECT_EQ(reader->search_vector(late, p)[0].track.id, before[0].track.id);  // the same answer again
    import_tracks(dir, 50, 20, "second");  // another handle changes the vectors
    const auto after = reader->search_vector(late, p);
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].track.path, "/t/60.wav");
    EXPECT_NEAR(after[0].score, 1.0f, 1e-5);
    // Another process's change too.
    const fs::path more = test::scratch_dir() / "cache-third.jsonl";
    test::write_file(more, nlohmann::json{{"path", "/t/late.wav"}, {"model", "m"}, {"embedding", test::random_unit_vector(999, 32)}}.dump() + "\n");
    ASSERT_EQ(test::run_cli("import --library " + test::quoted(dir) + " " + test::quoted(more)).code, 0);
    EXPECT_EQ(reader->search_vector(test::random_unit_vector(999, 32), p)[0].track.path, "/t/late.wav");
}

TEST(search_index_cache, a_stale_ok_search_answers_from_the_old_index_until_the_new_one_is_loaded) {
    const fs::path dir = test::scratch_dir() / "stale";
    fs::remove_all(dir);
    import_tracks(dir, 0, 50, "stale-first");
    const auto reader = library::open(dir, library::open_mode::read_only);
    search_params p;
    p.k = 1;
    p.stale_index_ok = true;
    const std::vector<float> late = test::random_unit_vector(1 + 60, 32);  // track 60, imported below
    ASSERT_NE(reader->search_vector(late, p)[0].track.path, "/t/60.wav");  // loads the first index
    import_tracks(dir, 50, 20, "stale-second");
    // The next searches answer at once, from the old index, until the background load ends: the first
    // is always from the old one (it starts that load).
    EXPECT_NE(reader->search_vector(late, p)[0].track.path, "/t/60.wav");
    bool found = false;
    for (int i = 0; i < 500 && !found; i++) {
        const auto r = reader->search_vector(late, p);
        ASSERT_EQ(r.size(), 1u);
        found = r[0].track.path == "/t/60.wav";
        if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(found) << "the new index never arrived";
    // A search without stale_index_ok is never stale.
    import_tracks(dir, 70, 1, "stale-third");
    p.stale_index_ok = false;
    EXPECT_EQ(reader->search_vector(test::random_unit_vector(71, 32), p)[0].track.path, "/t/70.wav");
}

TEST(search_index_cache, query_vectors_are_kept_and_equal_the_text_tower) {
    engine_params ep = engine_default_params();
    ep.model_dir = test::golden_dir() / "model";
    const auto eng = engine::open(ep);
    text_query_vectors texts(*eng, 2, false);
    const std::vector<float> rain = eng->embed_texts({"rain on a roof"});
    EXPECT_EQ(texts.vector("rain on a roof"), rain);
    EXPECT_EQ(texts.vector("rain on a roof"), rain);  // from memory
    // Many threads at once, each text embedded once and all equal to the tower's own answer.
    const std::vector<std::string> words = {"a kick", "a snare", "a pad", "rain on a roof"};
    std::vector<std::vector<float>> want;
    for (const auto& w : words) want.push_back(eng->embed_texts({w}));
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 8; t++)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; i++) {
                const size_t w = static_cast<size_t>(t + i) % words.size();
                if (texts.vector(words[w]) != want[w]) wrong++;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
}
