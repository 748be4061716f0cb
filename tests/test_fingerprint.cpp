// Acoustic fingerprints (sonavec/fingerprint.h) on planted copies made at test time: music-like signals
// from a seeded generator (tests/support/music_signal.h), re-encoded by ffmpeg (mp3 128k and 320k, aac,
// flac), changed in gain, resampled, trimmed a second at either end, and pitch-shifted by sox. Copies
// of the same recording must match above same_recording_similarity at the offset the trim implies;
// other seeds and the pitch shift must not. Also the comparison's own rules and the error cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_run.h"
#include "music_signal.h"
#include "sonavec/error.h"
#include "sonavec/fingerprint.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

using test::have_tool;

constexpr double seconds = 20;

class fingerprint_test : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tool("ffmpeg") || !have_tool("sox")) GTEST_SKIP() << "ffmpeg and sox are needed";
        dir_ = test::scratch_dir() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::create_directories(dir_);
    }
    fs::path original(uint32_t seed) {
        const fs::path f = dir_ / ("orig" + std::to_string(seed) + ".wav");
        test::write_stereo_wav(f, test::music_signal(seed, seconds, 48000), 48000);
        return f;
    }
    fs::path ffmpeg(const fs::path& in, const std::string& name, const std::string& args) {
        const fs::path out = dir_ / name;
        const std::string cmd = "ffmpeg -v error -y -i " + test::quoted(in) + " " + args + " " + test::quoted(out);
        const auto r = test::run_shell(cmd);
        EXPECT_EQ(r.code, 0) << cmd << "\n" << r.err;
        return out;
    }
    fs::path dir_;
};

struct variant {
    const char* name;
    const char* args;
    double trim_start;  // seconds cut from the start: the offset expected
};
const variant variants[] = {
    {"mp3_128.mp3", "-c:a libmp3lame -b:a 128k", 0}, {"mp3_320.mp3", "-c:a libmp3lame -b:a 320k", 0},
    {"aac.m4a", "-c:a aac -b:a 192k", 0},           {"lossless.flac", "-c:a flac", 0},
    {"plus6.wav", "-af volume=6dB", 0},              {"minus6.wav", "-af volume=-6dB", 0},
    {"rate44k.wav", "-ar 44100", 0},                 {"trim_start.wav", "-ss 1", 1},
    {"trim_start_more.wav", "-ss 1.0619", 1.0619},  // 8.57 hashes: the worst alignment to the hash grid
    {"trim_end.wav", "-t 19", 0},
};

}  // namespace

TEST_F(fingerprint_test, copies_of_the_same_recording_match_at_the_trimmed_offset) {
    for (uint32_t seed : {11u, 12u, 13u}) {
        const fs::path orig = original(seed);
        const audio_fingerprint a = fingerprint_file(orig);
        EXPECT_NEAR(a.seconds_per_hash, 1365.0 / 11025, 1e-9);  // Chromaprint's step: a third of its 4096-sample frame at 11025 Hz
        EXPECT_NEAR(a.duration_seconds, seconds, 1e-3);
        // About one hash a step, less Chromaprint's window and filter context (a few seconds' worth at most).
        EXPECT_GT(a.hashes.size(), static_cast<size_t>((seconds - 3) / a.seconds_per_hash));
        EXPECT_LE(a.hashes.size(), static_cast<size_t>(seconds / a.seconds_per_hash));
        for (const variant& v : variants) {
            const fs::path copy = ffmpeg(orig, std::to_string(seed) + v.name, v.args);
            const fingerprint_match m = compare_fingerprints(a, fingerprint_file(copy));
            std::printf("seed %u %-15s similarity %.4f offset %d overlap %.1f s\n", seed, v.name, m.similarity,
                        m.offset, m.overlap_seconds);
            EXPECT_GE(m.similarity, same_recording_similarity) << seed << " " << v.name;
            EXPECT_NEAR(m.offset, v.trim_start / a.seconds_per_hash, 1.0) << seed << " " << v.name;
            EXPECT_GE(m.overlap_seconds, seconds - 5) << seed << " " << v.name;
        }
    }
}

TEST_F(fingerprint_test, other_recordings_and_a_pitch_shift_do_not_match) {
    const audio_fingerprint a = fingerprint_file(original(21));
    for (uint32_t seed : {22u, 23u, 24u, 25u}) {
        const fingerprint_match m = compare_fingerprints(a, fingerprint_file(original(seed)));
        std::printf("seeds 21/%u similarity %.4f offset %d\n", seed, m.similarity, m.offset);
        EXPECT_LT(m.similarity, same_recording_similarity) << seed;
        EXPECT_GT(m.similarity, 0.3) << seed;  // unrelated audio agrees on about half the bits, not none
    }
    // A semitone up (sox pitch 100, tempo kept): a variant for tier 3, never "the same".
    const fs::path shifted = dir_ / "pitch.wav";
    const std::string cmd = "sox " + test::quoted(dir_ / "orig21.wav") + " " + test::quoted(shifted) + " pitch 100";
    ASSERT_EQ(test::run_shell(cmd).code, 0) << cmd;
    const fingerprint_match p = compare_fingerprints(a, fingerprint_file(shifted));
    std::printf("pitch +100 cents similarity %.4f offset %d\n", p.similarity, p.offset);
    EXPECT_LT(p.similarity, same_recording_similarity);
}

