// A digest of a file's audio as its codec stores it: every packet of the first audio stream (its bytes,
// timestamps and duration) and the stream's codec, rate and channels. Writing tags must leave it
// unchanged; comparing packets rather than decoded samples is exact for every codec (the same packets
// always decode to the same samples), catches a moved sample table that decoding might survive by
// luck, and reads without decoding.
#pragma once
#include <filesystem>
#include <string>

namespace sonavec {

// 64 hex digits. Throws sonavec::error (not_found, io, corrupt_file: not an audio file, no audio stream).
std::string audio_packet_digest(const std::filesystem::path& path);

}  // namespace sonavec
