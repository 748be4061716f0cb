// Whole-recording prints (fingerprint/recording_print.h) and what is found with them: a clip played at
// another speed and mixed under a bed (find's stage 0), and audio that recurs across an archive with no
// query (sonavec/recurring.h). The recordings are made here from known signals, so the answers are known;
// none of it depends on the model's weights.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "fingerprint/recording_print.h"
#include "library/catalog.h"
#include "sonavec/error.h"
#include "sonavec/fingerprint.h"
#include "sonavec/library.h"
#include "support/cli_run.h"
#include "support/music_signal.h"
#include "support/test_data.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

constexpr int rate = 48000;

struct playing {
    double start;
    double speed;
    float gain;
};

// A show: beds that never repeat (brown and white noise, music from its own seeds, a silence) with the
// jingle mixed over them at each playing, the bed kept beneath at a quarter (-12 dB).
std::vector<float> show(uint32_t seed, double seconds, const std::vector<float>& jingle, const std::vector<playing>& at) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0, 1);
    std::vector<float> x;
    for (int part = 0; x.size() < static_cast<size_t>(seconds * rate); part++) {
        const size_t len = static_cast<size_t>(20 * rate);
        if (part % 3 == 0) {
            const std::vector<float> m = test::to_mono(test::music_signal(seed * 100 + static_cast<uint32_t>(part), 20, rate));
            x.insert(x.end(), m.begin(), m.end());
        } else if (part % 3 == 1) {
            float low = 0;
            for (size_t i = 0; i < len; i++) x.push_back(low = 0.995f * low + 0.006f * n(rng));
        } else {
            for (size_t i = 0; i < len; i++) x.push_back(0.03f * n(rng));
        }
    }
    x.resize(static_cast<size_t>(seconds * rate));
    std::fill(x.begin() + 5 * rate, x.begin() + 8 * rate, 0.0f);  // 3 s of digital silence at 5 s
    for (const playing& p : at) {
        const std::vector<float> j = test::at_speed(jingle, p.speed);
        const auto first = static_cast<size_t>(p.start * rate);
        for (size_t i = 0; i < j.size() && first + i < x.size(); i++) x[first + i] = 0.25f * x[first + i] + p.gain * j[i];
    }
    return x;
}

class recurring_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new fs::path(test::scratch_dir() / "recurring");
        fs::remove_all(*dir_);
        fs::create_directories(*dir_ / "archive");
        const std::vector<float> jingle = test::to_mono(test::music_signal(21, 6, rate));
        test::write_mono_wav(*dir_ / "jingle.wav", jingle, rate);
        test::write_mono_wav(*dir_ / "other.wav", test::to_mono(test::music_signal(22, 6, rate)), rate);
        // Four playings at the jingle's own speed, two 3 % fast: too far for the hashes to match the others
        // directly, so only recurring's speed step joins them.
        test::write_mono_wav(*dir_ / "archive" / "a.wav",
                   show(1, 150, jingle, {{30, 1.0, 1.0f}, {95, 1.0, 0.6f}, {125, 1.03, 1.0f}}), rate);
        test::write_mono_wav(*dir_ / "archive" / "b.wav",
                   show(2, 150, jingle, {{12, 1.0, 0.8f}, {70, 1.0, 1.2f}, {110, 1.03, 0.7f}}), rate);
        eng_ = test::golden_engine(2).release();
        auto lib = library::open(*dir_ / "lib");
        index_params ip;
        ip.track.plan = segments_plan();
        const index_report r = lib->index({*dir_ / "archive"}, *eng_, ip);
        ASSERT_TRUE(r.complete());
        ASSERT_EQ(r.recordings_printed, 2u);
    }
    static void TearDownTestSuite() {
        delete eng_;
        delete dir_;
    }
    static std::unique_ptr<library> lib() { return library::open(*dir_ / "lib", library::open_mode::read_only); }
    static std::string path_of(const char* name) { return fs::absolute(*dir_ / "archive" / name).string(); }

    static fs::path* dir_;
    static engine* eng_;
};
fs::path* recurring_test::dir_ = nullptr;
engine* recurring_test::eng_ = nullptr;

// The playings, by file: (start, length).
const std::map<std::string, std::vector<std::pair<double, double>>> playings = {
    {"a.wav", {{30, 6}, {95, 6}, {125, 6 / 1.03}}}, {"b.wav", {{12, 6}, {70, 6}, {110, 6 / 1.03}}}};

}  // namespace

