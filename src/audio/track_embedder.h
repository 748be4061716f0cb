// embed_track (sonavec/track.h) in steps, for the pipeline (embed_pipeline.h): a track opened for
// reading a batch of windows at a time, and the mean its windows' vectors fold into. At most one batch
// of samples per thread is held, whatever the track's length and plan.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "audio/audio_decoder.h"
#include "sonavec/track.h"

namespace sonavec {

// Windows per call of the audio tower, and per read of a track: bounds the samples and scratch memory
// each thread holds.
constexpr size_t track_batch_windows = 4;

// The windows of one batch that hold audio, decoded: a window past the real end of a file whose
// container overstates its duration holds nothing and is left out.
struct window_batch {
    std::vector<window_embedding> windows;    // spans; vectors empty
    std::vector<std::vector<float>> samples;  // mono at the engine's rate, one per window
};

// A track opened for embedding (embed_track in steps, for embed_pipeline.h): its info and a reader of
// its planned windows, track_batch_windows at a time.
struct prepared_track {
    std::filesystem::path path;
    audio_info info;
    size_t batch_count = 0;                            // planned batches (the last may be short)
    std::function<window_batch(size_t batch)> read;    // batches 0..batch_count-1, one call at a time
};
// Opens the decoder and plans the windows; decodes nothing yet. Throws sonavec::error with the reason
// when the file cannot be opened, holds no audio, or its plan has too many windows.
prepared_track prepare_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params);

// The track's vector from its windows' vectors, added a batch at a time in window order: the sum is
// kept in double, so the result is the same however the batches were computed.
class track_mean {
public:
    track_mean(int64_t dim, bool keep_window_vectors);
    // vectors: [windows.size(), dim]; throws sonavec::error when one is not finite.
    void add(std::vector<window_embedding> windows, const float* vectors);
    // The windows and their L2-normalised mean; throws when no window held audio.
    void finish(track_embedding& track);

private:
    int64_t dim_;
    bool keep_;
    std::vector<double> sum_;
    std::vector<window_embedding> windows_;
};

}  // namespace sonavec
