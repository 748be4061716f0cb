// What a RIFF/WAVE header says the file should hold. FFmpeg's wav demuxer quietly falls back to the
// file's real size when the data chunk claims more, so a truncated WAV is only visible in its header.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>

namespace sonavec {

// The byte offset at which the WAVE data chunk declares that its samples end, or nothing when the file
// is not RIFF/WAVE or the size is unknown (0 or 0xFFFFFFFF, as streaming writers leave it; RF64).
std::optional<uint64_t> riff_declared_data_end(const std::filesystem::path& path);

}  // namespace sonavec