TEST_F(recurring_test, a_recording_print_covers_it_all_with_its_levels) {
    catalog c(*dir_ / "lib", catalog_open::read_only);
    const auto prints = c.recording_prints("", true);
    ASSERT_EQ(prints.size(), 2u);
    for (const catalog::stored_print& p : prints) {
        const recording_print& r = p.print;
        EXPECT_NEAR(r.fingerprint.duration_seconds, 150, 0.01);
        // Chromaprint's hashes every 0.124 s, but for the last 2-3 s (a hash needs 16 frames of 0.37 s, 0.124 s
        // apart, and its chroma filter a few more); a level every 0.1 s.
        const double hashed = static_cast<double>(r.fingerprint.hashes.size()) * r.fingerprint.seconds_per_hash;
        EXPECT_GE(hashed, 147) << p.path;
        EXPECT_LE(hashed, 148) << p.path;
        EXPECT_NEAR(static_cast<double>(r.levels_db.size()) * r.seconds_per_level, 150, 0.2) << p.path;
        // The digital silence at 5-8 s, and white noise of RMS 0.03 (-30.5 dBFS at 48 kHz) at 40-60 s in
        // both shows (the third part: 20 s each): its level is of the 11025 Hz decode, the part below
        // 5.5 kHz, 10 log10(11025 / 48000) = -6.4 dB less, and some more for the resampler's transition band.
        for (double t = 5.2; t < 7.8; t += 0.1) EXPECT_EQ(r.levels_db[static_cast<size_t>(t / r.seconds_per_level)], silent_level_db);
        for (double t = 41; t < 59; t += 0.5) {
            if (p.path == path_of("b.wav") && t > 12 - 1 && t < 18 + 1) continue;
            EXPECT_NEAR(r.levels_db[static_cast<size_t>(t / r.seconds_per_level)],
                        20 * std::log10(0.03) + 10 * std::log10(11025.0 / 48000), 1.0)
                << p.path << " " << t;
        }
    }
}

TEST(recording_prints, long_prints_are_stored_in_pieces_and_come_back_whole) {
    const fs::path dir = test::scratch_dir() / "recording-print-pieces";
    fs::remove_all(dir);
    fs::create_directories(dir);
    test::write_mono_wav(dir / "long.wav", std::vector<float>(rate, 0.1f), rate);
    auto lib = library::open(dir / "lib");
    auto eng = test::golden_engine(2);
    index_params ip;
    ip.track.plan = segments_plan();
    ip.fingerprints = false;
    ASSERT_TRUE(lib->index({dir / "long.wav"}, *eng, ip).complete());
    catalog c(dir / "lib");
    const auto target = c.analysis_targets(catalog::derived::recording_prints);
    ASSERT_EQ(target.size(), 1u);
    EXPECT_FALSE(target[0].current);
    // 3 hours of made-up hashes and levels: 3 pieces of hashes, 4 of levels.
    recording_print p;
    p.fingerprint.seconds_per_hash = 1365.0 / 11025;
    p.fingerprint.duration_seconds = 3 * 3600;
    p.seconds_per_level = 1103.0 / 11025;
    std::mt19937 rng(9);
    for (size_t i = 0; i < 80000; i++) p.fingerprint.hashes.push_back(static_cast<uint32_t>(rng()));
    for (size_t i = 0; i < 100000; i++) p.levels_db.push_back(-static_cast<float>(rng() % 1200) / 10);
    c.put_recording_print(target[0], p);
    const auto back = c.recording_prints("", true);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].print.fingerprint.hashes, p.fingerprint.hashes);
    EXPECT_EQ(back[0].print.levels_db, p.levels_db);
    EXPECT_TRUE(c.recording_prints("", false)[0].print.levels_db.empty());
    EXPECT_TRUE(c.analysis_targets(catalog::derived::recording_prints)[0].current);
    // A print longer than its recording is refused, not stored.
    p.fingerprint.duration_seconds = 60;
    EXPECT_THROW(c.put_recording_print(target[0], p), error);
}

TEST_F(recurring_test, damaged_prints_are_named_not_trusted) {
    const std::vector<std::pair<std::string, std::string>> damage = {
        {"UPDATE recording_prints SET hashes = X'0102030405' WHERE piece = 0", "a piece's size"},
        {"UPDATE recording_prints SET piece = 1 WHERE piece = 0", "a missing piece"},
        {"UPDATE recording_prints SET seconds_per_hash = 7", "its steps"},
        {"UPDATE recording_prints SET levels = CAST(X'0000c07f' || substr(levels, 5) AS BLOB)", "a level"},
    };
    for (const auto& [sql, what] : damage) {
        const fs::path copy = *dir_ / "damaged";
        fs::remove_all(copy);
        fs::copy(*dir_ / "lib", copy, fs::copy_options::recursive);
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((copy / "catalog.sqlite").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
        sqlite3_close(db);
        try {
            catalog(copy, catalog_open::read_only).recording_prints("", true);
            ADD_FAILURE() << "accepted: " << sql;
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::corrupt_file) << sql;
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(".wav"), std::string::npos) << e.what();
        }
    }
}

