#include "descriptors/tempo_tracker.h"

#include <aubio/aubio.h>
#include <dsp/onsets/DetectionFunction.h>
#include <dsp/tempotracking/TempoTrackV2.h>

#include <algorithm>
#include <cmath>

#include "descriptors/block_feeder.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

size_t next_power_of_two(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

}  // namespace

tempo_estimate tempo_from_beats(const std::vector<double>& beat_seconds) {
    tempo_estimate t;
    if (beat_seconds.size() < 3) return t;
    std::vector<double> intervals;
    for (size_t i = 1; i < beat_seconds.size(); ++i) {
        const double d = beat_seconds[i] - beat_seconds[i - 1];
        if (d > 0) intervals.push_back(d);
    }
    if (intervals.size() < 2) return t;
    std::vector<double> sorted = intervals;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double median = sorted[sorted.size() / 2];
    // The mean of the intervals near the median: finer than one detection-function step.
    double sum = 0;
    size_t near = 0;
    for (double d : intervals)
        if (std::abs(d - median) <= 0.04 * median) {
            sum += d;
            ++near;
        }
    t.bpm = 60.0 / (sum / static_cast<double>(near));
    t.confidence = static_cast<double>(near) / static_cast<double>(intervals.size());
    return t;
}

double fold_tempo(double bpm, double min_bpm, double max_bpm) {
    if (!(bpm > 0) || !std::isfinite(bpm)) return 0;
    while (bpm < min_bpm) bpm *= 2;
    while (bpm >= max_bpm) bpm /= 2;
    return bpm;
}

struct tempo_tracker::impl {
    tempo_method method;
    int rate;
    size_t step;
    size_t window;
    block_feeder<double> qm_blocks;
    std::unique_ptr<DetectionFunction> qm_df;
    std::vector<double> df;

    block_feeder<float> aubio_blocks;
    aubio_tempo_t* aubio = nullptr;
    fvec_t* aubio_in = nullptr;
    fvec_t* aubio_out = nullptr;
    std::vector<double> aubio_beats;

    impl(tempo_method m, int sample_rate, size_t step_, size_t window_)
        : method(m), rate(sample_rate), step(step_), window(window_), qm_blocks(window_, step_),
          aubio_blocks(step_, step_) {}
    ~impl() {
        if (aubio) del_aubio_tempo(aubio);
        if (aubio_in) del_fvec(aubio_in);
        if (aubio_out) del_fvec(aubio_out);
    }
};

tempo_tracker::tempo_tracker(tempo_method method, int sample_rate) {
    // Mixxx's settings for QM: an 11.61 ms step (512 samples at 44.1 kHz), a window of at most 50 Hz
    // per bin. aubio gets the same step and window, its own defaults at 44.1 kHz (512 / 1024).
    const size_t window = next_power_of_two(static_cast<size_t>(sample_rate / 50));
    const size_t step = method == tempo_method::qm ? static_cast<size_t>(std::lround(sample_rate * 0.01161)) : window / 2;
    impl_ = std::make_unique<impl>(method, sample_rate, step, window);
    if (method == tempo_method::qm) {
        DFConfig config{};
        config.stepSize = static_cast<unsigned>(step);
        config.frameLength = static_cast<unsigned>(window);
        config.DFType = DF_COMPLEXSD;
        config.dbRise = 3;
        config.adaptiveWhitening = false;
        config.whiteningRelaxCoeff = -1;
        config.whiteningFloor = -1;
        impl_->qm_df = std::make_unique<DetectionFunction>(config);
    } else {
        impl_->aubio = new_aubio_tempo("default", static_cast<uint_t>(window), static_cast<uint_t>(step),
                                       static_cast<uint_t>(sample_rate));
        impl_->aubio_in = new_fvec(static_cast<uint_t>(step));
        impl_->aubio_out = new_fvec(1);
        if (!impl_->aubio || !impl_->aubio_in || !impl_->aubio_out)
            throw error(error_kind::io, "tempo: aubio could not start");
    }
}

tempo_tracker::~tempo_tracker() = default;

void tempo_tracker::add(const float* mono, size_t count) {
    impl& s = *impl_;
    if (s.method == tempo_method::qm) {
        s.qm_blocks.push(mono, count, [&](const double* block) { s.df.push_back(s.qm_df->processTimeDomain(block)); });
    } else {
        s.aubio_blocks.push(mono, count, [&](const float* block) {
            std::copy(block, block + s.step, s.aubio_in->data);
            aubio_tempo_do(s.aubio, s.aubio_in, s.aubio_out);
            if (s.aubio_out->data[0] != 0) s.aubio_beats.push_back(aubio_tempo_get_last_s(s.aubio));
        });
    }
}

tempo_estimate tempo_tracker::finish() {
    impl& s = *impl_;
    std::vector<double> beats_seconds;
    if (s.method == tempo_method::qm) {
        // The first two values are the detector's warm-up (as QM's own Vamp plugin drops them).
        if (s.df.size() < 16) return {};
        std::vector<double> df(s.df.begin() + 2, s.df.end());
        TempoTrackV2 tracker(static_cast<float>(s.rate), s.step);
        // TempoTrackV2 writes the beat period of every df value in place: it must come sized.
        std::vector<double> periods(df.size(), 0.0), tempi, beats;
        tracker.calculateBeatPeriod(df, periods, tempi);
        tracker.calculateBeats(df, periods, beats);
        for (double b : beats) beats_seconds.push_back((b + 2) * static_cast<double>(s.step) / s.rate);
    } else {
        beats_seconds = s.aubio_beats;
    }
    return tempo_from_beats(beats_seconds);
}

}  // namespace sonavec
