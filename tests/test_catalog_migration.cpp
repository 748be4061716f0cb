// Catalog schema versions: a catalog written by the schema-1 build (tests/data/catalog-v1) is upgraded
// by a writable open with every row kept, read as it is by a read-only one, and refused when it claims a
// newer version or holds another schema than the one of its version; an upgrade that fails or is
// killed leaves the version-1 file usable.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <tuple>

#include "catalog_compare.h"
#include "library/catalog.h"
#include "library/catalog_schema.h"
#include "test_data.h"
#include "sonavec/error.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

fs::path fixture() { return test::data_dir() / "catalog-v1" / "catalog.sqlite"; }

std::string file_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A raw SQLite connection, independent of sonavec's reading code. Immutable: it writes nothing, not
// even beside the file.
class raw_db {
public:
    explicit raw_db(const fs::path& file, bool immutable = true) {
        const std::string uri = "file:" + file.string() + (immutable ? "?immutable=1" : "");
        const int flags = SQLITE_OPEN_URI | (immutable ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
        if (sqlite3_open_v2(uri.c_str(), &db_, flags, nullptr) != SQLITE_OK) ADD_FAILURE() << sqlite3_errmsg(db_);
    }
    ~raw_db() { sqlite3_close(db_); }
    raw_db(const raw_db&) = delete;
    raw_db& operator=(const raw_db&) = delete;

    // Every row of a query, each column as text (blobs as their bytes, NULL as "<null>").
    std::vector<std::vector<std::string>> rows(const std::string& sql) const {
        sqlite3_stmt* s = nullptr;
        std::vector<std::vector<std::string>> out;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sqlite3_errmsg(db_) << " in " << sql;
            return out;
        }
        while (sqlite3_step(s) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                if (sqlite3_column_type(s, c) == SQLITE_NULL) {
                    row.emplace_back("<null>");
                    continue;
                }
                const auto* p = static_cast<const char*>(sqlite3_column_blob(s, c));
                row.emplace_back(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s, c)));
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(s);
        return out;
    }
    std::string value(const std::string& sql) const {
        const auto r = rows(sql);
        return r.empty() || r[0].empty() ? "<none>" : r[0][0];
    }
    void exec(const std::string& sql) const {
        char* message = nullptr;
        EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
            << (message ? message : "") << " in " << sql;
        sqlite3_free(message);
    }

private:
    sqlite3* db_ = nullptr;
};

std::vector<float> floats_of(const std::string& bytes) {
    std::vector<float> v(bytes.size() / sizeof(float));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
    return v;
}

// The rows as the raw database holds them, decoded here without sonavec's row decoder.
std::vector<catalog_entry> raw_entries(const raw_db& db) {
    std::vector<catalog_entry> out;
    for (const auto& r : db.rows(
             "SELECT f.id, f.path, f.size_bytes, f.mtime_ns, f.content_hash, f.duration_seconds, f.format, "
             "f.sample_rate, f.channels, f.tags, f.status, f.error, f.model_id, f.window_plan, v.vector "
             "FROM files f LEFT JOIN vectors v ON v.file_id = f.id ORDER BY f.id")) {
        catalog_entry e;
        e.id = std::stoll(r[0]);
        e.path = r[1];
        e.size_bytes = std::stoull(r[2]);
        e.mtime_ns = std::stoll(r[3]);
        e.content_hash = r[4];
        e.duration_seconds = std::stod(r[5]);
        e.format = r[6];
        e.sample_rate = std::stoi(r[7]);
        e.channels = std::stoi(r[8]);
        const nlohmann::json tags = nlohmann::json::parse(r[9]);
        for (auto t = tags.begin(); t != tags.end(); ++t) e.tags[t.key()] = t.value().get<std::string>();
        e.status = r[10] == "ok" ? entry_status::ok : entry_status::failed;
        e.error = r[11];
        e.model_id = r[12];
        e.window_plan = r[13];
        if (r[14] != "<null>") e.vector = floats_of(r[14]);
        for (const auto& w : db.rows("SELECT start_seconds, length_seconds, vector FROM windows WHERE file_id = " +
                                     r[0] + " ORDER BY ordinal"))
            e.windows.push_back({std::stod(w[0]), std::stod(w[1]), floats_of(w[2])});
        out.push_back(std::move(e));
    }
    return out;
}

using schema_rows = std::set<std::tuple<std::string, std::string, std::string, std::string>>;

schema_rows raw_schema(const raw_db& db) {
    schema_rows out;
    for (const auto& r : db.rows("SELECT type, name, tbl_name, sql FROM sqlite_schema")) out.emplace(r[0], r[1], r[2], r[3]);
    return out;
}

