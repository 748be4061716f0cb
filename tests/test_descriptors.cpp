// Acoustic descriptors (sonavec/descriptors.h) against independent references made at test time:
// loudness against ffmpeg's own EBU R128 meter (the ebur128 filter) on files ffmpeg writes, tempo on a
// click track and key on chord progressions that sox synthesises, and the Camelot numbers of the
// published wheel. Also the edges (silence, a very short file, 5.1, corrupt and missing files) and
// `sonavec analyze` as a user runs it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli_run.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

using test::have_tool;

void run(const std::string& command) {
    const auto r = test::run_shell(command);
    ASSERT_EQ(r.code, 0) << command << "\n" << r.err;
}

// ffmpeg's ebur128 filter on the file: its closing summary's I (LUFS), LRA (LU) and true Peak (dBFS).
struct ffmpeg_loudness {
    double integrated = NAN, range = NAN, true_peak = NAN;
};

ffmpeg_loudness measure_with_ffmpeg(const fs::path& file) {
    const auto r = test::run_shell("ffmpeg -hide_banner -nostats -i " + test::quoted(file) +
                                   " -af ebur128=peak=true -f null -");
    ffmpeg_loudness m;
    const std::string& log = r.err;  // the filter reports on standard error
    const size_t summary = log.rfind("Summary:");
    if (r.code != 0 || summary == std::string::npos) {
        ADD_FAILURE() << "ffmpeg ebur128 gave no summary for " << file << ":\n" << log;
        return m;
    }
    auto value = [&](const std::string& label) {
        const size_t at = log.find(label, summary);
        return at == std::string::npos ? NAN : std::atof(log.c_str() + at + label.size());
    };
    m.integrated = value("I:");
    m.range = value("LRA:");
    m.true_peak = value("Peak:");
    return m;
}

// MIDI note to Hz (A4 = 69 = 440 Hz).
double midi_hz(int m) { return 440.0 * std::pow(2.0, (m - 69) / 12.0); }

class descriptors_test : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tool("ffmpeg") || !have_tool("sox")) GTEST_SKIP() << "ffmpeg and sox are needed";
        dir_ = test::scratch_dir() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::create_directories(dir_);
    }

    // Two tones per channel, quiet for 6 s and then 9.5 dB louder, so that there is a loudness range.
    fs::path loudness_file(const std::string& name, const std::string& layout, int channels, int rate, double gain_db) {
        std::string exprs;
        for (int k = 0; k < channels; ++k)
            exprs += std::string(k ? "|" : "") + "(0.2+0.4*gt(t\\,6))*sin(2*PI*" + std::to_string(220 + 110 * k) +
                     "*t)+0.1*sin(2*PI*" + std::to_string(3000 + 500 * k) + "*t)";
        const fs::path f = dir_ / name;
        run("ffmpeg -v error -y -f lavfi -i \"aevalsrc=exprs=" + exprs + ":c=" + layout + ":s=" + std::to_string(rate) +
            ":d=12\" -af volume=" + std::to_string(gain_db) + "dB -c:a pcm_s24le " + test::quoted(f));
        return f;
    }

    void expect_loudness_as_ffmpeg(const fs::path& f, int channels, int rate) {
        const track_descriptors d = analyze_file(f);
        const ffmpeg_loudness ff = measure_with_ffmpeg(f);
        EXPECT_EQ(d.channels, channels);
        EXPECT_EQ(d.sample_rate, rate);
        // ffmpeg prints one decimal: 0.05 of rounding plus what the meters may differ by.
        EXPECT_NEAR(d.loudness_lufs, ff.integrated, 0.1) << f;
        EXPECT_NEAR(d.loudness_range_lu, ff.range, 0.1) << f;
        EXPECT_NEAR(d.true_peak_dbtp, ff.true_peak, 0.1) << f;
    }

    // I-IV-V-I (major) or i-iv-V-i (minor, the dominant major as in harmonic minor): sawtooth triads over
    // a bass an octave below, 2 s a chord, twice; 44.1 kHz mono.
    fs::path progression(const std::string& name, int tonic, bool minor) {
        const int third = minor ? 3 : 4;
        const int chords[4][3] = {{0, third, 7}, {5, 5 + third, 12}, {7, 11, 14}, {0, third, 7}};
        std::string parts;
        for (int c = 0; c < 4; ++c) {
            const fs::path part = dir_ / (name + std::to_string(c) + ".wav");
            std::string synth = "synth 2 sawtooth " + std::to_string(midi_hz(48 + tonic + chords[c][0] - 12));
            for (int n : chords[c]) synth += " sawtooth " + std::to_string(midi_hz(60 + tonic + n));
            run("sox -n -r 44100 -c 4 " + test::quoted(part) + " " + synth + " vol 0.2 fade 0.01 2 0.02");
            parts += " " + test::quoted(part);
        }
        const fs::path f = dir_ / (name + ".wav");
        run("sox" + parts + parts + " " + test::quoted(f) + " remix -");
        return f;
    }

    fs::path random_bytes(const std::string& name) {
        std::mt19937 rng(7);
        std::string bytes(20000, '\0');
        for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
        const fs::path f = dir_ / name;
        test::write_file(f, bytes);
        return f;
    }

    fs::path dir_;
};

