// Tempo from a mono stream: Queen Mary DSP (complex spectral difference detection function, then
// TempoTrackV2's beat tracker, as Mixxx uses it) or aubio_tempo. Both give beat times; the tempo is
// 60 / the median beat interval.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "sonavec/descriptors.h"

namespace sonavec {

struct tempo_estimate {
    double bpm = 0;         // 0: fewer than three beats
    double confidence = 0;  // share of beat intervals within 4 % of the median
};

class tempo_tracker {
public:
    tempo_tracker(tempo_method method, int sample_rate);
    ~tempo_tracker();
    tempo_tracker(const tempo_tracker&) = delete;
    tempo_tracker& operator=(const tempo_tracker&) = delete;

    void add(const float* mono, size_t count);
    tempo_estimate finish();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The tempo from beat times in seconds (sorted).
tempo_estimate tempo_from_beats(const std::vector<double>& beat_seconds);

// Doubles or halves bpm until it lies in [min_bpm, max_bpm).
double fold_tempo(double bpm, double min_bpm, double max_bpm);

}  // namespace sonavec
