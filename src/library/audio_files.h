// Which files a command given files and folders should read: folders are walked recursively for
// files with an audio extension; files named explicitly are always tried, whatever their extension.
#pragma once
#include <filesystem>
#include <vector>

namespace sonavec {

// wav, flac, mp3, m4a, aac, aiff, ogg, opus, wma, ... (case-insensitive).
bool has_audio_extension(const std::filesystem::path& path);

// Each input in order: a folder becomes its audio files sorted by path (hidden files and folders,
// such as macOS "._name.mp3" resource forks, are skipped); anything else is kept as given, so that a
// missing or unreadable file is reported by whoever opens it.
std::vector<std::filesystem::path> find_audio_files(const std::vector<std::filesystem::path>& inputs);

}  // namespace sonavec