void expect_same_rows(const std::vector<catalog_entry>& actual, const std::vector<catalog_entry>& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); i++) {
        EXPECT_EQ(actual[i].id, expected[i].id);
        test::expect_same_entry(actual[i], expected[i]);
    }
}

struct thrown {
    std::string message;
    error_kind kind = error_kind::io;
};

template <class F>
thrown error_of(F f) {
    try {
        f();
    } catch (const error& e) {
        return {e.what(), e.kind()};
    }
    ADD_FAILURE() << "no sonavec::error thrown";
    return {};
}

class catalog_migration_test : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sonavec_migration_test_" + std::to_string(getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        restore_fixture();
        raw_db source(fixture());
        reference_ = raw_entries(source);
        // The fixture holds what its README says; without it the comparisons below would prove little.
        ASSERT_EQ(source.value("SELECT value FROM meta WHERE key = 'schema_version'"), "1");
        ASSERT_EQ(reference_.size(), 7u);
        ASSERT_EQ(source.value("SELECT count(*) FROM files WHERE status = 'failed'"), "1");
        ASSERT_EQ(source.value("SELECT count(*) FROM windows"), "8");
        ASSERT_EQ(source.value("SELECT count(DISTINCT model_id) FROM files"), "3");
        ASSERT_EQ(source.value("SELECT count(*) FROM files WHERE tags != '{}'"), "2");
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path file() const { return dir_ / "catalog.sqlite"; }
    // The file back as the fixture holds it, with no log of the last connection left beside it.
    void restore_fixture() const {
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file().string() + suffix);
        fs::copy_file(fixture(), file());
    }
    std::string version_on_disk() const {
        raw_db db(file(), false);
        return db.value("SELECT value FROM meta WHERE key = 'schema_version'");
    }
    bool has_model_index() const {
        raw_db db(file(), false);
        return db.value("SELECT count(*) FROM sqlite_schema WHERE name = 'files_by_model'") == "1";
    }

    fs::path dir_;
    std::vector<catalog_entry> reference_;
};

}  // namespace

TEST_F(catalog_migration_test, this_build_writes_the_current_version) {
    EXPECT_EQ(catalog_schema::current_version(), 7);
    const auto steps = catalog_schema::steps();
    ASSERT_EQ(static_cast<int>(steps.size()), catalog_schema::current_version() - 1);
    for (size_t i = 0; i < steps.size(); i++) EXPECT_EQ(steps[i].to_version, static_cast<int>(i) + 2);
    const fs::path fresh = dir_ / "fresh";
    catalog cat(fresh);
    EXPECT_EQ(cat.schema_version(), catalog_schema::current_version());
}

TEST_F(catalog_migration_test, a_writable_open_upgrades_version_1_and_keeps_every_row) {
    std::string fingerprint_v1;
    catalog_stats stats_v1;
    {
        catalog v1(dir_, catalog_open::read_only);
        fingerprint_v1 = v1.fingerprint();
        stats_v1 = v1.stats();
    }
    {
        catalog cat(dir_, catalog_open::existing);
        EXPECT_EQ(cat.schema_version(), catalog_schema::current_version());
        expect_same_rows(cat.entries(true), reference_);
        // Nothing the vector index depends on changed: it is not rebuilt for an upgrade.
        EXPECT_EQ(cat.fingerprint(), fingerprint_v1);
        const catalog_stats st = cat.stats();
        EXPECT_EQ(st.files, stats_v1.files);
        EXPECT_EQ(st.failed, stats_v1.failed);
        EXPECT_EQ(st.windows, stats_v1.windows);
        EXPECT_EQ(st.by_model, stats_v1.by_model);
        EXPECT_EQ(st.failures, stats_v1.failures);
        const catalog_vectors desktop = cat.vectors(std::string("desktop-app"));
        ASSERT_EQ(desktop.ids.size(), 1u);
        const auto imported = std::find_if(reference_.begin(), reference_.end(),
                                           [](const catalog_entry& e) { return e.model_id == "desktop-app"; });
        EXPECT_EQ(desktop.ids[0], imported->id);
        EXPECT_EQ(desktop.data, imported->vector);
    }
    EXPECT_EQ(version_on_disk(), std::to_string(catalog_schema::current_version()));
    EXPECT_TRUE(has_model_index());
    {
        // The upgraded file holds exactly the schema of a catalog created by this build.
        catalog fresh(dir_ / "fresh");
        raw_db upgraded(file(), false), created(dir_ / "fresh" / "catalog.sqlite", false);
        EXPECT_EQ(raw_schema(upgraded), raw_schema(created));
    }
    // Opening again upgrades nothing more, and the upgraded catalog takes writes.
    catalog cat(dir_);
    EXPECT_EQ(cat.schema_version(), catalog_schema::current_version());
    catalog_entry extra = reference_.back();
    extra.path = "/added/after-upgrade.wav";
    const int64_t id = cat.put(extra);
    EXPECT_GT(id, reference_.back().id);
    test::expect_same_entry(*cat.find(id, true), extra);
    EXPECT_NE(cat.fingerprint(), fingerprint_v1);
}

