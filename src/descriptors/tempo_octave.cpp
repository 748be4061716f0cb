#include "descriptors/tempo_octave.h"

#include <algorithm>
#include <cmath>

#include "descriptors/tempo_tracker.h"

namespace sonavec {

namespace {

constexpr double pi = 3.14159265358979323846;
// Band edges: bass drum fundamentals lie at about 50-150 Hz; snare drums and most pitched onsets have
// much of their energy between 300 Hz and 3 kHz; hi-hats and cymbals mostly above 5 kHz.
constexpr double low_top_hz = 150;
constexpr double mid_bottom_hz = 300;
constexpr double mid_top_hz = 3000;
// A tempo on the range's edge, read a hair outside it (QM reads 119.97 for a 120 BPM click), stays a
// candidate: the range is taken 1 % wider, closed at both ends.
constexpr double range_margin = 1.01;
// The fit is taken in windows of about 12 s (1000 steps), each with its own phase and its own period
// within 2 % of the candidate's: a tracker's tempo can be a percent off over a whole track (aubio reads
// 125.4 for a 124 BPM one over 3 minutes), and played music drifts, so one rigid grid would slide off.
constexpr size_t fit_window_frames = 1000;
constexpr int period_steps = 8;
constexpr double period_step = 0.0025;
constexpr double band_scale_percentile = 0.99;
constexpr double prior_centre_bpm = 120;  // librosa start_bpm; Ellis 2007's 0.5 s
constexpr double prior_octaves = 1.0;     // librosa std_bpm
// Candidates: the octaves and the ternary relations (a tracker locked on dotted beats reads 2/3).
constexpr double candidate_ratios[] = {3.0, 2.0, 1.5, 1.0, 2.0 / 3.0, 0.5, 1.0 / 3.0};

// The band's rises scaled by their 99th percentile and clipped at 1 (0 for a silent band).
std::vector<float> scaled(const std::vector<float>& rise) {
    std::vector<float> out(rise.size(), 0.0f);
    if (rise.empty()) return out;
    std::vector<float> sorted = rise;
    const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(band_scale_percentile * static_cast<double>(sorted.size())));
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(at), sorted.end());
    const float ref = sorted[at];
    if (!(ref > 0)) return out;
    for (size_t i = 0; i < rise.size(); ++i) out[i] = std::min(1.0f, rise[i] / ref);
    return out;
}

}  // namespace

// RBJ Audio EQ Cookbook biquads, Q = 1/sqrt(2) (Butterworth).
beat_accent_meter::biquad beat_accent_meter::lowpass(double hz, int rate) {
    const double w = 2 * pi * hz / rate, alpha = std::sin(w) / std::sqrt(2.0), c = std::cos(w), a0 = 1 + alpha;
    biquad f;
    f.b0 = (1 - c) / 2 / a0;
    f.b1 = (1 - c) / a0;
    f.b2 = f.b0;
    f.a1 = -2 * c / a0;
    f.a2 = (1 - alpha) / a0;
    return f;
}

beat_accent_meter::biquad beat_accent_meter::highpass(double hz, int rate) {
    const double w = 2 * pi * hz / rate, alpha = std::sin(w) / std::sqrt(2.0), c = std::cos(w), a0 = 1 + alpha;
    biquad f;
    f.b0 = (1 + c) / 2 / a0;
    f.b1 = -(1 + c) / a0;
    f.b2 = f.b0;
    f.a1 = -2 * c / a0;
    f.a2 = (1 - alpha) / a0;
    return f;
}

beat_accent_meter::beat_accent_meter(int sample_rate, size_t hop)
    : rate_(sample_rate), hop_(std::max<size_t>(1, hop)) {
    // Each edge two Butterworth sections in cascade (24 dB per octave: Linkwitz-Riley), so the kick's
    // first 150 Hz and the hats stay out of the mid band.
    for (biquad& f : low_) f = lowpass(low_top_hz, sample_rate);
    mid_[0] = mid_[1] = highpass(mid_bottom_hz, sample_rate);
    mid_[2] = mid_[3] = lowpass(std::min(mid_top_hz, 0.4 * sample_rate), sample_rate);
}

