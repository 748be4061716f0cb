// The library catalog: round trips of every field, replacement by path, per-window vectors, the
// fingerprint, and files that are not sonavec catalogs or were damaged (refused, naming the file).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>
#include <cmath>
#include <fstream>

#include "catalog_compare.h"
#include "library/catalog.h"
#include "sonavec/error.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

class catalog_test : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sonavec_catalog_test_" + std::to_string(getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path file() const { return dir_ / "catalog.sqlite"; }

    // Runs SQL on the catalog file behind sonavec's back, as a damaged disk or another program would.
    void tamper(const std::string& sql) const {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(file().c_str(), &db), SQLITE_OK);
        char* message = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
        EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "") << " in " << sql;
        sqlite3_free(message);
        sqlite3_close(db);
    }

    fs::path dir_;
};

std::vector<float> unit_vector(int64_t dim, float seed) {
    std::vector<float> v(static_cast<size_t>(dim));
    double norm = 0;
    for (size_t i = 0; i < v.size(); i++) {
        v[i] = std::sin(seed * 12.9898f + static_cast<float>(i) * 0.731f);
        norm += double(v[i]) * v[i];
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
}

catalog_entry sample_entry(const std::string& path, float seed, size_t windows = 0) {
    catalog_entry e;
    e.path = path;
    e.size_bytes = 123456789012ULL;
    e.mtime_ns = 1700000000123456789LL;
    e.content_hash = std::string(64, 'a');
    e.duration_seconds = 187.25;
    e.format = "flac";
    e.sample_rate = 44100;
    e.channels = 2;
    e.tags = {{"artist", "Ünïcode \"quoted\" artist"}, {"title", "Song\nwith newline"}, {"year", "1999"}};
    e.model_id = "laion--clap-htsat-unfused";
    e.window_plan = "seed";
    e.vector = unit_vector(512, seed);
    for (size_t i = 0; i < windows; i++)
        e.windows.push_back(
            {10.0 * static_cast<double>(i), 7.0, unit_vector(512, seed + 0.1f * static_cast<float>(i + 1))});
    return e;
}

catalog_entry failed_entry(const std::string& path) {
    catalog_entry e;
    e.path = path;
    e.size_bytes = 10;
    e.mtime_ns = 5;
    e.status = entry_status::failed;
    e.error = "not a recognised audio file";
    e.model_id = "m";
    e.window_plan = "seed";
    return e;
}

// The message of the sonavec::error that f throws (fails the test when it throws none).
template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no sonavec::error thrown";
    return "";
}

}  // namespace

TEST_F(catalog_test, every_field_round_trips_through_a_reopened_catalog) {
    const catalog_entry a = sample_entry("/music/a.flac", 1, 3);
    const catalog_entry b = failed_entry("/music/b.mp3");
    int64_t id_a = 0;
    {
        catalog cat(dir_);
        EXPECT_TRUE(fs::exists(file()));
        id_a = cat.put(a);
        cat.put(b);
    }
    catalog cat(dir_, catalog_open::existing);
    auto found = cat.find("/music/a.flac", true);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, id_a);
    test::expect_same_entry(*found, a);
    auto by_id = cat.find(id_a, true);
    ASSERT_TRUE(by_id);
    test::expect_same_entry(*by_id, a);

    auto light = cat.find("/music/a.flac");
    ASSERT_TRUE(light);
    EXPECT_TRUE(light->vector.empty());
    EXPECT_TRUE(light->windows.empty());
    EXPECT_EQ(light->tags, a.tags);

    auto failed = cat.find("/music/b.mp3", true);
    ASSERT_TRUE(failed);
    test::expect_same_entry(*failed, b);
    EXPECT_FALSE(cat.find("/music/c.mp3"));
    EXPECT_FALSE(cat.find(int64_t{999}));

    const auto all = cat.entries(true);
    ASSERT_EQ(all.size(), 2u);
    test::expect_same_entry(all[0], a);  // ordered by id
    test::expect_same_entry(all[1], b);
}

