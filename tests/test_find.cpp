// Moments inside long recordings (sonavec/find.h): the segments plan, the compact window vectors, and a
// clip found at its own times in a recording made here, through the public API and the CLI.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "library/segment_codes.h"
#include "sonavec/error.h"
#include "sonavec/library.h"
#include "support/cli_run.h"
#include "support/music_signal.h"
#include "support/test_data.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

constexpr int rate = 48000;

std::string listed(const find_report& r) {
    std::string s = "threshold " + std::to_string(r.threshold) + ":";
    for (const occurrence& o : r.occurrences)
        s += " [" + std::to_string(o.start_seconds) + " s, score " + std::to_string(o.score) + ", match " +
             std::to_string(o.match) + "]";
    return s;
}

// The recording: a bed of brown noise with the jingle (seed 7, 3 s)
// laid over it at `at` seconds, the second time 6 dB quieter: a broadcast's ident in its show.
void write_show(const fs::path& path, const std::vector<double>& at, double seconds) {
    std::mt19937 rng(3);
    std::normal_distribution<float> n(0, 1);
    std::vector<float> bed(2 * static_cast<size_t>(seconds * rate));
    float low = 0;
    for (size_t i = 0; i < bed.size(); i += 2) {
        low = 0.995f * low + 0.005f * n(rng);  // RMS 0.05
        bed[i] = bed[i + 1] = low;
    }
    const std::vector<float> jingle = test::music_signal(7, 3, rate);
    for (size_t k = 0; k < at.size(); k++) {
        const auto first = static_cast<size_t>(at[k] * rate) * 2;
        const float gain = k == 1 ? 0.5f : 1.0f;
        // Spliced in, not mixed: the golden model is a tiny random one that tells a clip from the same clip
        // under noise poorly (BENCHMARKS.md measures noise and speed changes with the full-size model).
        for (size_t i = 0; i < jingle.size() && first + i < bed.size(); i++) bed[first + i] = gain * jingle[i];
    }
    test::write_stereo_wav(path, bed, rate);
}

class find_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new fs::path(test::scratch_dir() / "find");
        fs::remove_all(*dir_);
        fs::create_directories(*dir_ / "archive");
        write_show(*dir_ / "archive" / "show.wav", {20.0, 61.5}, 90);
        test::write_stereo_wav(*dir_ / "jingle.wav", test::music_signal(7, 3, rate), rate);
        test::write_stereo_wav(*dir_ / "other.wav", test::music_signal(11, 3, rate), rate);
        eng_ = test::golden_engine(2).release();
        auto lib = library::open(*dir_ / "lib");
        index_params ip;
        ip.track.plan = segments_plan();
        ip.fingerprints = false;
        const index_report r = lib->index({*dir_ / "archive"}, *eng_, ip);
        ASSERT_TRUE(r.complete());
    }
    static void TearDownTestSuite() {
        delete eng_;
        delete dir_;
    }
    static std::unique_ptr<library> lib() { return library::open(*dir_ / "lib", library::open_mode::read_only); }
    // What finding the jingle in the library at `dir` throws (a test failure when it throws nothing).
    static error find_error(const fs::path& dir) {
        try {
            library::open(dir, library::open_mode::read_only)->find_clip(*dir_ / "jingle.wav", *eng_, {});
        } catch (const error& e) {
            return e;
        }
        ADD_FAILURE() << "found moments in " << dir;
        return error(error_kind::invalid_input, "none");
    }

    static fs::path* dir_;
    static engine* eng_;
};
fs::path* find_test::dir_ = nullptr;
engine* find_test::eng_ = nullptr;

}  // namespace

