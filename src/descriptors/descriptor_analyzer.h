// One track's descriptors from its interleaved samples fed in pieces (a decoder's frames or a buffer):
// loudness on every channel, the rest on the mono mean, tempo and key only inside the excerpt.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "descriptors/key_detector.h"
#include "descriptors/loudness_meter.h"
#include "descriptors/tempo_octave.h"
#include "descriptors/tempo_tracker.h"
#include "sonavec/descriptors.h"


namespace sonavec {

class descriptor_analyzer {
public:
    // tonal_first/tonal_end: the frames that tempo and key look at (the excerpt); all for the whole track.
    descriptor_analyzer(int channels, int sample_rate, const descriptor_params& params, int64_t tonal_first,
                        int64_t tonal_end);
    ~descriptor_analyzer();
    descriptor_analyzer(const descriptor_analyzer&) = delete;
    descriptor_analyzer& operator=(const descriptor_analyzer&) = delete;

    void add(const float* interleaved, size_t frames);
    track_descriptors finish();

private:
    void add_mono(const float* mono, size_t count, int64_t first_frame);

    int channels_;
    int rate_;
    descriptor_params params_;
    int64_t tonal_first_;
    int64_t tonal_end_;
    int64_t frames_ = 0;

    loudness_meter loudness_;
    tempo_tracker tempo_;
    beat_accent_meter accents_;  // for the tempo octave, on the same part as tempo_
    key_detector key_;

    // Onsets for energy (aubio's default detector).
    struct onset_state;
    std::unique_ptr<onset_state> onsets_;

    // RMS of the whole clip and of its last 50 ms, for the loop rule.
    double sum_squares_ = 0;
    std::vector<float> tail_;
    size_t tail_next_ = 0;
    bool tail_full_ = false;
    std::vector<float> mono_;
};

}  // namespace sonavec