TEST_F(descriptors_test, loudness_equals_ffmpeg_ebur128_mono_44k) {
    expect_loudness_as_ffmpeg(loudness_file("mono.wav", "mono", 1, 44100, -14), 1, 44100);
}

TEST_F(descriptors_test, loudness_equals_ffmpeg_ebur128_stereo_48k) {
    expect_loudness_as_ffmpeg(loudness_file("stereo.wav", "stereo", 2, 48000, -3), 2, 48000);
}

TEST_F(descriptors_test, six_channels_are_metered_as_ffmpeg_meters_5_1) {
    expect_loudness_as_ffmpeg(loudness_file("surround.wav", "5.1", 6, 48000, -18), 6, 48000);
}

TEST_F(descriptors_test, click_track_at_120_bpm) {
    // A decaying 880 Hz blip every 0.5 s for 20 s.
    const fs::path f = dir_ / "click.wav";
    run("ffmpeg -v error -y -f lavfi -i \"aevalsrc=exprs=0.5*exp(-40*mod(t\\,0.5))*sin(2*PI*880*t):s=44100:d=20\" " +
        test::quoted(f));
    const track_descriptors d = analyze_file(f);
    std::printf("click track at 120 BPM: bpm %.2f (tracker %.2f, confidence %.2f)\n", d.bpm, d.bpm_raw,
                d.bpm_confidence);
    // The octave too: a click on every beat fits 120 (F 1) better than 60 or 240 (F 2/3).
    EXPECT_NEAR(d.bpm, 120, 0.04 * 120);
    EXPECT_GE(d.bpm, 60);
    EXPECT_LT(d.bpm, 200);
}

TEST_F(descriptors_test, c_major_progression) {
    const track_descriptors d = analyze_file(progression("c_major", 0, false));
    EXPECT_EQ(d.key, "C major");
    EXPECT_EQ(d.camelot, "8B");
    EXPECT_GT(d.key_confidence, 0);
    EXPECT_LE(d.key_confidence, 1);
}

TEST_F(descriptors_test, a_minor_progression) {
    const track_descriptors d = analyze_file(progression("a_minor", 9, true));
    EXPECT_EQ(d.key, "A minor");
    EXPECT_EQ(d.camelot, "8A");
}

