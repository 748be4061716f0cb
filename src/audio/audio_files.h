// Which files a command given files and folders should read: folders are walked recursively for
// files with an audio extension; files named explicitly are always tried, whatever their extension.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace sonavec {

// wav, flac, mp3, m4a, aac, aiff, ogg, opus, wma, ... (case-insensitive).
bool has_audio_extension(const std::filesystem::path& path);

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

// Each input in order: a folder becomes its audio files sorted by path (hidden files and folders,
// such as macOS "._name.mp3" resource forks, are skipped); anything else is kept as given, so that a
// missing or unreadable file is reported by whoever opens it.
// Symlinks to folders are not followed (no loops, no tree walked twice); a symlink to a file is
// kept, by its target's real path when real_paths is set (then each file is listed once per folder).
audio_file_walk find_audio_files(const std::vector<std::filesystem::path>& inputs, bool real_paths = false);

}  // namespace sonavec