TEST_F(catalog_test, put_replaces_the_row_for_a_path_and_keeps_its_id) {
    catalog cat(dir_);
    const int64_t id = cat.put(sample_entry("/m/x.wav", 1, 4));
    cat.put(sample_entry("/m/y.wav", 2));
    catalog_entry newer = sample_entry("/m/x.wav", 3, 1);
    newer.size_bytes = 42;
    newer.tags = {{"title", "new"}};
    EXPECT_EQ(cat.put(newer), id);
    const auto all = cat.entries(true);
    ASSERT_EQ(all.size(), 2u);
    test::expect_same_entry(*cat.find(id, true), newer);
    EXPECT_EQ(cat.stats().windows, 1);  // the four old windows are gone

    // ok -> failed drops the vectors; failed -> ok brings new ones.
    EXPECT_EQ(cat.put(failed_entry("/m/x.wav")), id);
    EXPECT_EQ(cat.stats().windows, 0);
    EXPECT_TRUE(cat.find(id, true)->vector.empty());
    EXPECT_EQ(cat.put(sample_entry("/m/x.wav", 4, 2)), id);
    test::expect_same_entry(*cat.find(id, true), sample_entry("/m/x.wav", 4, 2));
}

TEST_F(catalog_test, put_many_remove_and_paths_under_a_folder) {
    catalog cat(dir_);
    cat.put_many({sample_entry("/a/b/1.wav", 1), sample_entry("/a/b/sub/2.wav", 2), sample_entry("/a/bc/3.wav", 3),
                  sample_entry("/a/b.wav", 4), failed_entry("/a/b/4.wav")});
    EXPECT_EQ(cat.paths_under("/a/b"), (std::vector<std::string>{"/a/b/1.wav", "/a/b/4.wav", "/a/b/sub/2.wav"}));
    EXPECT_EQ(cat.paths_under("/a/b/"), cat.paths_under("/a/b"));
    EXPECT_EQ(cat.paths_under("/").size(), 5u);
    EXPECT_TRUE(cat.paths_under("/z").empty());

    const auto states = cat.file_states_under("/a/b");
    ASSERT_EQ(states.size(), 3u);
    EXPECT_EQ(states[1].status, entry_status::failed);
    EXPECT_EQ(states[1].error, "not a recognised audio file");
    EXPECT_EQ(states[0].size_bytes, 123456789012ULL);
    EXPECT_EQ(states[0].mtime_ns, 1700000000123456789LL);

    cat.remove(states[0].id);
    cat.remove_many({states[1].id, states[2].id});
    EXPECT_TRUE(cat.paths_under("/a/b").empty());
    EXPECT_EQ(cat.entries().size(), 2u);
    cat.vacuum();
    EXPECT_EQ(cat.entries(true).size(), 2u);
}

TEST_F(catalog_test, ids_are_never_reused) {
    catalog cat(dir_);
    const int64_t first = cat.put(sample_entry("/x.wav", 1));
    cat.remove(first);
    EXPECT_GT(cat.put(sample_entry("/y.wav", 1)), first);
}

TEST_F(catalog_test, fingerprint_changes_with_every_write_and_only_then) {
    catalog cat(dir_);
    const std::string empty = cat.fingerprint();
    EXPECT_EQ(cat.fingerprint(), empty);
    const int64_t id = cat.put(sample_entry("/x.wav", 1));
    const std::string one = cat.fingerprint();
    EXPECT_NE(one, empty);
    cat.find("/x.wav", true);
    cat.entries(true);
    cat.stats();
    EXPECT_EQ(cat.fingerprint(), one);
    cat.put(sample_entry("/x.wav", 2));
    const std::string replaced = cat.fingerprint();
    EXPECT_NE(replaced, one);
    cat.put_many({sample_entry("/y.wav", 3)});
    const std::string more = cat.fingerprint();
    EXPECT_NE(more, replaced);
    cat.remove(id);
    EXPECT_NE(cat.fingerprint(), more);

    // Another library at the same number of writes has another fingerprint.
    catalog other(dir_ / "other");
    EXPECT_NE(other.fingerprint(), empty);
    EXPECT_EQ(catalog(dir_).fingerprint(), cat.fingerprint());  // and it survives reopening
}

