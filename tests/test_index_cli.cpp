// `sonavec index`, `stats` and `prune` as a user runs them: a folder indexed, re-runs that skip unchanged
// files, changed, touched, deleted and bad files, and the interrupt test: runs killed with SIGKILL at
// random moments leave a consistent catalog, and a resumed run ends with the uninterrupted run's catalog.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "catalog_compare.h"
#include "cli_run.h"
#include "library/catalog.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string model_flag() { return "--model " + test::quoted(test::golden_dir() / "model"); }

// `sonavec index --json` into library over dirs; the parsed summary (null when stdout is not JSON).
json index_json(const fs::path& library, const std::string& dirs, test::cli_result* raw = nullptr,
                const std::string& extra = "") {
    test::cli_result r = test::run_cli("index --json --quiet " + model_flag() + " --library " + test::quoted(library) +
                                       " " + extra + " " + dirs);
    if (raw) *raw = r;
    const json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j.is_discarded() ? json() : j;
}

// A 48 kHz mono 16-bit WAV of two sines: each (frequency, seconds) pair gives other bytes and vectors.
void write_wav(const fs::path& path, double frequency, double seconds) {
    const uint32_t rate = 48000, n = static_cast<uint32_t>(seconds * rate);
    std::string data(n * 2, '\0');
    for (uint32_t i = 0; i < n; i++) {
        const double t = double(i) / rate;
        const double v = 0.3 * std::sin(2 * M_PI * frequency * t) +
                         0.15 * std::sin(2 * M_PI * 2.7 * frequency * t) * (0.5 + 0.5 * std::sin(2 * M_PI * 3 * t));
        const auto s = static_cast<int16_t>(std::lround(v * 32767));
        data[2 * i] = static_cast<char>(s & 0xff);
        data[2 * i + 1] = static_cast<char>((s >> 8) & 0xff);
    }
    auto u32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
    auto u16 = [](uint16_t v) { return std::string{char(v), char(v >> 8)}; };
    const std::string header = "RIFF" + u32(36 + n * 2) + "WAVEfmt " + u32(16) + u16(1) + u16(1) + u32(rate) +
                               u32(rate * 2) + u16(2) + u16(16) + "data" + u32(n * 2);
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << header << data;
}

// n files in dir (every seventh from the fourth in a subfolder), seconds long each.
void make_folder(const fs::path& dir, int n, double seconds) {
    for (int i = 0; i < n; i++) {
        const fs::path sub = i % 7 == 3 ? dir / "sub" : dir;
        char name[32];
        std::snprintf(name, sizeof name, "track%02d.wav", i);
        write_wav(sub / name, 150.0 + 37.0 * i, seconds);
    }
}

std::map<std::string, catalog_entry> catalog_by_path(const fs::path& library) {
    std::map<std::string, catalog_entry> out;
    catalog cat(library, catalog_open::existing);
    for (auto& e : cat.entries(true)) {
        EXPECT_TRUE(out.emplace(e.path, e).second) << "duplicate path " << e.path;
    }
    return out;
}

double norm(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += double(x) * x;
    return std::sqrt(s);
}

void set_mtime(const fs::path& p, int seconds_later) {
    fs::last_write_time(p, fs::last_write_time(p) + std::chrono::seconds(seconds_later));
}

}  // namespace

