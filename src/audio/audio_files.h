// Which files a command given files and folders should read (find_audio_files, public in
// sonavec/track.h), and the extensions that make a file in a folder an audio file.
#pragma once
#include <filesystem>

#include "sonavec/track.h"

namespace sonavec {

// wav, flac, mp3, m4a, aac, aiff, ogg, opus, wma, ... (case-insensitive).
bool has_audio_extension(const std::filesystem::path& path);

}  // namespace sonavec
