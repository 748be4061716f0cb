#include "library/audio_files.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "util/error.h"

namespace sonavec {

namespace {

constexpr std::array<std::string_view, 31> audio_extensions = {
    "wav", "wave", "flac", "mp3", "mp2", "m4a", "m4b", "mp4", "aac", "alac", "aiff", "aif", "aifc", "caf", "ogg", "oga",
    "opus", "spx", "wma", "asf", "webm", "mka", "wv", "ape", "tta", "ac3", "dts", "amr", "au", "snd", "w64"};

bool hidden(const std::filesystem::path& p) {
    const std::string name = p.filename().string();
    return !name.empty() && name[0] == '.';
}

}  // namespace

bool has_audio_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    if (ext.size() < 2) return false;
    ext.erase(0, 1);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::find(audio_extensions.begin(), audio_extensions.end(), ext) != audio_extensions.end();
}

std::vector<std::filesystem::path> find_audio_files(const std::vector<std::filesystem::path>& inputs) {
    namespace fs = std::filesystem;
    std::vector<fs::path> out;
    for (const fs::path& input : inputs) {
        std::error_code ec;
        if (!fs::is_directory(input, ec)) {
            out.push_back(input);
            continue;
        }
        std::vector<fs::path> found;
        fs::recursive_directory_iterator it(input, fs::directory_options::skip_permission_denied, ec), end;
        for (; !ec && it != end; it.increment(ec)) {
            std::error_code entry_ec;  // a broken link is skipped, not the end of the walk
            if (hidden(it->path())) {
                if (it->is_directory(entry_ec)) it.disable_recursion_pending();
                continue;
            }
            if (it->is_regular_file(entry_ec) && has_audio_extension(it->path())) found.push_back(it->path());
        }
        // A walk cut short must not pass for a complete one: `index` would drop the files it missed.
        if (ec) throw error(input.string() + ": cannot read the folder: " + ec.message());
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
    }
    return out;
}

}  // namespace sonavec