TEST_F(recurring_test, find_places_a_clip_mixed_under_a_bed_at_another_speed_by_its_fingerprint) {
    const find_report r = lib()->find_clip(*dir_ / "jingle.wav", *eng_, {});
    EXPECT_EQ(r.printed, 2u);
    size_t placed = 0;
    for (const occurrence& o : r.occurrences) {
        if (o.print_similarity == 0) continue;  // the vectors' own (the tiny model's)
        EXPECT_GE(o.print_similarity, 0.7);
        EXPECT_TRUE(o.match >= 0.5 || o.print_similarity >= same_recording_similarity) << o.match;
        bool near = false;
        for (const auto& [start, length] : playings.at(fs::path(o.path).filename().string()))
            near = near || std::fabs(o.start_seconds - start) <= 0.25;
        EXPECT_TRUE(near) << o.path << " " << o.start_seconds;
        placed += near;
    }
    EXPECT_EQ(placed, 6u);
    // Only the clip's own speed: the playings 3 % fast are left to the vectors.
    find_params one_speed;
    one_speed.max_speed_change = 0;
    size_t at_own = 0;
    for (const occurrence& o : lib()->find_clip(*dir_ / "jingle.wav", *eng_, one_speed).occurrences) at_own += o.print_similarity > 0;
    EXPECT_EQ(at_own, 4u);
    size_t other = 0;
    for (const occurrence& o : lib()->find_clip(*dir_ / "other.wav", *eng_, {}).occurrences) other += o.print_similarity > 0;
    EXPECT_EQ(other, 0u);
    find_params bad;
    bad.max_speed_change = 0.5;
    EXPECT_THROW(lib()->find_clip(*dir_ / "jingle.wav", *eng_, bad), error);
}

TEST_F(recurring_test, finds_the_jingle_with_every_playing_and_nothing_in_the_beds) {
    recurring_params p;
    p.excerpts_dir = (*dir_ / "excerpts").string();
    const recurring_report r = lib()->recurring(p);
    EXPECT_EQ(r.recordings, 2u);
    EXPECT_NEAR(r.hours, 300.0 / 3600, 1e-3);
    ASSERT_EQ(r.items.size(), 1u) << recurring_report_json(r, 1);
    const recurring_item& item = r.items[0];
    ASSERT_EQ(item.occurrences.size(), 6u) << recurring_report_json(r, 1);
    for (const recurring_occurrence& o : item.occurrences) {
        double overlap = 0;
        for (const auto& [start, length] : playings.at(fs::path(o.path).filename().string()))
            overlap = std::max(overlap, std::min(o.end_seconds, start + length) - std::max(o.start_seconds, start));
        EXPECT_GE(overlap, 4) << o.path << " " << o.start_seconds << "-" << o.end_seconds;
        EXPECT_GE(o.similarity, 0.8);
    }
    // The excerpt is the jingle: the same recording to Chromaprint.
    ASSERT_FALSE(item.excerpt.empty());
    const audio_fingerprint heard = fingerprint_file(item.excerpt);
    const audio_fingerprint jingle = fingerprint_file(*dir_ / "jingle.wav");
    EXPECT_GE(compare_fingerprints(heard, jingle, 3).similarity, 0.8);
    // A count no item reaches: none.
    p.min_count = 7;
    p.excerpts_dir.clear();
    EXPECT_TRUE(lib()->recurring(p).items.empty());
    p.min_count = 1;
    EXPECT_THROW(lib()->recurring(p), error);
}

TEST_F(recurring_test, needs_printed_segments_recordings) {
    const fs::path plain = *dir_ / "plain";
    {
        auto l = library::open(plain);
        index_params ip;
        ip.track.plan = segments_plan();
        ip.fingerprints = false;  // no prints
        l->index({*dir_ / "archive" / "a.wav"}, *eng_, ip);
    }
    try {
        library::open(plain, library::open_mode::read_only)->recurring({});
        ADD_FAILURE() << "found recurring material without prints";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_found);
        EXPECT_NE(std::string(e.what()).find("--windows segments"), std::string::npos) << e.what();
    }
}

TEST_F(recurring_test, the_cli_lists_items_as_csv_and_audacity_labels) {
    const std::string common = "recurring --library " + test::quoted(*dir_ / "lib") + " ";
    const auto csv = test::run_cli(common + "--csv");
    ASSERT_EQ(csv.code, 0) << csv.err;
    EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "item,path,start_seconds,end_seconds,similarity,id");
    EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 7);
    const auto labels = test::run_cli(common + "--audacity");
    ASSERT_EQ(labels.code, 0) << labels.err;
    const std::string first = labels.out.substr(0, labels.out.find('\n'));
    EXPECT_EQ(std::count(first.begin(), first.end(), '\t'), 2) << first;
    EXPECT_NE(first.find("item 1"), std::string::npos) << first;
    const auto help = test::run_cli("recurring --help");
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("example"), std::string::npos);
    const auto bad = test::run_cli(common + "--min-count 1");
    EXPECT_EQ(bad.code, 2) << bad.err;
}