TEST_F(catalog_test, stats_vectors_and_content_lookup) {
    catalog cat(dir_);
    catalog_entry a = sample_entry("/m/a.flac", 1, 3);
    catalog_entry b = sample_entry("/m/b.mp3", 2);
    b.format = "mp3";
    b.content_hash = std::string(64, 'b');
    catalog_entry c = sample_entry("/m/c.wav", 3);
    c.model_id = "other";
    c.format = "wav";
    c.vector = unit_vector(16, 3);
    cat.put_many({a, b, c, failed_entry("/m/z.ogg"), failed_entry("/m/y.ogg")});

    const catalog_stats st = cat.stats(1);
    EXPECT_EQ(st.files, 5);
    EXPECT_EQ(st.ok, 3);
    EXPECT_EQ(st.failed, 2);
    EXPECT_EQ(st.windows, 3);
    EXPECT_EQ(st.by_model, (std::map<std::string, int64_t>{{"laion--clap-htsat-unfused", 2}, {"other", 1}}));
    EXPECT_EQ(st.by_format, (std::map<std::string, int64_t>{{"flac", 1}, {"mp3", 1}, {"wav", 1}}));
    ASSERT_EQ(st.failures.size(), 1u);
    EXPECT_EQ(st.failures[0].first, "/m/y.ogg");  // first by path
    EXPECT_EQ(st.failures[0].second, "not a recognised audio file");

    const catalog_vectors v = cat.vectors("laion--clap-htsat-unfused");
    EXPECT_EQ(v.dim, 512);
    ASSERT_EQ(v.ids.size(), 2u);
    ASSERT_EQ(v.data.size(), 1024u);
    EXPECT_TRUE(std::equal(a.vector.begin(), a.vector.end(), v.data.begin()));
    EXPECT_TRUE(std::equal(b.vector.begin(), b.vector.end(), v.data.begin() + 512));
    EXPECT_EQ(cat.vectors("other").dim, 16);
    EXPECT_NE(error_of([&] { cat.vectors(); }).find("several models"), std::string::npos);
    // "" names the rows without a model id, not every row: models' spaces never mix.
    EXPECT_TRUE(cat.vectors("").ids.empty());

    auto same = cat.find_by_content(a.content_hash, a.model_id, "seed", true);
    ASSERT_TRUE(same);
    test::expect_same_entry(*same, a);
    EXPECT_TRUE(cat.find_by_content(b.content_hash, b.model_id, "seed", false));
    EXPECT_FALSE(cat.find_by_content(b.content_hash, b.model_id, "seed", true));  // b has no windows
    EXPECT_FALSE(cat.find_by_content(b.content_hash, b.model_id, "full", false));
    EXPECT_FALSE(cat.find_by_content(b.content_hash, "other", "seed", false));
    EXPECT_FALSE(cat.find_by_content("", b.model_id, "seed", false));
}

TEST_F(catalog_test, puts_that_would_store_an_inconsistent_row_are_refused) {
    catalog cat(dir_);
    catalog_entry no_vector = sample_entry("/x.wav", 1);
    no_vector.vector.clear();
    EXPECT_THROW(cat.put(no_vector), error);
    catalog_entry failed_with_vector = failed_entry("/x.wav");
    failed_with_vector.vector = unit_vector(4, 1);
    EXPECT_THROW(cat.put(failed_with_vector), error);
    catalog_entry nan = sample_entry("/x.wav", 1);
    nan.vector[7] = std::nanf("");
    EXPECT_THROW(cat.put(nan), error);
    catalog_entry window_size = sample_entry("/x.wav", 1, 2);
    window_size.windows[1].vector.pop_back();
    EXPECT_THROW(cat.put(window_size), error);
    // A refused entry in a batch leaves none of the batch behind.
    EXPECT_THROW(cat.put_many({sample_entry("/y.wav", 1), nan}), error);
    EXPECT_TRUE(cat.entries().empty());
}

