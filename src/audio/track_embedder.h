// One vector per audio file: decode, plan the analysis windows, embed them in batches, and average.
//
//   track_embed_params p;                         // seed plan: 3 x 7 s
//   track_embedding t = embed_track(*eng, "song.flac", p);
//   // t.vector: dim() floats, L2-normalised; t.windows: what was analysed
#pragma once
#include <cstdint>
#include <filesystem>
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

// Windows per call of the audio tower: bounds its scratch memory per thread (a full plan over a long
// track has dozens of windows).
constexpr size_t track_batch_windows = 4;

// A track decoded and turned into the tower's input (embed_track in steps, for embed_pipeline.h).
struct prepared_track {
    track_embedding track;        // path, info and windows; no vectors yet
    std::vector<float> features;  // log-mel features, [track.windows.size(), frames, mels]
};
// Throws sonavec::error with the reason when the file cannot be decoded or holds no audio.
prepared_track prepare_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params);
// Sets the track's vector (and its windows' when keep_window_vectors) from its windows' vectors
// [windows, dim]; throws sonavec::error when one is not finite.
void finish_track(track_embedding& track, const float* window_vectors, int64_t dim, bool keep_window_vectors);

// The tower's input length in seconds (window_samples / sample_rate).
double engine_window_seconds(const engine& eng);

// The mean of rows unit vectors of dim floats, L2-normalised; throws when it is zero or not finite.
std::vector<float> mean_direction(const float* rows_data, int64_t rows, int64_t dim);

}  // namespace sonavec