TEST_F(descriptors_test, keys_found_on_several_threads_at_once_equal_the_keys_found_alone) {
    // An index run analyses files on several threads; qm-dsp 1.7.1's GetKeyMode rotates its key profiles,
    // which are shared by every instance, in place. Unguarded, the threads corrupt each other's profiles
    // (seen as A minor read as G# minor, and as a confidence that changed from run to run).
    const fs::path files[2] = {progression("a_minor", 9, true), progression("e_major", 4, false)};
    track_descriptors alone[2] = {analyze_file(files[0]), analyze_file(files[1])};
    ASSERT_EQ(alone[0].key, "A minor");
    ASSERT_EQ(alone[1].key, "E major");
    constexpr int threads = 4, rounds = 6;
    std::vector<track_descriptors> together(threads * rounds);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            for (int r = 0; r < rounds; ++r) together[static_cast<size_t>(t * rounds + r)] = analyze_file(files[t % 2]);
        });
    for (std::thread& w : workers) w.join();
    for (size_t i = 0; i < together.size(); ++i) {
        const track_descriptors& want = alone[(i / rounds) % 2];
        EXPECT_EQ(together[i].key, want.key) << i;
        EXPECT_EQ(together[i].key_confidence, want.key_confidence) << i;
    }
}

TEST(camelot, notation_follows_the_published_wheel) {
    // The Camelot wheel as Mixed In Key publishes it.
    const std::map<std::string, std::string> wheel = {
        {"B major", "1B"},   {"G# minor", "1A"}, {"F# major", "2B"},  {"Eb minor", "2A"}, {"Db major", "3B"},
        {"Bb minor", "3A"},  {"Ab major", "4B"}, {"F minor", "4A"},   {"Eb major", "5B"}, {"C minor", "5A"},
        {"Bb major", "6B"},  {"G minor", "6A"},  {"F major", "7B"},   {"D minor", "7A"},  {"C major", "8B"},
        {"A minor", "8A"},   {"G major", "9B"},  {"E minor", "9A"},   {"D major", "10B"}, {"B minor", "10A"},
        {"A major", "11B"},  {"F# minor", "11A"}, {"E major", "12B"}, {"C# minor", "12A"}};
    for (const auto& [key, expected] : wheel) EXPECT_EQ(camelot_notation(key), expected) << key;
    // Enharmonic spellings land on the same number.
    EXPECT_EQ(camelot_notation("Gb major"), "2B");
    EXPECT_EQ(camelot_notation("D# minor"), "2A");
    EXPECT_EQ(camelot_notation(""), "");
    EXPECT_EQ(camelot_notation("H major"), "");
    EXPECT_EQ(camelot_notation("C dorian"), "");
}

TEST_F(descriptors_test, silence_is_minus_infinity_without_a_beat_or_key) {
    const fs::path f = dir_ / "silence.wav";
    run("ffmpeg -v error -y -f lavfi -i anullsrc=r=44100:cl=stereo -t 5 " + test::quoted(f));
    const track_descriptors d = analyze_file(f);
    EXPECT_NEAR(d.duration_seconds, 5, 0.01);
    EXPECT_TRUE(std::isinf(d.loudness_lufs) && d.loudness_lufs < 0) << d.loudness_lufs;
    EXPECT_TRUE(std::isinf(d.true_peak_dbtp) && d.true_peak_dbtp < 0) << d.true_peak_dbtp;
    EXPECT_EQ(d.loudness_range_lu, 0);
    EXPECT_EQ(d.bpm, 0);
    EXPECT_EQ(d.energy, 0);
    EXPECT_FALSE(d.loop);
}

TEST_F(descriptors_test, a_fifth_of_a_second_is_analysed) {
    // Too short for a 400 ms gating block, but the true peak of a 0.5 sine is there: -6.02 dBTP.
    const fs::path f = dir_ / "short.wav";
    run("ffmpeg -v error -y -f lavfi -i \"aevalsrc=exprs=0.5*sin(2*PI*1000*t):s=44100:d=0.2\" -c:a pcm_f32le " +
        test::quoted(f));
    const track_descriptors d = analyze_file(f);
    EXPECT_NEAR(d.duration_seconds, 0.2, 0.005);
    EXPECT_NEAR(d.true_peak_dbtp, 20 * std::log10(0.5), 0.2);
    EXPECT_GE(d.energy, 0);
    EXPECT_LE(d.energy, 1);
}

