// The tempo octave choice (descriptors/tempo_octave.h) on accent functions with planted pulses, and on
// drum signals made here whose tempo is known: the tracker may read an octave off, the choice must not.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "descriptors/tempo_octave.h"
#include "sonavec/descriptors.h"

using namespace sonavec;

namespace {

constexpr double fps = 100;  // accent frames per second in the planted tests

// Accents of 1 every period frames (from first), weak ones half-way when weak > 0.
std::vector<float> pulses(size_t frames, double period, double weak = 0, double first = 0) {
    std::vector<float> a(frames, 0.0f);
    for (double x = first; x < static_cast<double>(frames); x += period) {
        a[static_cast<size_t>(std::lround(x)) % frames] = 1.0f;
        const size_t h = static_cast<size_t>(std::lround(x + period / 2));
        if (weak > 0 && h < frames) a[h] = static_cast<float>(weak);
    }
    return a;
}

constexpr double pi = 3.14159265358979323846;

// A bass drum (a sine falling from 150 to 50 Hz) on every beat and a quiet hi-hat (differenced noise)
// half-way, as a four-on-the-floor pattern.
std::vector<float> kick_and_hat(double bpm, double seconds, int rate) {
    std::vector<float> x(static_cast<size_t>(seconds * rate), 0.0f);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1, 1);
    const double beat = 60.0 / bpm;
    for (double t0 = 0; t0 < seconds; t0 += beat) {
        const size_t at = static_cast<size_t>(t0 * rate);
        double phase = 0;
        for (size_t i = 0; i < static_cast<size_t>(0.3 * rate) && at + i < x.size(); ++i) {
            const double t = static_cast<double>(i) / rate;
            phase += 2 * pi * (50 + 100 * std::exp(-t * 30)) / rate;
            x[at + i] += 0.8f * static_cast<float>(std::sin(phase) * std::exp(-t * 12));
        }
        const size_t hat = static_cast<size_t>((t0 + beat / 2) * rate);
        float prev = 0;
        for (size_t i = 0; i < static_cast<size_t>(0.05 * rate) && hat + i < x.size(); ++i) {
            const float n = u(rng);
            x[hat + i] += 0.15f * (n - prev) * static_cast<float>(std::exp(-60.0 * i / rate));
            prev = n;
        }
    }
    return x;
}

}  // namespace

TEST(tempo_prior, log_normal_around_120_bpm) {
    EXPECT_DOUBLE_EQ(tempo_prior(120), 1.0);
    EXPECT_NEAR(tempo_prior(60), std::exp(-0.5), 1e-12);
    EXPECT_NEAR(tempo_prior(240), std::exp(-0.5), 1e-12);
    EXPECT_NEAR(tempo_prior(30), std::exp(-2.0), 1e-12);
    EXPECT_EQ(tempo_prior(0), 0);
}

TEST(pulse_fit, the_planted_period_fits_best) {
    const std::vector<float> a = pulses(2000, 40);
    EXPECT_NEAR(pulse_fit(a, 40), 1.0, 1e-9);
    // Twice the period misses every other pulse (recall 1/2); half the period hits empty places half
    // the time (precision 1/2): F = 2/3 both ways.
    EXPECT_NEAR(pulse_fit(a, 80), 2.0 / 3.0, 0.01);
    EXPECT_NEAR(pulse_fit(a, 20), 2.0 / 3.0, 0.01);
    EXPECT_LT(pulse_fit(a, 40 * 2.0 / 3.0), 0.5);
    // Too few periods, no accent, a period under two frames: nothing to fit.
    EXPECT_EQ(pulse_fit(pulses(100, 40), 40), 0);
    EXPECT_EQ(pulse_fit(std::vector<float>(2000, 0.0f), 40), 0);
    EXPECT_EQ(pulse_fit(a, 1), 0);
}

TEST(choose_tempo_octave, corrects_a_tracker_an_octave_or_a_third_off) {
    // Beats at 150 BPM (40 frames at 100 frames a second) with weak off-beats.
    const std::vector<float> a = pulses(3000, 40, 0.2);
    for (double raw : {75.0, 150.0, 300.0, 100.0, 225.0})
        EXPECT_NEAR(choose_tempo_octave(a, fps, raw, 60, 200), 150, 1e-9) << raw;
}

