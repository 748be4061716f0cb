#include "descriptors/descriptor_analyzer.h"

#include <aubio/aubio.h>

#include <algorithm>
#include <cmath>

#include "descriptors/block_feeder.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr double loop_max_seconds = 60;
constexpr double loop_tail_seconds = 0.05;
constexpr double loop_tail_db = -20;         // the tail's RMS against the clip's: above, it still sounds
constexpr double loop_beat_tolerance = 0.03;
constexpr double energy_quiet_lufs = -40, energy_loud_lufs = -6;
constexpr double energy_busy_onsets_per_second = 8;

double clamp01(double x) { return std::clamp(x, 0.0, 1.0); }

}  // namespace

struct descriptor_analyzer::onset_state {
    block_feeder<float> blocks;
    aubio_onset_t* onset = nullptr;
    fvec_t* in = nullptr;
    fvec_t* out = nullptr;
    int64_t count = 0;
    explicit onset_state(int rate) : blocks(512, 512) {
        const uint_t hop = 512;
        onset = new_aubio_onset("default", 1024, hop, static_cast<uint_t>(rate));
        in = new_fvec(hop);
        out = new_fvec(1);
        if (!onset || !in || !out) throw error(error_kind::io, "onsets: aubio could not start");
    }
    ~onset_state() {
        if (onset) del_aubio_onset(onset);
        if (in) del_fvec(in);
        if (out) del_fvec(out);
    }
};

descriptor_analyzer::descriptor_analyzer(int channels, int sample_rate, const descriptor_params& params,
                                         int64_t tonal_first, int64_t tonal_end)
    : channels_(channels), rate_(sample_rate), params_(params), tonal_first_(tonal_first), tonal_end_(tonal_end),
      loudness_(channels, sample_rate), tempo_(params.tempo, sample_rate),
      accents_(sample_rate, static_cast<size_t>(std::lround(sample_rate * 0.01161))), key_(sample_rate),
      onsets_(std::make_unique<onset_state>(sample_rate)) {
    tail_.assign(static_cast<size_t>(std::max(1.0, loop_tail_seconds * sample_rate)), 0.0f);
}

descriptor_analyzer::~descriptor_analyzer() = default;

void descriptor_analyzer::add(const float* interleaved, size_t frames) {
    loudness_.add(interleaved, frames);
    mono_.resize(frames);
    const size_t ch = static_cast<size_t>(channels_);
    for (size_t i = 0; i < frames; ++i) {
        float sum = 0;
        for (size_t c = 0; c < ch; ++c) sum += interleaved[i * ch + c];
        mono_[i] = sum / static_cast<float>(ch);
    }
    add_mono(mono_.data(), frames, frames_);
    frames_ += static_cast<int64_t>(frames);
}

void descriptor_analyzer::add_mono(const float* mono, size_t count, int64_t first_frame) {
    for (size_t i = 0; i < count; ++i) {
        sum_squares_ += static_cast<double>(mono[i]) * mono[i];
        tail_[tail_next_] = mono[i];
        if (++tail_next_ == tail_.size()) {
            tail_next_ = 0;
            tail_full_ = true;
        }
    }
    onset_state& o = *onsets_;
    o.blocks.push(mono, count, [&](const float* block) {
        std::copy(block, block + 512, o.in->data);
        aubio_onset_do(o.onset, o.in, o.out);
        if (o.out->data[0] != 0) ++o.count;
    });
    // Only the part inside the excerpt reaches tempo and key.
    const int64_t from = std::max(first_frame, tonal_first_);
    const int64_t to = std::min(first_frame + static_cast<int64_t>(count), tonal_end_);
    if (to > from) {
        const float* start = mono + (from - first_frame);
        tempo_.add(start, static_cast<size_t>(to - from));
        accents_.add(start, static_cast<size_t>(to - from));
        key_.add(start, static_cast<size_t>(to - from));
    }
}

track_descriptors descriptor_analyzer::finish() {
    track_descriptors d;
    d.sample_rate = rate_;
    d.channels = channels_;
    d.duration_seconds = static_cast<double>(frames_) / rate_;

    const loudness_values l = loudness_.result();
    d.loudness_lufs = l.integrated_lufs;
    d.loudness_range_lu = l.range_lu;
    d.true_peak_dbtp = l.true_peak_dbtp;

    const tempo_estimate t = tempo_.finish();
    d.bpm_raw = t.bpm;
    d.bpm = choose_tempo_octave(accents_.accents(), accents_.frames_per_second(), t.bpm, params_.min_bpm,
                                params_.max_bpm);
    d.bpm_confidence = t.confidence;

    const key_estimate k = key_.finish();
    d.key = k.name;
    d.camelot = camelot_notation(k.name);
    d.key_confidence = k.confidence;

    if (std::isfinite(d.loudness_lufs) && d.duration_seconds > 0) {
        const double loud = clamp01((d.loudness_lufs - energy_quiet_lufs) / (energy_loud_lufs - energy_quiet_lufs));
        const double busy = clamp01(static_cast<double>(onsets_->count) / d.duration_seconds / energy_busy_onsets_per_second);
        d.energy = 0.5 * loud + 0.5 * busy;
    }

    // Loop: short, still sounding at its end, a power-of-two number of beats long.
    if (d.duration_seconds <= loop_max_seconds && d.bpm > 0 && frames_ > 0) {
        const double clip_ms = sum_squares_ / static_cast<double>(frames_);
        const size_t tail_n = tail_full_ ? tail_.size() : tail_next_;
        double tail_sum = 0;
        for (size_t i = 0; i < tail_n; ++i) tail_sum += static_cast<double>(tail_[i]) * tail_[i];
        const double tail_ms = tail_n > 0 ? tail_sum / static_cast<double>(tail_n) : 0;
        const bool sounding = clip_ms > 0 && tail_ms > clip_ms * std::pow(10.0, loop_tail_db / 10.0);
        const double beats = d.duration_seconds * d.bpm / 60.0;
        bool whole = false;
        for (double n = 1; n <= 64; n *= 2) whole = whole || std::abs(beats - n) <= loop_beat_tolerance * n;
        d.loop = sounding && whole;
    }
    return d;
}

}  // namespace sonavec