TEST(index_cli, indexes_a_folder_and_a_second_run_opens_no_file) {
    const fs::path music = test::scratch_dir() / "basic", library = test::scratch_dir() / "basic_library";
    make_folder(music, 6, 2.0);
    const json first = index_json(library, test::quoted(music));
    EXPECT_EQ(first.value("found", -1), 6);
    EXPECT_EQ(first.value("embedded", -1), 6);
    EXPECT_EQ(first.value("failed", -1), 0);
    EXPECT_EQ(first.value("vector_index", ""), "exact, 6 x 48 (rebuilt)");  // the golden model's 48-d space
    EXPECT_TRUE(fs::exists(library / "vectors.index"));

    const auto rows = catalog_by_path(library);
    ASSERT_EQ(rows.size(), 6u);
    for (const auto& [path, e] : rows) {
        EXPECT_TRUE(fs::path(path).is_absolute());
        EXPECT_TRUE(fs::exists(path));
        EXPECT_EQ(e.status, entry_status::ok);
        EXPECT_NEAR(norm(e.vector), 1.0, 1e-5);
        EXPECT_EQ(e.format, "wav");
        EXPECT_EQ(e.sample_rate, 48000);
        EXPECT_EQ(e.channels, 1);
        EXPECT_NEAR(e.duration_seconds, 2.0, 1e-3);
        EXPECT_EQ(e.model_id, test::expected_model_id(test::golden_dir() / "model"));
        EXPECT_EQ(e.window_plan, "seed");
        EXPECT_EQ(e.size_bytes, fs::file_size(path));
    }

    // The content hash is the file's SHA-256, as sha256sum computes it.
    const fs::path some = rows.begin()->first;
    ASSERT_EQ(
        std::system(("sha256sum " + test::quoted(some) + " >" + test::quoted(test::scratch_dir() / "sum.txt")).c_str()),
        0);
    EXPECT_EQ(test::read_file(test::scratch_dir() / "sum.txt").substr(0, 64), rows.begin()->second.content_hash);

    // The catalog's vector is the one `sonavec embed` gives for the same file.
    test::cli_result embedded = test::run_cli("embed --format jsonl " + model_flag() + " " + test::quoted(some));
    ASSERT_EQ(embedded.code, 0) << embedded.err;
    EXPECT_EQ(json::parse(embedded.out).at("embedding").get<std::vector<float>>(), rows.begin()->second.vector);

    // Unchanged: nothing embedded or written (the fingerprint, which every write changes, stays).
    const std::string fingerprint = catalog(library).fingerprint();
    test::cli_result raw;
    const json second = index_json(library, test::quoted(music), &raw);
    EXPECT_EQ(raw.code, 0) << raw.err;
    EXPECT_EQ(second.value("embedded", -1), 0);
    EXPECT_EQ(second.value("reused", -1), 0);
    EXPECT_EQ(second.value("unchanged", -1), 6);
    EXPECT_EQ(second.value("vector_index", ""), "exact, 6 x 48 (current)");
    EXPECT_EQ(catalog(library).fingerprint(), fingerprint);

    // A human summary without --json, progress lines on stderr when not a terminal.
    fs::remove(music / "track00.wav");
    write_wav(music / "track00.wav", 999, 2.0);
    test::cli_result text =
        test::run_cli("index " + model_flag() + " --library " + test::quoted(library) + " " + test::quoted(music));
    EXPECT_EQ(text.code, 0) << text.err;
    EXPECT_NE(text.out.find("6 audio files: 1 embedded, 0 reused (same content), 5 unchanged, 0 failed, 0 removed"),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.err.find("[1/1] " + (music / "track00.wav").string()), std::string::npos) << text.err;
}

TEST(index_cli, changed_files_are_embedded_again_and_touched_ones_keep_their_vectors) {
    const fs::path music = test::scratch_dir() / "changes", library = test::scratch_dir() / "changes_library";
    make_folder(music, 4, 2.0);
    index_json(library, test::quoted(music));
    const auto before = catalog_by_path(library);
    const std::string changed = (music / "track00.wav").string(), touched = (music / "track01.wav").string();

    write_wav(changed, 1234, 2.5);  // new content, new size
    set_mtime(touched, 5);          // same bytes, new mtime
    const json j = index_json(library, test::quoted(music));
    EXPECT_EQ(j.value("embedded", -1), 1);
    EXPECT_EQ(j.value("reused", -1), 1);
    EXPECT_EQ(j.value("unchanged", -1), 2);

    const auto after = catalog_by_path(library);
    ASSERT_EQ(after.size(), 4u);
    EXPECT_EQ(after.at(changed).id, before.at(changed).id);  // replaced in place
    EXPECT_NE(after.at(changed).vector, before.at(changed).vector);
    EXPECT_NE(after.at(changed).content_hash, before.at(changed).content_hash);
    EXPECT_NEAR(after.at(changed).duration_seconds, 2.5, 1e-3);
    EXPECT_EQ(after.at(touched).vector, before.at(touched).vector);
    EXPECT_NE(after.at(touched).mtime_ns, before.at(touched).mtime_ns);

    // A copy under another name is recognised by its bytes; --force embeds everything again.
    fs::copy_file(changed, music / "sub" / "copy.wav");
    const json copied = index_json(library, test::quoted(music));
    EXPECT_EQ(copied.value("reused", -1), 1);
    EXPECT_EQ(copied.value("embedded", -1), 0);
    EXPECT_EQ(catalog_by_path(library).at((music / "sub" / "copy.wav").string()).vector, after.at(changed).vector);
    EXPECT_EQ(index_json(library, test::quoted(music), nullptr, "--force").value("embedded", -1), 5);
}

