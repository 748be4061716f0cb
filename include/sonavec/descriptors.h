// Acoustic descriptors of a track: tempo, key, EBU R128 loudness, energy, and loop or one-shot.
//
//   sonavec::descriptor_params p;                                   // whole track, QM tempo, 60-200 BPM
//   sonavec::track_descriptors d = sonavec::analyze_file("song.flac", p);
//   // d.bpm 124.0, d.key "F# minor", d.camelot "11A", d.loudness_lufs -9.3, d.energy 0.81, ...
//
//   std::vector<float> pcm = ...;                                   // interleaved, 2 channels, 44.1 kHz
//   auto m = sonavec::analyze_samples(pcm.data(), pcm.size() / 2, 2, 44100, p);
//
// Methods (chosen from measurements, BENCHMARKS.md "Acoustic descriptors (issue 12)"):
// - loudness: libebur128 on the file's own channels and rate (EBU R128 weights and sums channels; a
//   downmix or a resampled copy would change the result). Integrated loudness of silence is -infinity
//   (no block passes the gate), as ffmpeg's ebur128 reports it (-70 LUFS floor there); true peak of
//   silence is -infinity dBTP.
// - tempo: Queen Mary DSP (complex spectral difference onsets, TempoTrackV2 beat tracking, as Mixxx) or
//   aubio_tempo; bpm is 60 / the median beat interval. Octaves: a raw tempo outside
//   [min_bpm, max_bpm) is doubled or halved until inside; bpm_raw keeps the tracker's own value.
// - key: Queen Mary GetKeyMode (chromagram, averaged over 4 blocks of 0.74 s, against its major and
//   minor key profiles); the track's key has the highest correlation summed over all blocks, and
//   key_confidence is its mean correlation (0-1).
// - energy (0-1): 0.5 * loudness term + 0.5 * onset-density term, where the loudness term maps integrated
//   loudness -40..-6 LUFS linearly onto 0..1 and the onset term maps aubio onsets per second 0..8 onto
//   0..1 (both clamped). Silence is 0.
// - loop: duration at most 60 s, the audio still sounding at the end (the last 50 ms within 20 dB of the
//   whole clip's RMS: a one-shot decays), and the duration a power-of-two number of beats (1, 2, 4, ...,
//   64) at the detected tempo within 3 %.
// All of it streams: memory does not grow with the track's length.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace sonavec {

enum class tempo_method { qm, aubio };

struct descriptor_params {
    tempo_method tempo = tempo_method::qm;
    double min_bpm = 60;   // octave folding range [min_bpm, max_bpm): max_bpm must be > 2 * min_bpm - 1
    double max_bpm = 200;
    // Tempo and key from this many seconds around the middle of the track (0: the whole track).
    // Loudness and energy always use the whole track (max_seconds bounds it).
    double excerpt_seconds = 0;
    double max_seconds = 3600;  // decode at most this much of a file
};

struct track_descriptors {
    double duration_seconds = 0;
    int sample_rate = 0;
    int channels = 0;

    double bpm = 0;             // 0 when no beat was found (silence, too short)
    double bpm_raw = 0;         // the tracker's value before octave folding
    double bpm_confidence = 0;  // 0-1: share of beat intervals within 4 % of the median one

    std::string key;            // "F# minor", "C major"; empty when no key was found
    std::string camelot;        // "11A"; empty with key
    double key_confidence = 0;  // 0-1: the key profile's mean correlation with the audio

    double loudness_lufs = 0;      // integrated, EBU R128; -infinity for silence
    double loudness_range_lu = 0;  // EBU Tech 3342 loudness range; 0 for silence or too short
    double true_peak_dbtp = 0;     // max over channels, 4x oversampled (libebur128); -infinity for silence

    double energy = 0;  // 0-1, see above
    bool loop = false;  // see above
};

// Throws error_kind::invalid_input, saying why, when the parameters are out of range.
void check_descriptor_params(const descriptor_params& params);

// Interleaved float samples (channels per frame, 1 to 64; rate 8 kHz to 384 kHz). Throws
// error_kind::invalid_input on a bad rate, channel count, parameter or a non-finite sample.
track_descriptors analyze_samples(const float* interleaved, size_t frames, int channels, int sample_rate,
                                  const descriptor_params& params = {});

// Decodes the file with sonavec's decoder at its own rate and channels. Throws sonavec::error as
// embed_track does: not_found, corrupt_file, unsupported, io; invalid_input for bad parameters.
track_descriptors analyze_file(const std::filesystem::path& path, const descriptor_params& params = {});

// {"bpm", "bpm_confidence", "key", "camelot", "key_confidence", "loudness_lufs", "loudness_range_lu",
// "true_peak_dbtp", "energy", "loop"} as one JSON object: null where there is no value (no beat, no
// key, the -infinity loudness of silence). What analyze --json, search --json and the exports print.
std::string descriptors_json(const track_descriptors& d);

// "C major" -> "8B", "A minor" -> "8A"; empty for a name it does not know.
std::string camelot_notation(const std::string& key);

// The Camelot code of a key as people write it: "A minor", "a min", "Am", "Bbm", "F# major", "F#",
// "8A" or "8a" -> "8A". Enharmonic spellings agree ("A# minor" and "Bb minor" are both "3A").
// Throws error_kind::invalid_input, with examples, for anything else.
std::string key_camelot(const std::string& text);

}  // namespace sonavec