TEST_F(fingerprint_test, a_long_file_decoded_in_pieces_gives_the_hashes_of_its_samples) {
    // 70 s at Chromaprint's own 11025 Hz: fingerprint_file decodes it in 30 s pieces; a gap or overlap
    // where they join would shift every later hash. The samples themselves, as the WAV holds them.
    const int rate = 11025;
    std::vector<float> x = test::music_signal(41, 70, rate);
    for (float& v : x) v = static_cast<float>(std::lrint(v * 32767.0f)) / 32767.0f;
    const fs::path f = dir_ / "long.wav";
    test::write_stereo_wav(f, x, rate);
    const audio_fingerprint from_file = fingerprint_file(f);
    const audio_fingerprint from_samples = fingerprint_samples(x.data(), x.size() / 2, 2, rate);
    EXPECT_NEAR(from_file.duration_seconds, 70, 1e-3);
    ASSERT_EQ(from_file.hashes.size(), from_samples.hashes.size());
    const fingerprint_match m = compare_fingerprints(from_file, from_samples, 0);
    EXPECT_GE(m.similarity, 0.999);
    // Only the first 40 s when asked.
    EXPECT_NEAR(fingerprint_file(f, 40).duration_seconds, 40, 1e-3);
}

TEST(fingerprint_compare, offset_overlap_and_bit_errors_on_planted_hashes) {
    // b is a[5..] with every hash's lowest 4 bits flipped: offset 5, 28 of 32 bits agree.
    audio_fingerprint a, b;
    a.seconds_per_hash = b.seconds_per_hash = 0.1;
    uint32_t x = 12345;
    for (int i = 0; i < 400; i++) a.hashes.push_back(x = x * 1664525u + 1013904223u);
    for (int i = 5; i < 400; i++) b.hashes.push_back(a.hashes[static_cast<size_t>(i)] ^ 0xFu);
    fingerprint_match m = compare_fingerprints(a, b);
    EXPECT_EQ(m.offset, 5);
    EXPECT_DOUBLE_EQ(m.similarity, 28.0 / 32.0);
    EXPECT_NEAR(m.overlap_seconds, 39.5, 1e-9);
    // The other way round the offset changes sign.
    m = compare_fingerprints(b, a);
    EXPECT_EQ(m.offset, -5);
    EXPECT_DOUBLE_EQ(m.similarity, 28.0 / 32.0);
    // Outside the offset range allowed, the true alignment is not found.
    EXPECT_LT(compare_fingerprints(a, b, 0.4).similarity, 0.6);
    // An offset that leaves less than half of the shorter (or under 10 s) overlapping does not count:
    // b's first 60 hashes at the end of a 100-hash a overlap only 60 hashes (6 s < 10 s) at best.
    audio_fingerprint c, d;
    c.seconds_per_hash = d.seconds_per_hash = 0.1;
    c.hashes.assign(a.hashes.begin(), a.hashes.begin() + 200);
    d.hashes.assign(a.hashes.begin() + 150, a.hashes.begin() + 350);  // 50 hashes (5 s) in common, offset 150
    m = compare_fingerprints(c, d, 20);
    EXPECT_NE(m.offset, 150);
    EXPECT_LT(m.similarity, 0.6);
    // A step so small that 10 s would be more hashes than there are: the whole shorter one must overlap.
    audio_fingerprint f = a, g = b;
    f.seconds_per_hash = g.seconds_per_hash = 1e-300;
    m = compare_fingerprints(f, g);
    EXPECT_EQ(m.offset, 5);
    EXPECT_DOUBLE_EQ(m.similarity, 28.0 / 32.0);
    // Nothing to compare.
    EXPECT_EQ(compare_fingerprints(a, audio_fingerprint{}).similarity, 0.0);
    // Different steps or a bad range are the caller's error.
    audio_fingerprint e = b;
    e.seconds_per_hash = 0.2;
    try {
        compare_fingerprints(a, e);
        FAIL() << "different steps compared";
    } catch (const error& err) {
        EXPECT_EQ(err.kind(), error_kind::invalid_input);
    }
    EXPECT_THROW(compare_fingerprints(a, b, -1), error);
}

TEST_F(fingerprint_test, errors_for_missing_files_non_audio_and_bad_lengths) {
    try {
        fingerprint_file(dir_ / "missing.flac");
        FAIL() << "a missing file was fingerprinted";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_found) << e.what();
    }
    const fs::path text = dir_ / "notes.mp3";
    std::ofstream(text) << "these are not the sounds you are looking for\n";
    try {
        fingerprint_file(text);
        FAIL() << "a text file was fingerprinted";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::corrupt_file) << e.what();
    }
    const fs::path orig = original(31);
    for (double bad : {0.0, -1.0, 4000.0, std::nan("")}) {
        try {
            fingerprint_file(orig, bad);
            FAIL() << "max_seconds " << bad << " accepted";
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_input);
        }
    }
    // max_seconds bounds what is read; a clip under Chromaprint's window has no hashes but is no error.
    EXPECT_NEAR(fingerprint_file(orig, 5).duration_seconds, 5, 1e-3);
    EXPECT_TRUE(fingerprint_file(orig, 0.5).hashes.empty());
}