TEST_F(catalog_test, a_missing_library_is_not_created_when_it_must_exist) {
    const std::string message = error_of([&] { catalog cat(dir_, catalog_open::existing); });
    EXPECT_NE(message.find("no library at " + dir_.string()), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(catalog_test, a_read_only_catalog_reads_and_writes_nothing) {
    EXPECT_NE(error_of([&] { catalog cat(dir_, catalog_open::read_only); }).find("no library at"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_));
    {
        catalog cat(dir_);
        cat.put(sample_entry("/a.wav", 1));
    }
    const std::string bytes = [&] {
        std::ifstream in(file(), std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }();
    {
        catalog cat(dir_, catalog_open::read_only);
        ASSERT_EQ(cat.entries(true).size(), 1u);
        EXPECT_EQ(cat.find("/a.wav", true)->vector, sample_entry("/a.wav", 1).vector);
        EXPECT_NE(error_of([&] { cat.put(sample_entry("/b.wav", 2)); }).find("readonly"), std::string::npos);
    }
    std::ifstream in(file(), std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), bytes);

    // An empty file is no catalog to a reader: refused, not given a schema.
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream{file()};
    EXPECT_NE(error_of([&] { catalog cat(dir_, catalog_open::read_only); }).find("not a sonavec catalog"),
              std::string::npos);
    EXPECT_EQ(fs::file_size(file()), 0u);
}

TEST_F(catalog_test, a_file_that_is_not_a_database_is_refused_naming_it) {
    fs::create_directories(dir_);
    std::ofstream(file()) << std::string(8192, 'x');
    const std::string message = error_of([&] { catalog cat(dir_); });
    EXPECT_NE(message.find(file().string()), std::string::npos) << message;
    EXPECT_NE(message.find("not an SQLite database"), std::string::npos) << message;
}

TEST_F(catalog_test, another_programs_database_is_refused_untouched) {
    fs::create_directories(dir_);
    tamper("CREATE TABLE songs (name TEXT); INSERT INTO songs VALUES ('x')");
    const auto before = fs::file_size(file());
    const std::string message = error_of([&] { catalog cat(dir_); });
    EXPECT_NE(message.find(file().string() + ": not a sonavec catalog"), std::string::npos) << message;
    EXPECT_EQ(fs::file_size(file()), before);
    EXPECT_FALSE(fs::exists(dir_ / "catalog.sqlite-wal"));  // not switched to WAL either
}

TEST_F(catalog_test, a_catalog_whose_schema_was_changed_is_refused) {
    { catalog cat(dir_); }
    tamper("CREATE TRIGGER sneaky AFTER INSERT ON files BEGIN DELETE FROM vectors; END");
    EXPECT_NE(error_of([&] { catalog cat(dir_); }).find("tables differ"), std::string::npos);
}

TEST_F(catalog_test, a_catalog_from_a_newer_sonavec_is_refused_with_its_version) {
    { catalog cat(dir_); }
    tamper("UPDATE meta SET value = '8' WHERE key = 'schema_version'");
    const std::string message = error_of([&] { catalog cat(dir_); });
    EXPECT_NE(message.find("newer sonavec (catalog schema 8"), std::string::npos) << message;
}

TEST_F(catalog_test, a_vector_blob_of_the_wrong_size_is_refused) {
    {
        catalog cat(dir_);
        cat.put(sample_entry("/m/a.wav", 1, 2));
        cat.put(sample_entry("/m/b.wav", 2));
    }
    tamper("UPDATE vectors SET vector = zeroblob(2046) WHERE file_id = 2");
    catalog cat(dir_);
    EXPECT_TRUE(cat.find("/m/b.wav"));  // metadata alone is still readable
    const std::string message = error_of([&] { cat.find("/m/b.wav", true); });
    EXPECT_NE(message.find(file().string() + ": damaged row for '/m/b.wav': vector of 2046 bytes"), std::string::npos)
        << message;
    EXPECT_THROW(cat.entries(true), error);
    EXPECT_THROW(cat.vectors(), error);

    tamper("UPDATE vectors SET vector = zeroblob(2048), dim = 1000000000 WHERE file_id = 2");
    const std::string huge = error_of([&] { cat.find("/m/b.wav", true); });
    EXPECT_NE(huge.find("vector size 1000000000 out of range"), std::string::npos) << huge;
    tamper("UPDATE vectors SET dim = 512 WHERE file_id = 2; UPDATE windows SET vector = x'00' WHERE file_id = 1");
    const std::string window = error_of([&] { cat.find("/m/a.wav", true); });
    EXPECT_NE(window.find("vector of 1 bytes"), std::string::npos) << window;
}

TEST_F(catalog_test, damaged_values_in_a_row_are_refused) {
    {
        catalog cat(dir_);
        cat.put(sample_entry("/m/a.wav", 1));
    }
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"UPDATE files SET tags = '[1,2]'", "not a JSON object"},
        {"UPDATE files SET tags = '{\"a\":{\"b\":\"c\"}}'", "not a flat JSON object"},
        {"UPDATE files SET tags = '{\"a\":1}'", "is not a string"},
        {"UPDATE files SET tags = '{\"a\":'", "not valid JSON"},
        {"UPDATE files SET status = 'maybe'", "unknown status"},
        {"UPDATE files SET duration_seconds = -1", "bad duration"},
        {"UPDATE files SET channels = 100000", "out of range"},
        {"UPDATE vectors SET vector = x'" + std::string(4088, '0') + "0000c07f'", "non-finite"},  // a NaN
    };
    const std::string clean =
        "UPDATE files SET tags = '{}', status = 'ok', duration_seconds = 1, channels = 1; "
        "UPDATE vectors SET vector = zeroblob(2048)";
    for (const auto& [sql, why] : cases) {
        tamper(clean + "; " + sql);
        catalog cat(dir_);
        const std::string message = error_of([&] { cat.find("/m/a.wav", true); });
        EXPECT_NE(message.find(file().string()), std::string::npos) << sql << ": " << message;
        EXPECT_NE(message.find(why), std::string::npos) << sql << ": " << message;
    }
}

