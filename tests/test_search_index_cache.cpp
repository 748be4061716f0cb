// A library handle keeps the vector index it loaded while the catalog is unchanged (a server's searches
// skip loading it), and searches through a new one as soon as another handle, or process, changes the
// vectors: an index run or an import elsewhere is seen by the next search.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_run.h"
#include "library_fixtures.h"
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