TEST(index_cli, another_window_plan_or_per_window_request_embeds_again) {
    const fs::path music = test::scratch_dir() / "plans", library = test::scratch_dir() / "plans_library";
    make_folder(music, 3, 12.0);
    index_json(library, test::quoted(music));
    EXPECT_EQ(index_json(library, test::quoted(music), nullptr, "--windows seed --window 7").value("unchanged", -1), 3);

    const json full = index_json(library, test::quoted(music), nullptr, "--windows full --window 5");
    EXPECT_EQ(full.value("embedded", -1), 3);
    for (const auto& [path, e] : catalog_by_path(library)) {
        EXPECT_EQ(e.window_plan, "full window=5") << path;
        EXPECT_TRUE(e.windows.empty());
    }
    const json per_window = index_json(library, test::quoted(music), nullptr, "--windows full --window 5 --per-window");
    EXPECT_EQ(per_window.value("embedded", -1), 3);
    for (const auto& [path, e] : catalog_by_path(library)) {
        ASSERT_EQ(e.windows.size(), 3u) << path;  // 0-5, 5-10, 10-12
        EXPECT_EQ(e.windows[2].start_seconds, 10.0);
        EXPECT_NEAR(e.windows[2].length_seconds, 2.0, 1e-3);
        for (const auto& w : e.windows) EXPECT_NEAR(norm(w.vector), 1.0, 1e-5);
    }
    // Without --per-window the stored windows are no reason to embed again.
    EXPECT_EQ(index_json(library, test::quoted(music), nullptr, "--windows full --window 5").value("unchanged", -1), 3);
}

TEST(index_cli, deleted_files_are_dropped_and_a_missing_folder_is_an_error) {
    const fs::path music = test::scratch_dir() / "deleted", library = test::scratch_dir() / "deleted_library";
    make_folder(music, 8, 1.0);  // track03 in music/sub
    const fs::path other = test::scratch_dir() / "deleted_other";
    make_folder(other, 1, 1.0);
    index_json(library, test::quoted(music) + " " + test::quoted(other));
    ASSERT_EQ(catalog_by_path(library).size(), 9u);

    fs::remove(music / "track05.wav");
    fs::remove_all(music / "sub");
    const json j = index_json(library, test::quoted(music));  // only this folder: `other` is not touched
    EXPECT_EQ(j.value("removed", -1), 2);
    const auto rows = catalog_by_path(library);
    EXPECT_EQ(rows.size(), 7u);
    EXPECT_FALSE(rows.count((music / "track05.wav").string()));
    EXPECT_TRUE(rows.count((other / "track00.wav").string()));

    // An unmounted disk looks like a missing folder: an error, and nothing is removed.
    fs::rename(music, test::scratch_dir() / "deleted_elsewhere");
    const test::cli_result r = test::run_cli("index --quiet " + model_flag() + " --library " + test::quoted(library) +
                                             " " + test::quoted(music));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find(music.string() + ": no such file or folder"), std::string::npos) << r.err;
    EXPECT_EQ(catalog_by_path(library).size(), 7u);
}

