// One vector per audio track: decode, plan the analysis windows (sonavec/window_plan.h), embed them, and
// average. This is what `sonavec embed` and `sonavec index` compute; the same file gives the same bits
// whichever way it is asked for, whatever the engine's thread count.
//
//   auto eng = sonavec::engine::open(p);
//   sonavec::track_embed_params tp;                                   // seed plan: 3 x 7 s
//   sonavec::track_embedding t = sonavec::embed_track(*eng, "song.flac", tp);
//   // t.vector: dim() floats, L2-normalised; t.windows: what was analysed; t.info: duration, tags, ...
//
//   std::vector<float> pcm = ...;                                      // mono, any rate
//   sonavec::track_embedding m = sonavec::embed_samples(*eng, pcm, 44100, tp);  // resampled, windowed alike
//
// A track's windows stream through the tower a batch at a time, so memory depends neither on the track's
// length nor on the window plan. Every window runs on one compute thread: a vector never depends on the
// thread count or on the tracks beside it (embed_tracks spreads tracks and batches over its workers).
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sonavec/engine.h"
#include "sonavec/window_plan.h"

namespace sonavec {

// What a file holds, from its container and decoder.
struct audio_info {
    double duration_seconds = 0;  // from the container, refined by decoding where the container lies
    int sample_rate = 0;          // the file's own rate
    int channels = 0;             // the file's own channel count
    std::string codec;            // "mp3", "flac", "pcm_s16le", ...
    std::string container;        // "mp3", "wav", "mov,mp4,m4a,3gp,3g2,mj2", ...
    std::map<std::string, std::string> tags;  // lower-case keys: title, artist, album, genre, date/year, ...
};

struct window_embedding {
    double start_seconds = 0;
    double length_seconds = 0;  // what was decoded: shorter than planned where the file ends early
    std::vector<float> vector;  // empty unless track_embed_params::keep_window_vectors
};

struct track_embedding {
    std::filesystem::path path;  // empty for embed_samples
    audio_info info;
    std::vector<window_embedding> windows;
    std::vector<float> vector;  // mean of the window vectors, L2-normalised
};

struct track_embed_params {
    window_plan_params plan;  // max_window_seconds is taken from the engine
    bool keep_window_vectors = false;
};

// Checks the plan against the engine's window length (sets plan.max_window_seconds); throws
// error_kind::invalid_input naming the bad parameter.
void validate_track_params(track_embed_params& params, const engine& eng);

// Throws sonavec::error with the reason when the file cannot be decoded or holds no audio: not_found,
// corrupt_file (damaged, not audio), unsupported (a codec, channel count or rate), io, or invalid_input
// for a bad plan.
track_embedding embed_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params);

// The same for samples in memory: mono float PCM at sample_rate (8 kHz to 384 kHz), resampled to the
// engine's rate as a file's audio is, then windowed by the same plan. Throws error_kind::invalid_input
// on an empty buffer, a non-finite sample or a rate out of range.
track_embedding embed_samples(const engine& eng, std::span<const float> samples, int sample_rate,
                              const track_embed_params& params);

struct embed_tracks_params {
    track_embed_params track;
    int workers = 1;                            // threads in all, one core each
    const std::atomic<bool>* cancel = nullptr;  // when it turns true, workers stop after what they are doing
};

// Called once per file on a worker thread, never concurrently: its embedding, or null and the reason it
// failed (a file that cannot be read is reported here and the run goes on).
using track_done_callback = std::function<void(size_t index, const track_embedding* track, const std::string& error)>;

// Embeds files on params.workers threads sharing eng, each file exactly as embed_track would. Returns
// once every file is done; throws error_kind::cancelled when cancelled, after the workers stop (files
// not yet reported then never are; a flag raised after the last report cancels nothing).
void embed_tracks(const engine& eng, const std::vector<std::filesystem::path>& files, const embed_tracks_params& params,
                  const track_done_callback& done);

// Which files a caller given files and folders should embed (what `sonavec embed` and `index` read).
// A folder whose listing failed (permission denied, an I/O error, gone mid-walk, a loop back to one
// of its own parents), or a symlinked file that could not be resolved: nothing under it was found.
struct unreadable_path {
    std::filesystem::path path;
    std::string reason;
};

struct audio_file_walk {
    std::vector<std::filesystem::path> files;
    // What the walk could not read: a caller must not take the files under these as deleted.
    std::vector<unreadable_path> unreadable;
};

// Each input in order: a folder becomes its files with an audio extension (wav, flac, mp3, m4a, ...,
// case-insensitive) sorted by path, recursively (hidden files and folders, such as macOS
// "._name.mp3" resource forks, are skipped); anything else is kept as given, whatever its extension,
// so that a missing or unreadable file is reported by whoever opens it. Symlinks to folders are not
// followed (no loops, no tree walked twice); a symlink to a file is kept, by its target's real path
// when real_paths is set (then each file is listed once per folder).
audio_file_walk find_audio_files(const std::vector<std::filesystem::path>& inputs, bool real_paths = false);

// The tower's input length in seconds (window_samples / sample_rate).
double engine_window_seconds(const engine& eng);

}  // namespace sonavec