TEST_F(catalog_test, a_damaged_file_is_refused_naming_it) {
    {
        catalog cat(dir_);
        std::vector<catalog_entry> many;
        for (int i = 0; i < 200; i++) many.push_back(sample_entry("/m/" + std::to_string(i) + ".wav", float(i), 1));
        cat.put_many(many);
        cat.vacuum();  // everything in the main file, none in the write-ahead log
    }
    // Scribble over the pages after the header and schema, where rows and b-tree pages live.
    {
        std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(3 * 4096);
        const std::string junk(20 * 4096, '\xa5');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    const std::string message = error_of([&] {
        catalog cat(dir_);
        cat.entries(true);
        cat.stats();
    });
    EXPECT_NE(message.find(file().string()), std::string::npos) << message;
}

// --- Fingerprints (schema 5) ---

namespace {

audio_fingerprint planted_fingerprint(size_t words, uint32_t seed) {
    audio_fingerprint fp;
    fp.seconds_per_hash = 1365.0 / 11025;
    fp.duration_seconds = static_cast<double>(words) * fp.seconds_per_hash + 2;
    for (size_t i = 0; i < words; i++) fp.hashes.push_back(seed * 2654435761u + static_cast<uint32_t>(i) * 40503u);
    return fp;
}

analysis_target target_of(const catalog& cat, const std::string& path) {
    for (const analysis_target& t : cat.analysis_targets(catalog::derived::fingerprints))
        if (t.path == path) return t;
    ADD_FAILURE() << "no target " << path;
    return {};
}

}  // namespace

TEST_F(catalog_test, fingerprints_round_trip_follow_their_bytes_and_damaged_rows_are_refused) {
    catalog cat(dir_);
    catalog_entry a = sample_entry("/music/a.flac", 1), b = sample_entry("/music/b.flac", 2);
    b.content_hash = std::string(64, 'b');
    cat.put(a);
    cat.put(b);
    EXPECT_FALSE(target_of(cat, "/music/a.flac").current);
    const audio_fingerprint fa = planted_fingerprint(900, 1), empty = planted_fingerprint(0, 2);
    cat.put_fingerprints({{target_of(cat, "/music/a.flac"), fa}, {target_of(cat, "/music/b.flac"), empty}});
    EXPECT_TRUE(target_of(cat, "/music/a.flac").current);
    const int64_t id_a = cat.find("/music/a.flac")->id;
    const auto back = cat.find_fingerprint(id_a);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->hashes, fa.hashes);  // every bit, little-endian on disk
    EXPECT_DOUBLE_EQ(back->seconds_per_hash, fa.seconds_per_hash);
    EXPECT_DOUBLE_EQ(back->duration_seconds, fa.duration_seconds);
    const auto none = cat.find_fingerprint(cat.find("/music/b.flac")->id);  // a clip too short for hashes
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->hashes.empty());
    EXPECT_EQ(cat.stats().fingerprinted, 2);
    size_t seen = 0;
    cat.for_each_fingerprint([&](int64_t, const audio_fingerprint&) { seen++; });
    EXPECT_EQ(seen, 2u);

    // The same bytes under another path (a copied file) get the fingerprint without decoding.
    catalog_entry copy = sample_entry("/music/copy of a.flac", 1);
    cat.put(copy);
    EXPECT_TRUE(target_of(cat, "/music/copy of a.flac").current);
    EXPECT_EQ(cat.find_fingerprint(cat.find("/music/copy of a.flac")->id)->hashes, fa.hashes);
    // Other bytes at a's path: its fingerprint no longer counts, and one computed for the old bytes is not stored.
    const analysis_target stale = target_of(cat, "/music/a.flac");
    a.content_hash = std::string(64, 'c');
    cat.put(a);
    EXPECT_FALSE(target_of(cat, "/music/a.flac").current);
    cat.put_fingerprints({{stale, fa}});
    EXPECT_FALSE(target_of(cat, "/music/a.flac").current);
    EXPECT_EQ(cat.stats().fingerprinted, 2);

    // What no fingerprinter makes is refused before it is stored.
    audio_fingerprint wrong_step = fa;
    wrong_step.seconds_per_hash = 1;
    EXPECT_THROW(cat.put_fingerprints({{target_of(cat, "/music/b.flac"), wrong_step}}), error);
    audio_fingerprint too_long = fa;
    too_long.duration_seconds = 10;  // 900 hashes in 10 s
    EXPECT_THROW(cat.put_fingerprints({{target_of(cat, "/music/b.flac"), too_long}}), error);

    // A blob damaged on disk (a size that is not whole hashes, or more hashes than its duration holds).
    const int64_t id_copy = cat.find("/music/copy of a.flac")->id;
    tamper("UPDATE fingerprints SET hashes = x'0102030405' WHERE file_id = " + std::to_string(id_copy));
    try {
        cat.for_each_fingerprint([](int64_t, const audio_fingerprint&) {});
        ADD_FAILURE() << "a damaged fingerprint was read";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::corrupt_file);
        EXPECT_NE(std::string(e.what()).find("copy of a.flac"), std::string::npos) << e.what();
    }
    tamper("UPDATE fingerprints SET hashes = zeroblob(400000), duration_seconds = 5 WHERE file_id = " + std::to_string(id_copy));
    EXPECT_THROW(cat.find_fingerprint(id_copy), error);
}