TEST_F(descriptors_test, corrupt_and_missing_files_throw) {
    const fs::path bad = random_bytes("noise.wav");
    EXPECT_THROW(analyze_file(bad), sonavec::error);
    try {
        analyze_file(dir_ / "no_such_file.wav");
        ADD_FAILURE() << "a missing file was analysed";
    } catch (const sonavec::error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_found) << e.what();
    }
}

TEST_F(descriptors_test, analyze_command_reports_the_good_file_and_names_the_bad_one) {
    const fs::path folder = dir_ / "folder";
    fs::create_directories(folder);
    run("ffmpeg -v error -y -f lavfi -i \"aevalsrc=exprs=0.3*sin(2*PI*440*t):s=48000:d=3\" " +
        test::quoted(folder / "good.wav"));
    fs::rename(random_bytes("bad.wav"), folder / "bad.wav");

    const fs::path model = fs::path(SONAVEC_TEST_DATA) / "golden" / "model";
    const auto descriptors_only = test::run_cli("analyze --json --quiet --no-tags " + test::quoted(folder));
    EXPECT_EQ(descriptors_only.code, 1) << descriptors_only.err;
    const nlohmann::json plain = nlohmann::json::parse(descriptors_only.out);
    ASSERT_EQ(plain.size(), 1u);
    EXPECT_FALSE(plain[0].contains("tags"));
    const auto r = test::run_cli("analyze --json --quiet --model " + test::quoted(model) + " --taxonomy mood,sfx " +
                                 test::quoted(folder));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("bad.wav"), std::string::npos) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 1u) << r.out;
    const auto& g = j[0];
    EXPECT_NE(g.at("path").get<std::string>().find("good.wav"), std::string::npos);
    for (const char* key : {"bpm", "key", "camelot", "loudness_lufs", "loudness_range_lu", "true_peak_dbtp", "energy"})
        EXPECT_TRUE(g.contains(key)) << key;
    // A steady 0.3 sine: -10.46 dBFS peak, and its loudness as ffmpeg measures it.
    const ffmpeg_loudness ff = measure_with_ffmpeg(folder / "good.wav");
    EXPECT_NEAR(g.at("loudness_lufs").get<double>(), ff.integrated, 0.1);
    EXPECT_NEAR(g.at("true_peak_dbtp").get<double>(), ff.true_peak, 0.1);
    // The tags of `sonavec tag` on the same file.
    ASSERT_TRUE(g.contains("tags")) << r.out;
    const auto tagged = test::run_cli("tag --json --quiet --model " + test::quoted(model) + " --taxonomy mood,sfx " +
                                      test::quoted(folder / "good.wav"));
    ASSERT_EQ(tagged.code, 0) << tagged.err;
    const nlohmann::json expected = nlohmann::json::parse(tagged.out).at("tags");
    for (const char* t : {"mood", "sfx"}) {
        ASSERT_EQ(g["tags"][t].size(), 3u) << t;
        for (size_t i = 0; i < 3; i++) {
            EXPECT_EQ(g["tags"][t][i]["label"], expected[t][i]["label"]) << t << " " << i;
            EXPECT_NEAR(g["tags"][t][i]["probability"].get<double>(), expected[t][i]["probability"].get<double>(), 1e-6);
        }
    }
    const double energy = g.at("energy").get<double>();
    EXPECT_GE(energy, 0);
    EXPECT_LE(energy, 1);
}

TEST(analyze_command, help_exits_0_with_an_example) {
    const auto r = test::run_cli("analyze --help");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE((r.out + r.err).find("sonavec analyze"), std::string::npos);
}

}  // namespace