TEST_F(catalog_migration_test, a_read_only_open_reads_version_1_as_it_is_and_writes_nothing) {
    const std::string before = file_bytes(file());
    {
        catalog cat(dir_, catalog_open::read_only);
        EXPECT_EQ(cat.schema_version(), 1);
        expect_same_rows(cat.entries(true), reference_);
        for (const catalog_entry& e : reference_) {
            expect_same_rows({*cat.find(e.path, true)}, {e});
            EXPECT_EQ(cat.file_state(e.path)->has_windows, !e.windows.empty());
        }
        EXPECT_EQ(cat.vectors(std::string("other-model")).ids.size(), 1u);
        EXPECT_EQ(cat.stats().files, 7);
        const catalog_entry& embedded = reference_[1];
        ASSERT_FALSE(embedded.content_hash.empty());
        EXPECT_EQ(cat.find_by_content(embedded.content_hash, embedded.model_id, embedded.window_plan, true)->id,
                  embedded.id);
        EXPECT_THROW(cat.put(reference_[1]), error);
    }
    EXPECT_EQ(file_bytes(file()), before);
    EXPECT_FALSE(has_model_index());
}

TEST_F(catalog_migration_test, a_catalog_of_a_newer_version_is_refused_naming_both) {
    {
        raw_db db(file(), false);
        db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    }
    const std::string before = file_bytes(file());
    for (const catalog_open how : {catalog_open::existing, catalog_open::create_if_missing, catalog_open::read_only}) {
        const thrown t = error_of([&] { catalog cat(dir_, how); });
        EXPECT_EQ(t.kind, error_kind::unsupported) << t.message;
        EXPECT_NE(t.message.find(file().string() + ": made by a newer sonavec (catalog schema 99; this one reads 1 to " +
                                  std::to_string(catalog_schema::current_version()) + ")"),
                  std::string::npos)
            << t.message;
    }
    EXPECT_EQ(file_bytes(file()), before);
    EXPECT_EQ(version_on_disk(), "99");
}

TEST_F(catalog_migration_test, a_version_1_catalog_with_another_schema_is_refused_and_not_upgraded) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        // Version 2's index in a file that claims version 1: neither version's schema.
        {"CREATE INDEX files_by_model ON files (model_id, status)", "its tables differ from sonavec's schema 1"},
        {"CREATE TRIGGER sneaky AFTER INSERT ON files BEGIN DELETE FROM vectors; END", "its tables differ from sonavec's schema 1"},
        {"ALTER TABLE files ADD COLUMN rating INTEGER", "its tables differ from sonavec's schema 1"},
        {"DROP INDEX files_by_content", "its tables differ from sonavec's schema 1"},
        {"UPDATE meta SET value = '0' WHERE key = 'schema_version'", "unknown schema version '0'"},
        {"UPDATE meta SET value = '01' WHERE key = 'schema_version'", "unknown schema version '01'"},
        {"UPDATE meta SET value = 'two' WHERE key = 'schema_version'", "unknown schema version 'two'"},
        {"UPDATE meta SET value = '-1' WHERE key = 'schema_version'", "unknown schema version '-1'"},
        {"DELETE FROM meta WHERE key = 'schema_version'", "no schema version"},
        {"DELETE FROM meta WHERE key = 'generation'", "meta table incomplete"},
        {"PRAGMA application_id = 7", "another program's SQLite database"},
    };
    for (const auto& [sql, why] : cases) {
        {
            restore_fixture();
            raw_db db(file(), false);
            db.exec(sql);
        }
        for (const catalog_open how : {catalog_open::existing, catalog_open::read_only}) {
            const thrown t = error_of([&] { catalog cat(dir_, how); });
            EXPECT_EQ(t.kind, error_kind::corrupt_file) << sql << ": " << t.message;
            EXPECT_NE(t.message.find(file().string() + ": not a sonavec catalog (" + why), std::string::npos)
                << sql << ": " << t.message;
        }
        if (sql.find("files_by_model") == std::string::npos) {
            EXPECT_FALSE(has_model_index()) << sql;
        }
    }
    // And a current file without its step's index is no version 2.
    restore_fixture();
    { catalog upgrade(dir_); }
    {
        raw_db db(file(), false);
        db.exec("DROP INDEX files_by_model");
    }
    EXPECT_NE(error_of([&] { catalog cat(dir_); }).message.find(std::string("differ from sonavec's schema ")
                                                                  .append(std::to_string(catalog_schema::current_version()))), std::string::npos);
}