TEST(choose_tempo_octave, the_fit_outweighs_the_prior_until_the_levels_tie) {
    // Every beat equal at 190 BPM: the prior favours 95, the fit (1 against 2/3) 190.
    const double period = 60 * fps / 190;
    EXPECT_NEAR(choose_tempo_octave(pulses(3000, period), fps, 95, 60, 200), 190, 1e-9);
    // Strong beats at 60 BPM with off-beats as strong as them: that is a 120 BPM pulse.
    EXPECT_NEAR(choose_tempo_octave(pulses(3000, 100, 1.0), fps, 60, 60, 200), 120, 1e-9);
}

TEST(choose_tempo_octave, folds_when_the_accents_say_nothing) {
    const std::vector<float> silence(3000, 0.0f);
    EXPECT_NEAR(choose_tempo_octave(silence, fps, 250, 60, 200), 125, 1e-9);
    EXPECT_NEAR(choose_tempo_octave(silence, fps, 50, 60, 200), 100, 1e-9);
    EXPECT_EQ(choose_tempo_octave(silence, fps, 0, 60, 200), 0);
    EXPECT_EQ(choose_tempo_octave(silence, fps, std::nan(""), 60, 200), 0);
}

TEST(choose_tempo_octave, a_tempo_on_the_range_edge_stays_a_candidate) {
    // 200 BPM read a hair high by the tracker, an octave down: 200.02 is inside the range widened by 1 %.
    const std::vector<float> a = pulses(6000, 30, 0.1);
    EXPECT_NEAR(choose_tempo_octave(a, fps, 100.01, 60, 200), 200.02, 1e-9);
    // The prior's pull: a clean pulse at 60 BPM fits 120 with F = 2/3, and 2/3 > exp(-0.5), so it
    // reads 120 (the octave the prior prefers when nothing between the beats says otherwise).
    EXPECT_NEAR(choose_tempo_octave(pulses(6000, 100), fps, 60, 60, 200), 120, 1e-9);
}

TEST(beat_accent_meter, kicks_are_accents_and_hats_are_not) {
    const int rate = 44100;
    const double bpm = 100;
    const std::vector<float> x = kick_and_hat(bpm, 10, rate);
    beat_accent_meter m(rate, 512);
    m.add(x.data(), x.size());
    const std::vector<float> a = m.accents();
    ASSERT_EQ(a.size(), x.size() / 512);
    const double beat_frames = 60.0 / bpm * m.frames_per_second();
    double on = 0, off = 0;
    int n = 0;
    for (double b = 0; (b + 1) * beat_frames < static_cast<double>(a.size()); ++b, ++n) {
        const auto peak = [&](double at) {
            const long c = std::lround(at);
            float p = 0;
            for (long j = c - 1; j <= c + 1; ++j) if (j >= 0) p = std::max(p, a[static_cast<size_t>(j)]);
            return p;
        };
        on += peak(b * beat_frames);
        off += peak((b + 0.5) * beat_frames);
    }
    EXPECT_GT(on / n, 0.8);
    EXPECT_LT(off / n, 0.2);
}

TEST(analyze_samples, four_on_the_floor_keeps_its_octave_at_both_ends_of_the_range) {
    // QM reads these an octave off when it folds alone (BENCHMARKS.md): 80 as 160, 180 as 90.
    const int rate = 44100;
    for (double bpm : {80.0, 180.0}) {
        const std::vector<float> x = kick_and_hat(bpm, 20, rate);
        const track_descriptors d = analyze_samples(x.data(), x.size(), 1, rate);
        EXPECT_NEAR(d.bpm, bpm, 0.04 * bpm) << "raw " << d.bpm_raw;
    }
}

TEST(choose_tempo_octave, a_tracker_a_percent_off_over_a_long_track_keeps_its_octave) {
    // 3 minutes at 124 BPM (weak off-beats) read as 125.4 (aubio's reading of such a track): one rigid
    // grid at 125.4 slides off the beats, the windows of local_pulse_fit follow them.
    const std::vector<float> a = pulses(18000, 60 * fps / 124, 0.2);
    const double raw_period = 60 * fps / 125.4;
    EXPECT_GT(local_pulse_fit(a, raw_period), 0.9);
    EXPECT_LT(pulse_fit(a, raw_period), 0.5);
    EXPECT_NEAR(choose_tempo_octave(a, fps, 125.4, 60, 200), 125.4, 1e-9);
}
