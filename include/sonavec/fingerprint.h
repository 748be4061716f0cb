// Acoustic fingerprints (Chromaprint, as AcoustID and MusicBrainz Picard use) for finding the same
// recording in another encoding, at another rate or gain, or trimmed by a few seconds.
//
//   sonavec::audio_fingerprint a = sonavec::fingerprint_file("song.flac");   // first 120 s
//   sonavec::audio_fingerprint b = sonavec::fingerprint_file("song (1).mp3");
//   sonavec::fingerprint_match m = sonavec::compare_fingerprints(a, b);
//   if (m.similarity >= sonavec::same_recording_similarity) ...            // the same recording
//
// A fingerprint is Chromaprint's raw one: a 32-bit hash per 0.124 s step (1365 samples at 11025 Hz, a
// third of its 4096-sample frame), 16 filters over a 16-step window of 12-band chroma, 2 bits each. Pitch shifting moves the
// chroma and time stretching the steps, so such variants do not match: they are not "the same".
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace sonavec {

struct audio_fingerprint {
    std::vector<uint32_t> hashes;  // Chromaprint's raw fingerprint (CHROMAPRINT_ALGORITHM_DEFAULT, "test2")
    double seconds_per_hash = 0;   // the step between hashes (0.1238 s)
    double duration_seconds = 0;   // of the audio fingerprinted (at most max_seconds)
};

// Decodes up to max_seconds (0 < max_seconds <= 3600) from the start of the file straight to Chromaprint's
// 11025 Hz mono (sonavec's resampler, channels averaged; as fpcalc does with FFmpeg's), 30 s at a time,
// and fingerprints it. 120 s is what fpcalc and AcoustID use. A file shorter than about
// 3 s has no hashes. Throws sonavec::error: not_found, corrupt_file, unsupported or io for the file as
// the decoder finds it, invalid_input for max_seconds, corrupt_file when Chromaprint rejects the audio.
audio_fingerprint fingerprint_file(const std::filesystem::path& path, double max_seconds = 120);

// The fingerprint of interleaved float samples (-1..1) at their own rate and channel count: mixed to
// mono, Chromaprint resamples them itself.
audio_fingerprint fingerprint_samples(const float* interleaved, size_t frames, int channels, int sample_rate);

struct fingerprint_match {
    double similarity = 0;       // 1 - bit error rate over the overlap at the best offset; 0 with no overlap
    int offset = 0;              // in hashes: b[i] lines up with a[i + offset] (b trimmed at its start: > 0)
    double overlap_seconds = 0;  // how much of the two was compared at that offset
};

// The best alignment of b against a within +-max_offset_seconds: for each offset, the share of equal
// bits (popcount of XOR) over the hashes both have there. An offset counts only when the overlap is at
// least half of the shorter fingerprint and at least 10 s (or the whole shorter one, where that is
// shorter than 10 s), so a few seconds that happen to agree cannot make a match. Throws invalid_input
// when the two have different steps or max_offset_seconds is negative or over 3600.
fingerprint_match compare_fingerprints(const audio_fingerprint& a, const audio_fingerprint& b,
                                       double max_offset_seconds = 10);

// "The same recording": similarity at least this, i.e. a bit error rate of at most 0.15 at the best
// offset. It is AcoustID's own rule for merging a fingerprint into a track (acoustid-server const.py,
// TRACK_MERGE_THRESHOLD = 0.7 on pg_acoustid's score 1 - 2 x bit error rate), and it sits in the gap we
// measure on the planted library (BENCHMARKS.md, "Fingerprints (issue 13, tier 2)"): copies of the
// same recording (mp3, aac, flac, +-6 dB, 44.1 kHz, trims) score 0.93 and more (the lowest: a trim
// that falls between two hashes), other recordings from the same generator 0.59 at most and a
// 1-semitone pitch shift 0.61 at most (unrelated audio agrees on about half the bits).
inline constexpr double same_recording_similarity = 0.85;

}  // namespace sonavec