TEST(index_cli, an_unreadable_folder_keeps_its_rows_and_fails_the_run_as_a_user_without_access) {
    // Run as a user whom permissions bind (root reads any folder): the library is that user's, the
    // music readable by everyone until a nested folder and a top-level one are closed to others.
    const fs::path music = test::scratch_dir() / "unreadable", other = test::scratch_dir() / "unreadable_other";
    const fs::path library = test::scratch_dir() / "unreadable_library";
    make_folder(music, 11, 1.0);  // track03 and track10 in music/sub
    make_folder(other, 2, 1.0);
    fs::create_directories(library);
    test::give_to_unprivileged_user(library);
    const std::string index_args =
        "index --json --quiet " + model_flag() + " --library " + test::quoted(library) + " ";
    test::cli_result r = test::run_cli_unprivileged(index_args + test::quoted(music) + " " + test::quoted(other));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto before = catalog_by_path(library);
    ASSERT_EQ(before.size(), 13u);

    fs::permissions(music / "sub", fs::perms::none);
    fs::permissions(other, fs::perms::none);
    fs::remove(music / "track00.wav");       // the readable part is indexed as usual:
    write_wav(music / "new.wav", 777, 1.0);  // one file deleted, one added
    r = test::run_cli_unprivileged(index_args + test::quoted(music) + " " + test::quoted(other));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    for (const fs::path& folder : {music / "sub", other})
        EXPECT_NE(r.err.find("cannot read " + folder.string() + ": Permission denied"), std::string::npos) << r.err;
    const json j = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    EXPECT_EQ(j.value("removed", -1), 1);
    EXPECT_EQ(j.value("embedded", -1), 1);
    EXPECT_EQ(j.value("unchanged", -1), 8);
    EXPECT_EQ(j.at("unreadable"), json::parse(R"([{"path": ")" + music.string() +
                                              R"(/sub", "error": "Permission denied"}, {"path": ")" + other.string() +
                                              R"(", "error": "Permission denied"}])"));
    const auto during = catalog_by_path(library);
    EXPECT_EQ(during.size(), 13u);
    EXPECT_FALSE(during.count((music / "track00.wav").string()));
    for (const std::string& kept : {(music / "sub" / "track03.wav").string(), (music / "sub" / "track10.wav").string(),
                                    (other / "track00.wav").string(), (other / "track01.wav").string()}) {
        ASSERT_TRUE(during.count(kept)) << kept;
        test::expect_same_entry(during.at(kept), before.at(kept));  // untouched, not embedded again
    }

    // Readable again: a normal run, and nothing was lost.
    fs::permissions(music / "sub", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                       fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(other, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    r = test::run_cli_unprivileged(index_args + test::quoted(music) + " " + test::quoted(other));
    EXPECT_EQ(r.code, 0) << r.err;
    const json again = json::parse(r.out, nullptr, false);
    EXPECT_EQ(again.value("unchanged", -1), 13) << r.out;
    EXPECT_EQ(again.value("removed", -1), 0) << r.out;
    EXPECT_EQ(again.at("unreadable"), json::array());
    EXPECT_EQ(catalog_by_path(library).size(), 13u);
}

TEST(index_cli, a_file_is_one_row_by_its_real_path_whatever_symlink_leads_to_it) {
    const fs::path music = test::scratch_dir() / "identity", link = test::scratch_dir() / "identity_link";
    const fs::path library = test::scratch_dir() / "identity_library";
    make_folder(music, 4, 1.0);  // track03 in music/sub
    ASSERT_EQ(index_json(library, test::quoted(music)).value("embedded", -1), 4);
    const auto rows = catalog_by_path(library);
    fs::create_directory_symlink(music, link);
    fs::create_symlink(music / "track00.wav", music / "alias.wav");
    fs::create_symlink("../track01.wav", music / "sub" / "up.wav");
    const fs::path outside = test::scratch_dir() / "identity_outside";
    make_folder(outside, 1, 1.0);
    fs::create_directory_symlink(outside, music / "linked_folder");  // not followed

    // Through the folder's symlink, through file symlinks inside it, and a file symlink given alone.
    for (const fs::path& root : {link, music, link / "alias.wav"}) {
        test::cli_result r;
        const json j = index_json(library, test::quoted(root), &r);
        EXPECT_EQ(r.code, 0) << root << r.err;
        EXPECT_EQ(j.value("found", -1), root == link / "alias.wav" ? 1 : 4) << root;
        EXPECT_EQ(j.value("unchanged", -1), j.value("found", -1)) << root;
        EXPECT_EQ(j.value("embedded", -1) + j.value("reused", -1) + j.value("removed", -1), 0) << root;
        const auto now = catalog_by_path(library);
        ASSERT_EQ(now.size(), 4u) << root;
        for (const auto& [path, e] : rows) test::expect_same_entry(now.at(path), e);
    }

    // similar finds the library's file through a symlink: its own row is left out of the results.
    const test::cli_result r = test::run_cli("similar --json " + model_flag() + " --library " +
                                             test::quoted(library) + " " + test::quoted(link / "alias.wav"));
    ASSERT_EQ(r.code, 0) << r.err;
    const json hits = json::parse(r.out);
    EXPECT_EQ(hits.size(), 3u) << r.out;
    for (const auto& h : hits) EXPECT_NE(h.at("path"), (music / "track00.wav").string()) << r.out;

    // Rows stored under a symlink's path (indexed before paths were resolved) are replaced by the
    // real paths' rows, their vectors reused.
    const fs::path old_library = test::scratch_dir() / "identity_old_library";
    {
        catalog old(old_library);
        for (auto e : catalog(library, catalog_open::existing).entries(true)) {
            e.path = (link / fs::path(e.path).lexically_relative(music)).string();
            old.put(e);
        }
    }
    const json moved = index_json(old_library, test::quoted(link));
    EXPECT_EQ(moved.value("reused", -1), 4);
    EXPECT_EQ(moved.value("removed", -1), 4);
    const auto now = catalog_by_path(old_library);
    ASSERT_EQ(now.size(), 4u);
    for (const auto& [path, e] : rows) EXPECT_EQ(now.at(path).vector, e.vector) << path;
}

namespace {

TEST(index_cli, a_row_under_a_symlinks_path_stays_when_its_file_cannot_be_read_now) {
    // Rows stored under a symlink's path by an older version; one file is now closed to the user who
    // indexes (root reads anything, so the run is a user's whom permissions bind).
    const fs::path music = test::scratch_dir() / "migrate", link = test::scratch_dir() / "migrate_link";
    const fs::path library = test::scratch_dir() / "migrate_library";
    make_folder(music, 3, 1.0);
    fs::create_directory_symlink(music, link);
    index_json(library, test::quoted(music));
    const fs::path copy = test::scratch_dir() / "migrate_old";
    std::map<std::string, catalog_entry> old_rows;
    {
        catalog old(copy);
        for (auto e : catalog(library, catalog_open::existing).entries(true)) {
            e.path = (link / fs::path(e.path).lexically_relative(music)).string();
            old.put(e);
            old_rows[e.path] = e;
        }
    }
    test::give_to_unprivileged_user(copy);
    fs::permissions(music / "track01.wav", fs::perms::none);
    const test::cli_result r = test::run_cli_unprivileged("index --json --quiet " + model_flag() + " --library " +
                                                          test::quoted(copy) + " " + test::quoted(link));
    fs::permissions(music / "track01.wav", fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(r.code, 1) << r.out << r.err;  // the closed file failed
    const json j = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
    EXPECT_EQ(j.value("reused", -1), 2);
    EXPECT_EQ(j.value("removed", -1), 2);  // the two that now have real-path rows
    const auto now = catalog_by_path(copy);
    const std::string kept = (link / "track01.wav").string();
    ASSERT_TRUE(now.count(kept)) << "the unreadable file's old row was removed";
    EXPECT_EQ(now.at(kept).vector, old_rows.at(kept).vector);
    EXPECT_EQ(now.at((music / "track01.wav").string()).status, entry_status::failed);
    EXPECT_EQ(now.at((music / "track00.wav").string()).vector, old_rows.at((link / "track00.wav").string()).vector);
    EXPECT_FALSE(now.count((link / "track00.wav").string()));
}

// Every file in a folder: its bytes and modification time.
std::map<std::string, std::pair<std::string, fs::file_time_type>> folder_snapshot(const fs::path& dir) {
    std::map<std::string, std::pair<std::string, fs::file_time_type>> out;
    for (const auto& e : fs::directory_iterator(dir))
        out[e.path().filename().string()] = {test::read_file(e.path()), fs::last_write_time(e.path())};
    return out;
}

// search, similar, stats and export as a user who cannot write the library: each prints its results,
// says nothing on stderr and leaves every file of the library as it was.
void expect_readers_work_and_write_nothing(const fs::path& library, const fs::path& music) {
    const auto before = folder_snapshot(library);
    const std::string lib = " --library " + test::quoted(library) + " ";
    test::cli_result r = test::run_cli_unprivileged("stats --json" + lib);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out, nullptr, false).value("ok", -1), 4) << r.out;
    EXPECT_EQ(r.err, "");
    r = test::run_cli_unprivileged("search --json " + model_flag() + lib + "a steady tone");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out, nullptr, false).size(), 4u) << r.out;
    EXPECT_EQ(r.err, "");
    r = test::run_cli_unprivileged("similar --json " + model_flag() + lib + test::quoted(music / "track00.wav"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out, nullptr, false).size(), 3u) << r.out;  // all but itself
    EXPECT_EQ(r.err, "");
    r = test::run_cli_unprivileged("export --format jsonl" + lib);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(folder_snapshot(library), before);
}

}  // namespace