TEST_F(catalog_migration_test, a_failing_step_leaves_the_catalog_at_the_last_version_completed) {
    const std::string real_step(catalog_schema::steps()[0].sql);
    // The first statement succeeds and the second fails: the transaction must undo the first.
    const std::string clash = real_step + " INSERT INTO meta (key, value) VALUES ('catalog_id', 'clash');";
    const catalog_schema::step failing_2[] = {{2, clash}};
    {
        sqlite_db db(file(), sqlite_open::read_write, 1 << 20);
        const thrown t = error_of([&] { catalog_schema::open(db, true, failing_2); });
        EXPECT_NE(t.message.find("UNIQUE constraint failed"), std::string::npos) << t.message;
        EXPECT_NE(t.message.find("(upgrading the catalog from schema 1 to 2; it is left at schema 1)"),
                  std::string::npos)
            << t.message;
    }
    EXPECT_EQ(version_on_disk(), "1");
    EXPECT_FALSE(has_model_index());
    {
        catalog v1(dir_, catalog_open::read_only);
        EXPECT_EQ(v1.schema_version(), 1);
        expect_same_rows(v1.entries(true), reference_);
    }

    // Steps are separate transactions: a failure in the second keeps the first.
    const catalog_schema::step failing_3[] = {{2, real_step}, {3, "CREATE TABLE later (x INTEGER); SELECT * FROM nowhere;"}};
    {
        sqlite_db db(file(), sqlite_open::read_write, 1 << 20);
        const thrown t = error_of([&] { catalog_schema::open(db, true, failing_3); });
        EXPECT_NE(t.message.find("it is left at schema 2"), std::string::npos) << t.message;
    }
    EXPECT_EQ(version_on_disk(), "2");
    catalog cat(dir_);
    EXPECT_EQ(cat.schema_version(), catalog_schema::current_version());
    expect_same_rows(cat.entries(true), reference_);
}

namespace {

// Kills and reaps a child process when the test leaves, however it leaves.
struct child_process {
    pid_t pid = -1;
    ~child_process() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

}  // namespace

TEST_F(catalog_migration_test, an_upgrade_killed_midway_leaves_version_1_usable) {
    // A step that writes 8 MB (more than SQLite's page cache holds, so it reaches the write-ahead log)
    // and then counts for minutes: the process is killed inside it.
    const std::string sql =
        std::string(catalog_schema::steps()[0].sql) +
        " CREATE TABLE filler AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 8000) "
        "SELECT i, randomblob(1000) AS junk FROM n;"
        " SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "LIMIT 10000000000) SELECT i FROM n);";
    const catalog_schema::step endless[] = {{2, sql}};
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    child_process child;
    child.pid = fork();
    ASSERT_GE(child.pid, 0);
    if (child.pid == 0) {
        close(ready[0]);
        try {
            sqlite_db db(file(), sqlite_open::read_write, 1 << 20);
            if (write(ready[1], "x", 1) != 1) _exit(3);
            catalog_schema::open(db, true, endless);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s\n", e.what());
            _exit(2);
        }
        _exit(1);
    }
    close(ready[1]);
    char c = 0;
    ASSERT_EQ(read(ready[0], &c, 1), 1);
    close(ready[0]);
    const fs::path wal = file().string() + "-wal";
    const auto wal_bytes = [&] {
        std::error_code ec;
        const auto n = fs::file_size(wal, ec);
        return ec ? 0 : n;
    };
    for (int i = 0; i < 1000 && wal_bytes() < (4u << 20); i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_GE(wal_bytes(), 4u << 20) << "the step wrote nothing to undo";
    kill(child.pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);
    child.pid = -1;
    ASSERT_TRUE(WIFSIGNALED(status)) << "the step ended by itself (" << status << ")";

    EXPECT_EQ(version_on_disk(), "1");
    {
        catalog v1(dir_, catalog_open::read_only);
        EXPECT_EQ(v1.schema_version(), 1);
        expect_same_rows(v1.entries(true), reference_);
    }
    catalog cat(dir_);
    EXPECT_EQ(cat.schema_version(), catalog_schema::current_version());
    expect_same_rows(cat.entries(true), reference_);
}