void beat_accent_meter::add(const float* mono, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        const double x = mono[i];
        double lo = x, mid = x;
        for (biquad& f : low_) lo = f.run(lo);
        for (biquad& f : mid_) mid = f.run(mid);
        low_energy_ += lo * lo;
        mid_energy_ += mid * mid;
        if (++in_hop_ == hop_) {
            const double lo_rms = std::sqrt(low_energy_ / static_cast<double>(hop_));
            const double mid_rms = std::sqrt(mid_energy_ / static_cast<double>(hop_));
            low_rise_.push_back(static_cast<float>(std::max(0.0, lo_rms - low_prev_)));
            mid_rise_.push_back(static_cast<float>(std::max(0.0, mid_rms - mid_prev_)));
            low_prev_ = lo_rms;
            mid_prev_ = mid_rms;
            low_energy_ = mid_energy_ = 0;
            in_hop_ = 0;
        }
    }
}

std::vector<float> beat_accent_meter::accents() const {
    const std::vector<float> low = scaled(low_rise_), mid = scaled(mid_rise_);
    std::vector<float> out(low.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = std::max(low[i], mid[i]);
    return out;
}

double pulse_fit(const std::vector<float>& accent, double period_frames) {
    const size_t n = accent.size();
    if (!(period_frames > 1) || static_cast<double>(n) < 3 * period_frames) return 0;
    double total = 0;
    for (float v : accent) total += v;
    if (!(total > 0)) return 0;
    double best = 0;
    const long phases = static_cast<long>(std::ceil(period_frames));
    for (long phase = 0; phase < phases; ++phase) {
        // Each pulse reads the frames within one of it (the trackers' own resolution): their largest
        // accent for the precision, their sum for the recall.
        double on = 0, mass = 0;
        size_t pulses = 0;
        for (double x = static_cast<double>(phase); x < static_cast<double>(n); x += period_frames) {
            const long c = std::lround(x);
            float peak = 0;
            for (long j = std::max(0L, c - 1); j <= std::min(static_cast<long>(n) - 1, c + 1); ++j) {
                peak = std::max(peak, accent[static_cast<size_t>(j)]);
                mass += accent[static_cast<size_t>(j)];
            }
            on += peak;
            ++pulses;
        }
        const double precision = on / static_cast<double>(pulses), recall = std::min(1.0, mass / total);
        if (precision + recall > 0) best = std::max(best, 2 * precision * recall / (precision + recall));
    }
    return best;
}

double local_pulse_fit(const std::vector<float>& accent, double period_frames) {
    const size_t windows = std::max<size_t>(1, accent.size() / fit_window_frames);
    const size_t length = accent.size() / windows;
    double sum = 0;
    for (size_t w = 0; w < windows; ++w) {
        const std::vector<float> part(accent.begin() + static_cast<std::ptrdiff_t>(w * length),
                                      accent.begin() + static_cast<std::ptrdiff_t>((w + 1) * length));
        double best = 0;
        for (int k = -period_steps; k <= period_steps; ++k)
            best = std::max(best, pulse_fit(part, period_frames * (1 + k * period_step)));
        sum += best;
    }
    return sum / static_cast<double>(windows);
}

double tempo_prior(double bpm) {
    if (!(bpm > 0)) return 0;
    const double octaves = std::log2(bpm / prior_centre_bpm) / prior_octaves;
    return std::exp(-0.5 * octaves * octaves);
}

double choose_tempo_octave(const std::vector<float>& accent, double frames_per_second, double raw_bpm,
                           double min_bpm, double max_bpm) {
    if (!(raw_bpm > 0) || !std::isfinite(raw_bpm)) return 0;
    double best_bpm = 0, best_score = 0;
    for (double r : candidate_ratios) {
        const double bpm = raw_bpm * r;
        if (bpm < min_bpm / range_margin || bpm > max_bpm * range_margin) continue;
        const double score = local_pulse_fit(accent, 60.0 * frames_per_second / bpm) * tempo_prior(bpm);
        if (score > best_score) {
            best_score = score;
            best_bpm = bpm;
        }
    }
    return best_score > 0 ? best_bpm : fold_tempo(raw_bpm, min_bpm, max_bpm);
}

}  // namespace sonavec