TEST(segments_plan, lays_ten_second_windows_every_five_over_the_whole_recording) {
    window_plan_params p = segments_plan();
    p.max_window_seconds = 10;
    EXPECT_EQ(p.max_seconds, max_analysed_seconds);
    const auto w = plan_windows(p, 3 * 3600.0);  // longer than any other plan's default analyses
    ASSERT_EQ(w.size(), 3u * 720 - 1);           // the last start, 10795 s, would lie inside the one before
    EXPECT_DOUBLE_EQ(w[1].start_seconds, 5.0);
    EXPECT_DOUBLE_EQ(w.back().start_seconds, 3 * 3600.0 - 10);
    EXPECT_DOUBLE_EQ(w.back().length_seconds, 10.0);
    p.hop_seconds = 2;
    EXPECT_DOUBLE_EQ(plan_windows(p, 30)[1].start_seconds, 2.0);
    EXPECT_EQ(parse_window_plan_kind("segments"), window_plan_kind::segments);
}

TEST(segment_codes, int8_codes_keep_each_value_within_half_a_step_of_the_difference) {
    std::mt19937 rng(5);
    std::normal_distribution<float> n(0, 0.05f);
    std::vector<float> v(512), centre(512), back(512);
    for (size_t i = 0; i < v.size(); i++) {
        centre[i] = n(rng);
        v[i] = centre[i] + 0.1f * n(rng);  // a window near its recording's vector
    }
    const std::vector<unsigned char> blob = int8_code_blob(v.data(), centre.data(), 512);
    ASSERT_EQ(blob.size(), 516u);
    ASSERT_TRUE(decode_int8_blob(blob.data(), blob.size(), centre.data(), 512, back.data()));
    float peak = 0;
    for (size_t i = 0; i < v.size(); i++) peak = std::max(peak, std::fabs(v[i] - centre[i]));
    for (size_t i = 0; i < v.size(); i++) EXPECT_LE(std::fabs(back[i] - v[i]), peak / 127 / 2 * 1.001f + 1e-7f);
    EXPECT_FALSE(decode_int8_blob(blob.data(), blob.size() - 1, centre.data(), 512, back.data()));  // cut
    std::vector<unsigned char> bad = blob;
    const float nan = std::nanf("");
    std::memcpy(bad.data(), &nan, 4);
    EXPECT_FALSE(decode_int8_blob(bad.data(), bad.size(), centre.data(), 512, back.data()));
    EXPECT_EQ(half_to_float(float_to_half(0.125f)), 0.125f);
}

TEST_F(find_test, stores_compact_windows_that_agree_with_the_float_ones) {
    const auto e = lib()->find_file(*dir_ / "archive" / "show.wav", true);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->window_plan, "segments");
    ASSERT_EQ(e->windows.size(), 17u);  // 0, 5, ..., 80 s: the window at 80 s ends the 90 s recording
    track_embed_params tp;
    tp.plan = segments_plan();
    const track_embedding t = embed_track(*eng_, *dir_ / "archive" / "show.wav", tp);
    ASSERT_EQ(t.windows.size(), e->windows.size());
    for (size_t i = 0; i < t.windows.size(); i++) {
        EXPECT_DOUBLE_EQ(e->windows[i].start_seconds, t.windows[i].start_seconds);
        double dot = 0, n = 0;
        for (size_t j = 0; j < t.windows[i].vector.size(); j++) {
            dot += double(e->windows[i].vector[j]) * t.windows[i].vector[j];
            n += double(e->windows[i].vector[j]) * e->windows[i].vector[j];
        }
        EXPECT_GT(dot / std::sqrt(n), 0.999) << "window " << i;
    }
}

TEST_F(find_test, finds_a_clip_at_its_own_times_and_nothing_else) {
    const find_report r = lib()->find_clip(*dir_ / "jingle.wav", *eng_, {});
    EXPECT_EQ(r.windows, 17u);
    EXPECT_EQ(r.files, 1u);
    EXPECT_DOUBLE_EQ(r.query_seconds, 3.0);
    ASSERT_EQ(r.occurrences.size(), 2u) << listed(r);
    std::vector<double> starts = {r.occurrences[0].start_seconds, r.occurrences[1].start_seconds};
    std::sort(starts.begin(), starts.end());
    EXPECT_NEAR(starts[0], 20.0, 0.5);
    EXPECT_NEAR(starts[1], 61.5, 0.5);
    for (const occurrence& o : r.occurrences) {
        EXPECT_NEAR(o.end_seconds - o.start_seconds, 3.0, 1e-9);
        EXPECT_GE(o.score, r.threshold);
        EXPECT_GE(o.sigmas, 5.0);
    }
}

