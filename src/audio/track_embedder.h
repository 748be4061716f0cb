// One vector per audio file: decode, plan the analysis windows, embed them in batches, and average.
// A track's windows stream through the tower a batch at a time, so that memory depends neither on the
// track's length nor on the window plan: at most one batch of samples per thread is held.
//
//   track_embed_params p;                         // seed plan: 3 x 7 s
//   track_embedding t = embed_track(*eng, "song.flac", p);
//   // t.vector: dim() floats, L2-normalised; t.windows: what was analysed
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "audio/audio_decoder.h"
#include "audio/window_plan.h"
#include "sonavec/engine.h"

namespace sonavec {

struct window_embedding {
    double start_seconds = 0;
    double length_seconds = 0;  // what was decoded: shorter than planned where the file ends early
    std::vector<float> vector;  // empty unless track_embed_params::keep_window_vectors
};

struct track_embedding {
    std::filesystem::path path;
    audio_info info;
    std::vector<window_embedding> windows;
    std::vector<float> vector;  // mean of the window vectors, L2-normalised
};

struct track_embed_params {
    window_plan_params plan;         // max_window_seconds is taken from the engine
    bool keep_window_vectors = false;
};

// Throws sonavec::error with the reason when the file cannot be decoded or holds no audio.
track_embedding embed_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params);

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

// The tower's input length in seconds (window_samples / sample_rate).
double engine_window_seconds(const engine& eng);

}  // namespace sonavec
