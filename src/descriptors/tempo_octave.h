// The tempo octave: which multiple of the beat tracker's period is the beat. The trackers find a
// periodicity well (right up to an octave most of the time) but not its metrical level, so the level is
// chosen again from an accent function of the drums' two beat-bearing bands:
// - low (bass drum, bass) and mid (snare, toms, chords), each the rise of its RMS amplitude per hop,
//   each scaled by its own 99th percentile so a snare quieter than the kick still counts as an accent;
//   the accent is the larger of the two. Hi-hats and cymbals (above the mid band) are left out: in
//   drum patterns they mark the subdivisions, bass and snare drum the beats (Goto 2001, "An audio-based
//   real-time beat tracking system for music with or without drum-sounds", JNMR 30(2), which decides
//   the beat level from bass and snare drum onsets alone).
// - each candidate tempo (the tracker's x 3, 2, 3/2, 1, 2/3, 1/2, 1/3, kept inside [min_bpm, max_bpm]
//   widened by 1 %) scores how well a pulse train at its period explains the accents, at its best
//   phase, in windows of about 12 s that may each shift the period by up to 2 % (tracker error, drift): the F-measure of precision (the mean accent on the pulses: a level too fast has pulses on
//   empty places) and recall (the share of all accent that falls on them: a level too slow misses the
//   beats in between). Pulse-train matching of an onset function against the candidate periods is
//   how Percival & Tzanetakis 2014 ("Streamlined tempo estimation...", IEEE/ACM TASLP 22(12)) and
//   Davies & Plumbley 2007 (QM's own comb filters) rank their candidates.
// - the fit is weighted by a log-normal tempo prior, centred on 120 BPM with a standard deviation of
//   1 octave (librosa's tempo estimator: start_bpm 120, std_bpm 1.0; Ellis 2007, "Beat tracking by
//   dynamic programming", JNMR 36(1), centres his on 0.5 s), and the best product wins. Where the
//   signal fits two octaves equally (a pattern at 60 BPM is also one at 120 with the kick on 1 and 3),
//   the prior decides, toward 120.
#pragma once
#include <cstddef>
#include <vector>

namespace sonavec {

// Streams mono samples into the accent function, one value per hop.
class beat_accent_meter {
public:
    beat_accent_meter(int sample_rate, size_t hop);

    void add(const float* mono, size_t count);
    // The accent of every complete hop so far, each band scaled and the larger taken (0-1).
    std::vector<float> accents() const;
    double frames_per_second() const { return rate_ / static_cast<double>(hop_); }

private:
    struct biquad {
        double b0 = 0, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
        double z1 = 0, z2 = 0;
        double run(double x) {
            const double y = b0 * x + z1;
            z1 = b1 * x - a1 * y + z2;
            z2 = b2 * x - a2 * y;
            return y;
        }
    };
    static biquad lowpass(double hz, int rate);
    static biquad highpass(double hz, int rate);

    int rate_;
    size_t hop_;
    biquad low_[2], mid_[4];
    double low_energy_ = 0, mid_energy_ = 0;
    size_t in_hop_ = 0;
    double low_prev_ = 0, mid_prev_ = 0;
    std::vector<float> low_rise_, mid_rise_;
};

// How well a pulse train of period_frames (> 1) fits the accent function, 0-1: the largest, over its
// phases, F-measure of precision (mean of the largest accent within one frame of each pulse) and
// recall (the accent within one frame of the pulses over all accent). 0 for fewer than three periods
// or no accent at all.
double pulse_fit(const std::vector<float>& accent, double period_frames);

// pulse_fit in consecutive windows of 1000 frames (all of it when shorter; at least one), each the
// best over periods within 2 % of period_frames (steps of 0.25 %), averaged over the windows.
double local_pulse_fit(const std::vector<float>& accent, double period_frames);

// The log-normal prior: exp(-0.5 * (log2(bpm / 120) / 1)^2).
double tempo_prior(double bpm);

// The tempo among raw_bpm x {3, 2, 3/2, 1, 2/3, 1/2, 1/3} inside [min_bpm / 1.01, max_bpm * 1.01] with
// the largest local_pulse_fit x tempo_prior; raw_bpm folded by octaves into [min_bpm, max_bpm) when no
// candidate scores above 0 (silence, a clip shorter than three periods, none inside). 0 for raw_bpm <= 0.
double choose_tempo_octave(const std::vector<float>& accent, double frames_per_second, double raw_bpm,
                           double min_bpm, double max_bpm);

}  // namespace sonavec