TEST_F(find_test, a_clip_that_never_plays_is_not_found) {
    const find_report r = lib()->find_clip(*dir_ / "other.wav", *eng_, {});
    EXPECT_TRUE(r.occurrences.empty()) << listed(r);
}

TEST_F(find_test, without_refinement_reports_the_stored_windows_that_hold_the_clip) {
    find_params p;
    p.refine = false;
    const find_report r = lib()->find_clip(*dir_ / "jingle.wav", *eng_, p);
    ASSERT_FALSE(r.occurrences.empty());
    for (const occurrence& o : r.occurrences) {
        EXPECT_DOUBLE_EQ(o.end_seconds - o.start_seconds, 10.0);
        const bool holds_one = (o.start_seconds <= 20.0 && o.end_seconds >= 23.0) ||
                               (o.start_seconds <= 61.5 && o.end_seconds >= 64.5);
        EXPECT_TRUE(holds_one) << o.start_seconds;
    }
}

TEST_F(find_test, refuses_a_library_without_segments_and_bad_parameters) {
    const fs::path plain = *dir_ / "plain";
    {
        auto lib = library::open(plain);
        index_params ip;
        ip.fingerprints = false;
        lib->index({*dir_ / "archive"}, *eng_, ip);  // the seed plan: no segments kept
    }
    const error refused = find_error(plain);
    EXPECT_EQ(refused.kind(), error_kind::not_found);
    EXPECT_NE(std::string(refused.what()).find("--windows segments"), std::string::npos) << refused.what();
    find_params p;
    p.min_score = 2;
    EXPECT_THROW(lib()->find_clip(*dir_ / "jingle.wav", *eng_, p), error);
    EXPECT_THROW(lib()->find_text("", *eng_, {}), error);
}

TEST_F(find_test, a_damaged_compact_window_is_named_not_trusted) {
    const fs::path copy = *dir_ / "damaged";
    fs::remove_all(copy);
    fs::copy(*dir_ / "lib", copy, fs::copy_options::recursive);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((copy / "catalog.sqlite").c_str(), &db), SQLITE_OK);
    // A NaN scale (0x7fc00000, little-endian) in front of the codes.
    ASSERT_EQ(sqlite3_exec(db, "UPDATE windows SET vector = CAST(X'0000c07f' || substr(vector, 5) AS BLOB) WHERE ordinal = 3",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    const error refused = find_error(copy);
    EXPECT_EQ(refused.kind(), error_kind::corrupt_file);
    EXPECT_NE(std::string(refused.what()).find("show.wav"), std::string::npos) << refused.what();
}

TEST_F(find_test, the_cli_writes_csv_and_audacity_labels) {
    const std::string common = "find --library " + test::quoted(*dir_ / "lib") + " --model " +
                               test::quoted(test::golden_dir() / "model") + " ";
    const auto csv = test::run_cli(common + "--csv " + test::quoted(*dir_ / "jingle.wav"));
    ASSERT_EQ(csv.code, 0) << csv.err;
    EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "path,start_seconds,end_seconds,score,sigmas,id");
    EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);
    const auto labels = test::run_cli(common + "--audacity " + test::quoted(*dir_ / "jingle.wav"));
    ASSERT_EQ(labels.code, 0) << labels.err;
    // By time: start, end and label, tab-separated, one moment a line.
    const std::string first = labels.out.substr(0, labels.out.find('\n'));
    const double start = std::stod(first.substr(0, first.find('\t')));
    EXPECT_NEAR(start, 20.0, 0.5);
    EXPECT_EQ(std::count(first.begin(), first.end(), '\t'), 2) << first;
    EXPECT_EQ(first.substr(first.rfind('\t') + 1, 6), "score ");
    const auto bad = test::run_cli(common + "--min-score 7 " + test::quoted(*dir_ / "jingle.wav"));
    EXPECT_EQ(bad.code, 2) << bad.err;
    EXPECT_NE(bad.err.find("--min-score"), std::string::npos);
}
