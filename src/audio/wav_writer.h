// Writing mono float samples as a 16-bit PCM WAV file (recurring's excerpts, to listen to).
#pragma once
#include <filesystem>
#include <span>

namespace sonavec {

// Clipped to -1..1. Written to a temporary name and renamed, so a reader never sees half a file.
// Throws error_kind::io naming the file.
void write_wav_16(const std::filesystem::path& path, std::span<const float> mono, int sample_rate);

}  // namespace sonavec
