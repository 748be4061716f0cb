// What the segments plan keeps of a long recording besides its CLAP windows, from one more decode at
// Chromaprint's 11025 Hz mono: the raw fingerprint of the whole recording (the "is the same sound"
// evidence of find and recurring) and its level every 0.1 s (silence, for the timeline).
//
//   recording_print p = print_recording("show.mp3");
//   p.fingerprint.hashes[i]  covers  i * p.fingerprint.seconds_per_hash ...
//   p.levels_db[k]           is the RMS level of  k * p.seconds_per_level ... (k + 1) * p.seconds_per_level
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

#include "sonavec/fingerprint.h"

namespace sonavec {

inline constexpr double recording_print_max_seconds = 7 * 24 * 3600.0;  // the segments plan's own limit
inline constexpr float silent_level_db = -120;                           // the level of digital silence

struct recording_print {
    audio_fingerprint fingerprint;  // of the whole recording (at most recording_print_max_seconds)
    double seconds_per_level = 0;   // 1103 samples at 11025 Hz: 0.10005 s
    // RMS in dB of full scale per step, at least silent_level_db: of the 11025 Hz decode, so of what lies
    // below 5.5 kHz (white noise reads 6.4 dB under its full-band level; speech and music hardly less).
    std::vector<float> levels_db;
};

// Decodes the recording 30 s at a time (bounded memory whatever its length). Throws sonavec::error as
// fingerprint_file does.
recording_print print_recording(const std::filesystem::path& path, double max_seconds = recording_print_max_seconds);

}  // namespace sonavec