TEST(index_cli, readers_read_a_library_they_cannot_write_and_change_nothing_in_it) {
    const fs::path music = test::scratch_dir() / "readonly_music", library = test::scratch_dir() / "readonly_library";
    make_folder(music, 4, 1.0);
    if (geteuid() == 0) {
        // Another user's library (the tests' root made it): the folder and its files are not ours.
        ASSERT_EQ(index_json(library, test::quoted(music)).value("embedded", -1), 4);
        expect_readers_work_and_write_nothing(library, music);
        fs::remove(library / "vectors.index");  // missing: built in memory, not saved
        expect_readers_work_and_write_nothing(library, music);
        EXPECT_FALSE(fs::exists(library / "vectors.index"));
        {
            // While a writer has it open, the latest rows are only in its -wal, read through its -shm.
            catalog writer(library);
            catalog_entry e = writer.entries(true).front();
            e.path = "/elsewhere/new.wav";
            writer.put(e);
            ASSERT_TRUE(fs::exists(library / "catalog.sqlite-shm"));
            const test::cli_result r = test::run_cli_unprivileged("stats --json --library " + test::quoted(library));
            ASSERT_EQ(r.code, 0) << r.err;
            EXPECT_EQ(json::parse(r.out, nullptr, false).value("ok", -1), 5) << r.out;
        }
        fs::remove_all(library);
    }
    // The user's own library made read-only (chmod -R a-w, as on a read-only mount).
    fs::create_directories(library);
    test::give_to_unprivileged_user(library);
    test::cli_result r = test::run_cli_unprivileged("index --quiet " + model_flag() + " --library " +
                                                    test::quoted(library) + " " + test::quoted(music));
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string chmod = "chmod -R a-w " + test::quoted(library);
    ASSERT_EQ(test::run_shell(geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " + chmod : chmod)
                  .code,
              0);
    expect_readers_work_and_write_nothing(library, music);
    fs::permissions(library, fs::perms::owner_write, fs::perm_options::add);
    fs::remove(library / "vectors.index");
    fs::permissions(library, fs::perms::owner_write, fs::perm_options::remove);
    expect_readers_work_and_write_nothing(library, music);
    fs::permissions(library, fs::perms::owner_write, fs::perm_options::add);  // so the scratch folder can go
}

TEST(index_cli, a_bad_file_is_reported_stored_and_retried_only_when_it_changes) {
    const fs::path music = test::scratch_dir() / "bad", library = test::scratch_dir() / "bad_library";
    make_folder(music, 2, 1.0);
    const fs::path bad = music / "broken.wav";
    std::ofstream(bad) << "this is not audio";
    test::cli_result r;
    json j = index_json(library, test::quoted(music), &r);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(j.value("embedded", -1), 2);
    EXPECT_EQ(j.value("failed", -1), 1);
    ASSERT_EQ(j.at("failures").size(), 1u);
    EXPECT_EQ(j.at("failures")[0].at("path"), bad.string());
    EXPECT_TRUE(j.at("failures")[0].at("retried").get<bool>());
    EXPECT_NE(r.err.find(bad.string() + ": not a recognised audio file"), std::string::npos) << r.err;

    const catalog_entry row = catalog_by_path(library).at(bad.string());
    EXPECT_EQ(row.status, entry_status::failed);
    EXPECT_NE(row.error.find("not a recognised audio file"), std::string::npos) << row.error;
    EXPECT_TRUE(row.vector.empty());

    // Unchanged: not tried again, still reported, still exit 1.
    j = index_json(library, test::quoted(music), &r);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(j.value("embedded", -1), 0);
    EXPECT_EQ(j.value("failed", -1), 1);
    EXPECT_FALSE(j.at("failures")[0].at("retried").get<bool>());
    EXPECT_NE(r.err.find("not retried"), std::string::npos) << r.err;

    // Repaired: embedded, and the run succeeds.
    write_wav(bad, 440, 1.0);
    j = index_json(library, test::quoted(music), &r);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(j.value("embedded", -1), 1);
    EXPECT_EQ(catalog_by_path(library).at(bad.string()).status, entry_status::ok);
}

TEST(index_cli, stats_and_prune) {
    const fs::path music = test::scratch_dir() / "stats", library = test::scratch_dir() / "stats_library";
    make_folder(music, 4, 1.0);
    std::ofstream(music / "junk.mp3") << "junk";
    index_json(library, test::quoted(music));

    test::cli_result r = test::run_cli("stats --json --library " + test::quoted(library));
    ASSERT_EQ(r.code, 0) << r.err;
    json st = json::parse(r.out);
    EXPECT_EQ(st.at("files"), 5);
    EXPECT_EQ(st.at("ok"), 4);
    EXPECT_EQ(st.at("failed"), 1);
    EXPECT_EQ(st.at("windows"), 0);
    const std::string model_id = test::expected_model_id(test::golden_dir() / "model");
    EXPECT_EQ(st.at("models"), json({{model_id, 4}}));
    EXPECT_EQ(st.at("formats"), json({{"wav", 4}}));
    EXPECT_EQ(st.at("failures")[0].at("path"), (music / "junk.mp3").string());
    EXPECT_GT(st.at("catalog_bytes").get<int64_t>(), 0);
    EXPECT_TRUE(st.at("vector_index").at("current").get<bool>());
    EXPECT_EQ(st.at("vector_index").at("description"), "exact, 4 x 48, model " + model_id);
    EXPECT_GT(st.at("vector_index").at("memory_bytes").get<int64_t>(), 4 * 48 * 4);
    r = test::run_cli("stats --library " + test::quoted(library));
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("5 (4 ok, 1 failed)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("junk.mp3: not a recognised audio file"), std::string::npos) << r.out;

    fs::remove(music / "track01.wav");
    fs::remove(music / "junk.mp3");
    r = test::run_cli("prune --dry-run --library " + test::quoted(library));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("would remove " + (music / "track01.wav").string()), std::string::npos) << r.out;
    EXPECT_EQ(catalog_by_path(library).size(), 5u);
    r = test::run_cli("prune --library " + test::quoted(library));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("removed 2 of the library's files"), std::string::npos) << r.out;
    const auto rows = catalog_by_path(library);
    EXPECT_EQ(rows.size(), 3u);
    EXPECT_FALSE(rows.count((music / "track01.wav").string()));
    // The catalog changed under the saved vector index: stats says so, the next index run rebuilds it.
    st = json::parse(test::run_cli("stats --json --library " + test::quoted(library)).out);
    EXPECT_FALSE(st.at("vector_index").at("current").get<bool>());
    EXPECT_EQ(index_json(library, test::quoted(music)).value("vector_index", ""), "exact, 3 x 48 (rebuilt)");

    r = test::run_cli("stats --library " + test::quoted(test::scratch_dir() / "no_such_library"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no library at"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(test::scratch_dir() / "no_such_library"));
}

TEST(index_cli, help_and_bad_usage) {
    for (const char* command : {"index", "stats", "prune"}) {
        test::cli_result r = test::run_cli(std::string(command) + " --help");
        EXPECT_EQ(r.code, 0);
        EXPECT_NE(r.out.find(std::string("usage: sonavec ") + command), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("examples:"), std::string::npos) << command;
        EXPECT_NE(r.out.find("--library"), std::string::npos) << command;
    }
    const std::string lib = " --library " + test::quoted(test::scratch_dir() / "usage_library") + " ";
    for (const std::string& args : {"index" + lib, "index --threads 0" + lib + "x", "index --windows bogus" + lib + "x",
                                    "index --nope" + lib + "x", "stats extra" + lib, "prune --json" + lib}) {
        test::cli_result r = test::run_cli(args);
        EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
        EXPECT_NE(r.err.find("usage: sonavec"), std::string::npos) << args << "\n" << r.err;
    }
}

namespace {

// `sonavec index` on music in the background; with `progress`, its stderr (not --quiet) goes there.
pid_t start_index(const fs::path& library, const fs::path& music, const fs::path& progress = {}) {
    const std::string cli = test::cli_path().string(), model = (test::golden_dir() / "model").string();
    const pid_t pid = fork();
    if (pid == 0) {
        const int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(progress.empty() ? null : open(progress.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
        const char* quiet = progress.empty() ? "--quiet" : "--json";  // --json: the summary to /dev/null
        execl(cli.c_str(), cli.c_str(), "index", quiet, "--threads", "2", "--model", model.c_str(), "--library",
              library.c_str(), music.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// What the catalog holds after a kill: every row whole (ok with a unit vector of the model's size),
// one row per path, only files of the folder; SQLite's own integrity check passes.
size_t expect_consistent(const fs::path& library, const std::set<std::string>& files) {
    if (!fs::exists(library / "catalog.sqlite")) return 0;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((library / "catalog.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr);
    EXPECT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "ok");
    sqlite3_finalize(s);
    sqlite3_close(db);

    const auto rows = catalog_by_path(library);  // refuses duplicate paths and damaged rows
    for (const auto& [path, e] : rows) {
        EXPECT_TRUE(files.count(path)) << path;
        EXPECT_EQ(e.status, entry_status::ok) << path << ": " << e.error;
        EXPECT_EQ(e.vector.size(), 48u) << path;  // the golden tiny model's projection size
        EXPECT_NEAR(norm(e.vector), 1.0, 1e-5) << path;
        EXPECT_EQ(e.size_bytes, fs::file_size(path));
        EXPECT_EQ(e.content_hash.size(), 64u);
    }
    return rows.size();
}

}  // namespace

TEST(index_cli, a_second_writer_is_refused_while_readers_go_on_and_a_killed_runs_lock_is_taken_over) {
    const fs::path library = test::scratch_dir() / "locked_library", early = test::scratch_dir() / "locked_early";
    const fs::path music = test::scratch_dir() / "locked_music";
    make_folder(early, 2, 1.0);
    make_folder(music, 10, 10.0);
    index_json(library, test::quoted(early));

    // The first run holds the lock from before it opens the catalog. It is stopped once it has planned
    // (its first stderr line), so that it is not stopped inside SQLite's opening of the catalog, whose
    // locks a stopped process would keep from readers (a killed one would not).
    const fs::path progress = test::scratch_dir() / "locked_first.stderr";
    const pid_t first = start_index(library, music, progress);
    const std::string holder = std::to_string(first) + " index\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (test::read_file(progress).find("to embed") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    kill(first, SIGSTOP);
    ASSERT_NE(test::read_file(progress).find("to embed"), std::string::npos) << test::read_file(progress);
    ASSERT_EQ(test::read_file(library / "index.lock"), holder);

    const std::string lib = " --library " + test::quoted(library) + " ";
    const std::string refusal = "another index run (pid " + std::to_string(first) + ") is using this library";
    const fs::path vectors = test::scratch_dir() / "locked.jsonl";
    std::ofstream(vectors) << R"({"path": "/imported.wav", "model": "model", "embedding": [1, 0]})" << "\n";
    for (const std::string& writer : {"index --quiet " + model_flag() + lib + test::quoted(music),
                                      "import" + lib + test::quoted(vectors), "prune" + lib}) {
        const auto t0 = std::chrono::steady_clock::now();
        const test::cli_result r = test::run_cli(writer);
        EXPECT_EQ(r.code, 1) << writer << "\n" << r.err;
        EXPECT_NE(r.err.find(refusal), std::string::npos) << writer << "\n" << r.err;
        EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0) << writer;
    }
    // Readers are not held up.
    test::cli_result r = test::run_cli("stats --json" + lib);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_GE(json::parse(r.out, nullptr, false).value("ok", -1), 2) << r.out;
    r = test::run_cli("search --json " + model_flag() + lib + "a steady tone");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_GE(json::parse(r.out, nullptr, false).size(), 2u) << r.out;
    r = test::run_cli("export --format jsonl" + lib);
    EXPECT_EQ(r.code, 0) << r.err;
    r = test::run_cli("prune --dry-run" + lib);  // lists only: a reader
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("would remove 0"), std::string::npos) << r.out;

    // Killed, its lock goes with it, whatever pid the file still holds.
    kill(first, SIGKILL);
    EXPECT_EQ(wait_exit(first), 128 + SIGKILL);
    EXPECT_EQ(test::read_file(library / "index.lock"), holder);
    r = test::run_cli("index --json --quiet " + model_flag() + lib + test::quoted(music));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out, nullptr, false).value("found", -1), 10) << r.out;
}

TEST(index_cli, a_run_killed_at_random_moments_resumes_to_the_uninterrupted_result) {
    const fs::path music = test::scratch_dir() / "interrupt";
    make_folder(music, 30, 20.0);  // three windows each: long enough to kill in the middle
    std::set<std::string> files;
    for (const auto& f : fs::recursive_directory_iterator(music))
        if (f.is_regular_file()) files.insert(f.path().string());
    ASSERT_EQ(files.size(), 30u);

    const fs::path reference = test::scratch_dir() / "interrupt_reference";
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(wait_exit(start_index(reference, music)), 0);
    const double full_run = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(expect_consistent(reference, files), 30u);

    std::random_device seed_source;
    const unsigned seed = seed_source();
    SCOPED_TRACE("seed " + std::to_string(seed) + ", uninterrupted run " + std::to_string(full_run) + " s");
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> moment(0.0, 0.6 * full_run);
    const fs::path library = test::scratch_dir() / "interrupt_library";
    size_t partial = 0;
    for (int kill_number = 0; kill_number < 6; kill_number++) {
        const double delay = moment(rng);
        SCOPED_TRACE("kill " + std::to_string(kill_number) + " after " + std::to_string(delay) + " s");
        const pid_t pid = start_index(library, music);
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        kill(pid, SIGKILL);
        wait_exit(pid);
        const size_t rows = expect_consistent(library, files);
        if (rows > 0 && rows < files.size()) partial++;
    }
    std::printf("  %zu of 6 kills left a partly indexed catalog (seed %u, full run %.2f s)\n", partial, seed, full_run);

    ASSERT_EQ(wait_exit(start_index(library, music)), 0);
    const auto resumed = catalog_by_path(library);
    const auto expected = catalog_by_path(reference);
    ASSERT_EQ(resumed.size(), expected.size());
    for (const auto& [path, e] : expected) {
        ASSERT_TRUE(resumed.count(path)) << path;
        test::expect_same_entry(resumed.at(path), e);  // bit-exact vectors: one core per file
    }
    // And the vector index, whatever a kill left of it, matches the catalog again.
    const json st = json::parse(test::run_cli("stats --json --library " + test::quoted(library)).out);
    EXPECT_TRUE(st.at("vector_index").at("current").get<bool>()) << st.dump();
}
