// embed_samples against embed_track: a file made by sox at test time, and its samples read back by sox
// as raw float, give the same vector, windows and duration (bit for bit: both resample through the same
// soxr settings from the same start grid). Bad buffers and rates are error_kind::invalid_input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "cli_run.h"
#include "sonavec/error.h"
#include "sonavec/track.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

const engine& golden_engine() {
    static const std::unique_ptr<engine> eng = [] {
        engine_params p = engine_default_params();
        p.model_dir = test::golden_dir() / "model";
        p.threads = 2;
        return engine::open(p);
    }();
    return *eng;
}

void shell(const std::string& command) {
    const auto r = test::run_shell(command);
    ASSERT_EQ(r.code, 0) << command << "\n" << r.err;
}

// A 16-bit mono WAV at `rate` made by sox (a sweep over a noise floor, so every window differs), and its
// samples as sox converts them to 32-bit float.
struct sox_clip {
    fs::path wav;
    std::vector<float> samples;
};

sox_clip make_clip(int rate, double seconds, const std::string& name) {
    sox_clip c;
    c.wav = test::scratch_dir() / (name + ".wav");
    const fs::path raw = test::scratch_dir() / (name + ".f32");
    shell("sox -n -r " + std::to_string(rate) + " -c 1 -b 16 " + test::quoted(c.wav) + " synth " +
          std::to_string(seconds) + " sine 110-3520 synth pinknoise mix vol 0.5");
    shell("sox " + test::quoted(c.wav) + " -t raw -e floating-point -b 32 " + test::quoted(raw));
    const std::string bytes = test::read_file(raw);
    c.samples.resize(bytes.size() / sizeof(float));
    std::memcpy(c.samples.data(), bytes.data(), c.samples.size() * sizeof(float));
    return c;
}

void expect_same_embedding(const track_embedding& file, const track_embedding& memory, const std::string& what) {
    ASSERT_EQ(file.vector.size(), memory.vector.size()) << what;
    EXPECT_EQ(std::memcmp(file.vector.data(), memory.vector.data(), file.vector.size() * sizeof(float)), 0)
        << what << ": vectors differ";
    ASSERT_EQ(file.windows.size(), memory.windows.size()) << what;
    for (size_t i = 0; i < file.windows.size(); i++) {
        EXPECT_EQ(file.windows[i].start_seconds, memory.windows[i].start_seconds) << what << " window " << i;
        EXPECT_EQ(file.windows[i].length_seconds, memory.windows[i].length_seconds) << what << " window " << i;
        EXPECT_EQ(file.windows[i].vector, memory.windows[i].vector) << what << " window " << i;
    }
    EXPECT_NEAR(file.info.duration_seconds, memory.info.duration_seconds, 1e-9) << what;
}

track_embed_params plan(window_plan_kind kind, std::optional<double> window = {}, std::optional<double> hop = {}) {
    track_embed_params p;
    p.plan.kind = kind;
    p.plan.window_seconds = window;
    p.plan.hop_seconds = hop;
    p.keep_window_vectors = true;
    return p;
}

}  // namespace

TEST(embed_samples, equals_embed_track_of_the_same_44k_file_bit_for_bit) {
    const sox_clip clip = make_clip(44100, 23.3, "sweep44k");
    ASSERT_EQ(clip.samples.size(), static_cast<size_t>(std::llround(23.3 * 44100)));
    const engine& eng = golden_engine();
    const std::pair<std::string, track_embed_params> plans[] = {
        {"seed", plan(window_plan_kind::seed)},
        {"full hop 2.7", plan(window_plan_kind::full, 4.0, 2.7)},
        {"first", plan(window_plan_kind::first)},
    };
    for (const auto& [name, params] : plans) {
        const track_embedding file = embed_track(eng, clip.wav, params);
        const track_embedding memory = embed_samples(eng, clip.samples, 44100, params);
        EXPECT_GT(file.windows.size(), name == "first" ? 0u : 2u) << name;
        expect_same_embedding(file, memory, name);
        EXPECT_EQ(memory.info.sample_rate, 44100);
        EXPECT_EQ(memory.info.channels, 1);
        EXPECT_TRUE(memory.path.empty());
    }
}

TEST(embed_samples, equals_embed_track_at_the_engine_rate_and_for_a_clip_shorter_than_a_window) {
    const engine& eng = golden_engine();
    for (const auto& [rate, seconds] : {std::pair{48000, 12.0}, std::pair{22050, 2.5}, std::pair{8000, 9.1}}) {
        const std::string name = std::to_string(rate) + "Hz";
        const sox_clip clip = make_clip(rate, seconds, "clip" + name);
        const track_embed_params params = plan(window_plan_kind::seed);
        expect_same_embedding(embed_track(eng, clip.wav, params), embed_samples(eng, clip.samples, rate, params), name);
    }
}

TEST(embed_samples, resampled_rates_give_nearly_the_same_vector) {
    // The same sound at 44.1 kHz and at 48 kHz: different resampler paths, nearly the same direction
    // (the only difference is what the 44.1 kHz file cannot hold above 22 kHz and the resampler's own error).
    const engine& eng = golden_engine();
    const sox_clip a = make_clip(44100, 8, "same44k");
    const fs::path wav48 = test::scratch_dir() / "same48k.wav";
    shell("sox " + test::quoted(a.wav) + " -r 48000 " + test::quoted(wav48));
    const track_embed_params params = plan(window_plan_kind::seed);
    const auto x = embed_samples(eng, a.samples, 44100, params);
    const auto y = embed_track(eng, wav48, params);
    EXPECT_GT(test::cosine(x.vector.data(), y.vector.data(), x.vector.size()), 0.999);
}

TEST(embed_samples, bad_buffers_and_rates_are_invalid_input) {
    const engine& eng = golden_engine();
    const std::vector<float> ok(48000, 0.25f);
    const track_embed_params params;
    auto expect_invalid = [&](std::span<const float> s, int rate, const std::string& words) {
        try {
            embed_samples(eng, s, rate, params);
            ADD_FAILURE() << "no error for: " << words;
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
        }
    };
    expect_invalid({}, 48000, "empty");
    expect_invalid(ok, 7999, "7999 Hz is out of range");
    expect_invalid(ok, 384001, "384001 Hz is out of range");
    expect_invalid(ok, 0, "0 Hz is out of range");
    std::vector<float> nan = ok;
    nan[1234] = std::numeric_limits<float>::quiet_NaN();
    expect_invalid(nan, 48000, "sample 1234 is not a finite number");
    std::vector<float> inf = ok;
    inf.back() = -std::numeric_limits<float>::infinity();
    expect_invalid(inf, 48000, "sample 47999");
    track_embed_params bad_window;
    bad_window.plan.window_seconds = 0.1;
    try {
        embed_samples(eng, ok, 48000, bad_window);
        ADD_FAILURE() << "no error for a 0.1 s window";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
    }
    EXPECT_EQ(embed_samples(eng, ok, 8000, params).vector.size(), static_cast<size_t>(eng.dim()));
    EXPECT_EQ(embed_samples(eng, ok, 384000, params).vector.size(), static_cast<size_t>(eng.dim()));
}
