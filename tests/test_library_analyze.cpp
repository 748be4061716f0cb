// library::analyze, index --analyze and the --bpm / --key filters, on signals whose answers are known:
// click tracks made by sox at 90 and 120 BPM and an A minor triad. Descriptors belong to a file's bytes:
// a file re-encoded loses them, a file touched keeps them.
#include <gtest/gtest.h>
#include <utime.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "test_data.h"
#include "sonavec/descriptors.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "sonavec/library.h"
#include "library/sqlite_db.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;
using test::quoted;

namespace {

void sox(const std::string& args) {
    const test::cli_result r = test::run_shell("sox -n -r 44100 " + args);
    ASSERT_EQ(r.code, 0) << args << "\n" << r.err;
}

// A 1 kHz click of 30 ms on every beat, 30 beats.
void click_track(const fs::path& file, double bpm) {
    char gap[32];
    std::snprintf(gap, sizeof gap, "%.6f", 60.0 / bpm - 0.03);
    sox(quoted(file) + " synth 0.03 sine 1000 pad 0 " + gap + " repeat 29");
}

// A, C and E sine tones for 12 s.
void a_minor_chord(const fs::path& file) { sox(quoted(file) + " synth 12 sine 220 sine 261.63 sine 329.63 remix -"); }

struct analysed_library {
    fs::path music, dir;
};

// Three files indexed with the golden model.
analysed_library make_library(const std::string& name, const engine& eng) {
    analysed_library l;
    l.music = test::scratch_dir() / (name + "-music");
    l.dir = test::scratch_dir() / (name + "-lib");
    fs::remove_all(l.music);
    fs::remove_all(l.dir);
    fs::create_directories(l.music);
    click_track(l.music / "clicks90.wav", 90);
    click_track(l.music / "clicks120.wav", 120);
    a_minor_chord(l.music / "a-minor.wav");
    sox(quoted(l.music / "silence.wav") + " trim 0 6");  // no beat, no key, no loudness
    index_params ip;
    ip.threads = 2;
    const index_report r = library::open(l.dir)->index({l.music}, eng, ip);
    EXPECT_EQ(r.embedded, 4u);
    return l;
}

std::vector<std::string> names(const std::vector<search_match>& matches) {
    std::vector<std::string> out;
    for (const auto& m : matches) out.push_back(fs::path(m.track.path).filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST(key_camelot, names_and_codes_as_people_write_them) {
    EXPECT_EQ(key_camelot("C major"), "8B");
    EXPECT_EQ(key_camelot("A minor"), "8A");
    EXPECT_EQ(key_camelot("a min"), "8A");
    EXPECT_EQ(key_camelot("Am"), "8A");
    EXPECT_EQ(key_camelot("  F# minor "), "11A");
    EXPECT_EQ(key_camelot("Bbm"), "3A");
    EXPECT_EQ(key_camelot("A# minor"), "3A");  // enharmonic spellings agree
    EXPECT_EQ(key_camelot("Db major"), key_camelot("C# major"));
    EXPECT_EQ(key_camelot("G"), "9B");
    EXPECT_EQ(key_camelot("8a"), "8A");
    EXPECT_EQ(key_camelot("12B"), "12B");
    for (const char* bad : {"", "H minor", "13A", "0B", "8C", "A dorian", "minor", "A##m", "08A"})
        EXPECT_THROW(key_camelot(bad), error) << bad;
    // Every key the detector can name has a code, and it reads back.
    for (const char* tonic : {"C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"})
        for (const char* mode : {" major", " minor"}) {
            const std::string key = std::string(tonic) + mode;
            EXPECT_EQ(key_camelot(key), camelot_notation(key)) << key;
        }
}

TEST(library_analyze, stores_what_analyze_file_computes_and_filters_by_it) {
    const auto eng = test::golden_engine();
    const analysed_library l = make_library("filters", *eng);
    const auto lib = library::open(l.dir);
    analyze_params ap;
    ap.threads = 2;
    size_t calls = 0;
    ap.progress = [&](const index_progress& p) {
        calls++;
        EXPECT_EQ(p.total, 4u);
        EXPECT_TRUE(p.error.empty()) << p.path << ": " << p.error;
    };
    const analyze_report r = lib->analyze(ap);
    EXPECT_EQ(r.analyzed, 4u);
    EXPECT_EQ(calls, 4u);
    EXPECT_TRUE(r.failures.empty());

    for (const char* name : {"clicks90.wav", "clicks120.wav", "a-minor.wav"}) {
        const auto e = lib->find_file(l.music / name);
        ASSERT_TRUE(e && e->descriptors) << name;
        const track_descriptors want = analyze_file(l.music / name);
        const track_descriptors& got = *e->descriptors;
        EXPECT_DOUBLE_EQ(got.bpm, want.bpm) << name;
        EXPECT_EQ(got.key, want.key) << name;
        EXPECT_EQ(got.camelot, want.camelot) << name;
        EXPECT_DOUBLE_EQ(got.loudness_lufs, want.loudness_lufs) << name;
        EXPECT_DOUBLE_EQ(got.true_peak_dbtp, want.true_peak_dbtp) << name;
        EXPECT_DOUBLE_EQ(got.energy, want.energy) << name;
        EXPECT_EQ(got.loop, want.loop) << name;
    }
    // The known answers (within Acc1's 4 %).
    EXPECT_NEAR(lib->find_file(l.music / "clicks90.wav")->descriptors->bpm, 90, 90 * 0.04);
    EXPECT_NEAR(lib->find_file(l.music / "clicks120.wav")->descriptors->bpm, 120, 120 * 0.04);
    EXPECT_EQ(lib->find_file(l.music / "a-minor.wav")->descriptors->key, "A minor");
    const track_descriptors silence = *lib->find_file(l.music / "silence.wav")->descriptors;
    EXPECT_EQ(silence.bpm, 0);
    EXPECT_TRUE(silence.key.empty());
    EXPECT_EQ(silence.loudness_lufs, -INFINITY);  // stored as NULL, read back as silence's -infinity

    const std::vector<float> query = lib->find_file(l.music / "clicks90.wav", true)->vector;
    search_params sp;
    sp.k = 10;
    sp.model_id = eng->model_id();
    sp.filter.min_bpm = 115;
    sp.filter.max_bpm = 125;
    EXPECT_EQ(names(lib->search_vector(query, sp)), std::vector<std::string>{"clicks120.wav"});
    sp.filter.min_bpm.reset();
    sp.filter.max_bpm = 95;  // one bound
    std::vector<std::string> slow = names(lib->search_vector(query, sp));
    EXPECT_NE(std::find(slow.begin(), slow.end(), "clicks90.wav"), slow.end());
    EXPECT_EQ(std::find(slow.begin(), slow.end(), "clicks120.wav"), slow.end());
    sp.filter = {};
    sp.filter.key = "8A";
    EXPECT_EQ(names(lib->search_vector(query, sp)), std::vector<std::string>{"a-minor.wav"});
    sp.filter.key = "Am";
    EXPECT_EQ(names(lib->search_vector(query, sp)), std::vector<std::string>{"a-minor.wav"});
    // Whatever key the 90 BPM clicks read as, its code finds it and only tracks of that code.
    const std::string clicks_key = lib->find_file(l.music / "clicks90.wav")->descriptors->camelot;
    ASSERT_FALSE(clicks_key.empty());
    sp.filter.key = clicks_key;
    const auto same_key = lib->search_vector(query, sp);
    const std::vector<std::string> same_names = names(same_key);
    EXPECT_NE(std::find(same_names.begin(), same_names.end(), "clicks90.wav"), same_names.end());
    for (const auto& m : same_key) EXPECT_EQ(m.track.descriptors->camelot, clicks_key) << m.track.path;
    sp.filter.key = "X minor";
    EXPECT_THROW(lib->search_vector(query, sp), error);
    sp.filter = {};
    sp.filter.min_bpm = 130;
    sp.filter.max_bpm = 120;  // min above max
    EXPECT_THROW(lib->search_vector(query, sp), error);
    sp.filter.min_bpm = std::nan("");
    sp.filter.max_bpm.reset();
    EXPECT_THROW(lib->search_vector(query, sp), error);

    // A tempo bound leaves out what has no beat: the silence is in no tempo range, even "below 95".
    sp.filter = {};
    sp.filter.max_bpm = 95;
    const std::vector<std::string> below = names(lib->search_vector(query, sp));
    EXPECT_EQ(std::find(below.begin(), below.end(), "silence.wav"), below.end());

    // A second run finds them current and opens no file.
    const analyze_report again = lib->analyze(ap);
    EXPECT_EQ(again.analyzed, 0u);
    EXPECT_EQ(again.current, 4u);
}

TEST(library_analyze, descriptors_belong_to_the_bytes_analysed) {
    const auto eng = test::golden_engine();
    const analysed_library l = make_library("bytes", *eng);
    const auto lib = library::open(l.dir);
    analyze_params ap;
    ap.threads = 1;
    ap.roots = {l.music / "clicks90.wav", l.music / "a-minor.wav"};  // only these
    EXPECT_EQ(lib->analyze(ap).analyzed, 2u);
    EXPECT_FALSE(lib->find_file(l.music / "clicks120.wav")->descriptors);

    // Touched: same bytes, a new mtime. Indexing reuses the vectors and the descriptors stay.
    const fs::path a_minor = l.music / "a-minor.wav";
    utimbuf times{1000000000, 1000000000};
    ASSERT_EQ(utime(a_minor.c_str(), &times), 0);
    index_params ip;
    ip.threads = 1;
    lib->index({l.music}, *eng, ip);
    EXPECT_TRUE(lib->find_file(a_minor)->descriptors);

    // Re-made at 120 BPM: other bytes. After indexing it has none until it is analysed again.
    const fs::path clicks = l.music / "clicks90.wav";
    click_track(clicks, 120);
    // Changed on disk but not yet indexed: reported, not analysed.
    ap.roots = {clicks};
    ap.force = true;
    const analyze_report stale = lib->analyze(ap);
    EXPECT_EQ(stale.analyzed, 0u);
    ASSERT_EQ(stale.failures.size(), 1u);
    EXPECT_NE(stale.failures[0].second.find("changed since it was indexed"), std::string::npos) << stale.failures[0].second;
    EXPECT_NEAR(lib->find_file(clicks)->descriptors->bpm, 90, 4);  // the old bytes' are still shown
    lib->index({l.music}, *eng, ip);
    EXPECT_FALSE(lib->find_file(clicks)->descriptors);
    ap.force = false;
    EXPECT_EQ(lib->analyze(ap).analyzed, 1u);
    EXPECT_NEAR(lib->find_file(clicks)->descriptors->bpm, 120, 120 * 0.04);

    // A root that does not exist is an error before anything is done; a bad tempo range too.
    ap.roots = {l.music / "nothing here"};
    EXPECT_THROW(lib->analyze(ap), error);
    ap.roots = {};
    ap.descriptors.min_bpm = 150;
    ap.descriptors.max_bpm = 160;
    EXPECT_THROW(lib->analyze(ap), error);
}

TEST(library_analyze, a_moved_file_keeps_its_descriptors_and_damaged_ones_are_refused) {
    const auto eng = test::golden_engine();
    const analysed_library l = make_library("moved", *eng);
    const auto lib = library::open(l.dir);
    analyze_params ap;
    ap.threads = 2;
    EXPECT_EQ(lib->analyze(ap).analyzed, 4u);
    const track_descriptors before = *lib->find_file(l.music / "a-minor.wav")->descriptors;
    fs::rename(l.music / "a-minor.wav", l.music / "moved.wav");
    index_params ip;
    ip.threads = 1;
    const index_report r = lib->index({l.music}, *eng, ip);
    EXPECT_EQ(r.reused, 1u);
    EXPECT_EQ(r.removed, 1u);
    const auto moved = lib->find_file(l.music / "moved.wav");
    ASSERT_TRUE(moved && moved->descriptors);
    EXPECT_EQ(moved->descriptors->key, before.key);
    EXPECT_DOUBLE_EQ(moved->descriptors->bpm, before.bpm);
    EXPECT_EQ(lib->analyze(ap).analyzed, 0u);  // nothing to decode again

    // Values no analysis makes, written into the file by someone else: refused, naming the row.
    const int64_t id = moved->id;
    for (const std::string& tamper : {std::string("key = 'X minor', camelot = ''"), std::string("key = '\xff minor', camelot = ''"),
                                      std::string("camelot = '1A'"), std::string("loudness_lufs = 1e308"),
                                      std::string("energy = 2"), std::string("bpm = -1"), std::string("loop = 7")}) {
        {
            sqlite_db db(l.dir / "catalog.sqlite", sqlite_open::read_write, 1 << 20);
            db.exec("SAVEPOINT s");
            db.exec("UPDATE descriptors SET " + tamper + " WHERE file_id = " + std::to_string(id));
            db.exec("RELEASE s");
        }
        try {
            lib->find(id);
            ADD_FAILURE() << tamper << " was accepted";
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::corrupt_file) << tamper;
            EXPECT_NE(std::string(e.what()).find("moved.wav"), std::string::npos) << e.what();
        }
        // Put the row back as analysis made it.
        sqlite_db db(l.dir / "catalog.sqlite", sqlite_open::read_write, 1 << 20);
        db.exec("DELETE FROM descriptors WHERE file_id = " + std::to_string(id));
        ap.force = true;
        ap.roots = {l.music / "moved.wav"};
        EXPECT_EQ(lib->analyze(ap).analyzed, 1u);
    }
}

TEST(library_analyze, imported_vectors_have_no_file_to_analyse) {
    const fs::path dir = test::scratch_dir() / "imported-lib";
    fs::remove_all(dir);
    const fs::path jsonl = test::scratch_dir() / "imported.jsonl";
    test::write_file(jsonl, "{\"path\":\"/nowhere/a.wav\",\"model\":\"m\",\"embedding\":[0.6,0.8]}\n");
    const auto lib = library::open(dir);
    lib->import_from(jsonl, import_options{});
    const analyze_report r = lib->analyze(analyze_params{});
    EXPECT_EQ(r.analyzed, 0u);
    EXPECT_TRUE(r.failures.empty());
    // A library opened read-only refuses before touching anything.
    EXPECT_THROW(library::open(dir, library::open_mode::read_only)->analyze(analyze_params{}), error);
}

TEST(index_analyze_cli, index_analyze_then_search_by_tempo_key_and_tags) {
    const fs::path music = test::scratch_dir() / "cli-music", lib = test::scratch_dir() / "cli-lib";
    fs::create_directories(music);
    click_track(music / "clicks90.wav", 90);
    click_track(music / "clicks120.wav", 120);
    a_minor_chord(music / "a-minor.wav");
    const std::string model = "--model " + quoted(test::golden_dir() / "model");
    const std::string library = " --library " + quoted(lib) + " ";

    const test::cli_result indexed =
        test::run_cli("index --quiet --json --analyze --taxonomy mood,genre " + model + library + quoted(music));
    ASSERT_EQ(indexed.code, 0) << indexed.err;
    const json summary = json::parse(indexed.out);
    EXPECT_EQ(summary.at("embedded"), 3);
    EXPECT_EQ(summary.at("analysis").at("analyzed"), 3);
    EXPECT_EQ(summary.at("analysis").at("taxonomies"), 2);
    EXPECT_EQ(summary.at("analysis").at("tagged_tracks"), 3);

    const test::cli_result found = test::run_cli("search --json --bpm 115-125" + library + model + " clicks");
    ASSERT_EQ(found.code, 0) << found.err;
    const json hits = json::parse(found.out);
    ASSERT_EQ(hits.size(), 1u) << found.out;
    EXPECT_EQ(fs::path(hits[0].at("path").get<std::string>()).filename(), "clicks120.wav");
    EXPECT_NEAR(hits[0].at("descriptors").at("bpm").get<double>(), 120, 120 * 0.04);
    EXPECT_TRUE(hits[0].at("inferred").contains("mood"));
    EXPECT_TRUE(hits[0].at("inferred").contains("genre"));
    // The tags and the key filter together: the chord's own mood label, and its key.
    const std::string mood = json::parse(test::run_cli("search --json --key 'A minor'" + library + model + " x").out)
                                 .at(0).at("inferred").at("mood").at(0).at("label");
    const test::cli_result both =
        test::run_cli("search --json --key Am --where " + quoted(fs::path("mood=" + mood)) + library + model + " x");
    ASSERT_EQ(both.code, 0) << both.err;
    ASSERT_EQ(json::parse(both.out).size(), 1u) << both.out;
    EXPECT_EQ(json::parse(both.out).at(0).at("descriptors").at("camelot"), "8A");
    // Text output shows them on their own lines.
    const test::cli_result text = test::run_cli("search --bpm 115-125" + library + model + " clicks");
    EXPECT_NE(text.out.find(" BPM | "), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("\\n"), std::string::npos) << text.out;

    // Bad values are usage errors (exit 2), before anything is opened.
    for (const std::string bad : {"--bpm 130-110", "--bpm fast", "--bpm 120", "--key H", "--key 13A"}) {
        const test::cli_result r = test::run_cli("search " + bad + library + model + " x");
        EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
    }
    const test::cli_result no_analyze = test::run_cli("index --taxonomy mood" + library + model + " " + quoted(music));
    EXPECT_EQ(no_analyze.code, 2) << no_analyze.err;
    EXPECT_NE(no_analyze.err.find("needs --analyze"), std::string::npos) << no_analyze.err;
    const test::cli_result bad_range = test::run_cli("index --analyze --bpm-range 150-160" + library + model + " " + quoted(music));
    EXPECT_EQ(bad_range.code, 2) << bad_range.err;

    // stats counts them.
    const json stats = json::parse(test::run_cli("stats --json" + library).out);
    EXPECT_EQ(stats.at("analysed"), 3);
    EXPECT_EQ(stats.at("inferred").at("mood"), 3);
    EXPECT_EQ(stats.at("inferred").at("genre"), 3);

    // A second run analyses nothing again.
    const test::cli_result again = test::run_cli("index --quiet --analyze" + library + model + " " + quoted(music));
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_NE(again.out.find("descriptors: 0 analysed, 3 current"), std::string::npos) << again.out;
}
