#include "audio/audio_files.h"

#include <sys/stat.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "util/text_case.h"

namespace sonavec {

namespace {

constexpr std::array<std::string_view, 31> audio_extensions = {
    "wav", "wave", "flac", "mp3", "mp2", "m4a", "m4b", "mp4", "aac", "alac", "aiff", "aif", "aifc", "caf", "ogg", "oga",
    "opus", "spx", "wma", "asf", "webm", "mka", "wv", "ape", "tta", "ac3", "dts", "amr", "au", "snd", "w64"};

bool hidden(const std::filesystem::path& p) {
    const std::string name = p.filename().string();
    return !name.empty() && name[0] == '.';
}

// A folder on the way down from the walk's root, to recognise a folder that contains itself (a bind
// mount of a parent): walking it would never end.
struct folder_on_path {
    dev_t device;
    ino_t inode;
    std::shared_ptr<const folder_on_path> parent;
};

// What a symlink found in a folder stands for: its target when that is a file (by its real path when
// real_paths is set), nothing when it is broken or a folder; ec is set when it cannot be resolved.
std::optional<std::filesystem::path> linked_file(const std::filesystem::path& link, bool real_paths,
                                                 std::error_code& ec) {
    namespace fs = std::filesystem;
    const fs::file_status target = fs::status(link, ec);
    if (ec == std::errc::no_such_file_or_directory) ec.clear();
    if (ec || !fs::is_regular_file(target)) return std::nullopt;
    if (!real_paths) return link;
    fs::path real = fs::canonical(link, ec);
    if (ec) return std::nullopt;
    return real;
}

// The audio files under root, depth first. A folder that cannot be listed completely adds none of its
// files and none of its subfolders' (the listing may be missing any of them) and is named in unreadable.
std::vector<std::filesystem::path> walk_folder(const std::filesystem::path& root, bool real_paths,
                                               std::vector<unreadable_path>& unreadable) {
    namespace fs = std::filesystem;
    struct pending {
        fs::path folder;
        std::shared_ptr<const folder_on_path> parents;
    };
    std::vector<fs::path> found;
    std::vector<pending> todo{{root, nullptr}};
    while (!todo.empty()) {
        pending p = std::move(todo.back());
        todo.pop_back();
        struct stat st {};
        if (::stat(p.folder.c_str(), &st) != 0) {
            unreadable.push_back({p.folder, std::strerror(errno)});
            continue;
        }
        const folder_on_path* loop = p.parents.get();
        while (loop && !(loop->device == st.st_dev && loop->inode == st.st_ino)) loop = loop->parent.get();
        if (loop) {
            unreadable.push_back({p.folder, "a loop: the folder contains itself"});
            continue;
        }
        auto here = std::make_shared<const folder_on_path>(folder_on_path{st.st_dev, st.st_ino, p.parents});

        std::vector<fs::path> files, folders;
        std::error_code ec;
        for (fs::directory_iterator it(p.folder, ec), end; !ec && it != end; it.increment(ec)) {
            const fs::path& entry = it->path();
            if (hidden(entry)) continue;
            std::error_code type_ec;
            const fs::file_status s = it->symlink_status(type_ec);
            if (type_ec == std::errc::no_such_file_or_directory) continue;  // deleted since it was listed
            if (type_ec) {
                ec = type_ec;  // the folder can be listed but not looked into: nothing in it is known
                break;
            }
            if (fs::is_directory(s)) {
                folders.push_back(entry);
            } else if (has_audio_extension(entry)) {
                if (fs::is_regular_file(s)) {
                    files.push_back(entry);
                } else if (fs::is_symlink(s)) {
                    std::error_code link_ec;
                    if (auto target = linked_file(entry, real_paths, link_ec)) files.push_back(std::move(*target));
                    if (link_ec) unreadable.push_back({entry, link_ec.message()});
                }
            }
        }
        if (ec) {
            unreadable.push_back({p.folder, ec.message()});
            continue;
        }
        found.insert(found.end(), files.begin(), files.end());
        for (auto& f : folders) todo.push_back({std::move(f), here});
    }
    return found;
}

}  // namespace

bool has_audio_extension(const std::filesystem::path& path) {
    const std::string dotted = path.extension().string();
    if (dotted.size() < 2) return false;
    const std::string ext = ascii_lower(std::string_view(dotted).substr(1));
    return std::find(audio_extensions.begin(), audio_extensions.end(), ext) != audio_extensions.end();
}

audio_file_walk find_audio_files(const std::vector<std::filesystem::path>& inputs, bool real_paths) {
    namespace fs = std::filesystem;
    audio_file_walk out;
    for (const fs::path& input : inputs) {
        std::error_code ec;
        if (!fs::is_directory(input, ec)) {
            out.files.push_back(input);
            continue;
        }
        std::vector<fs::path> found = walk_folder(input, real_paths, out.unreadable);
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());  // two links to one file
        out.files.insert(out.files.end(), found.begin(), found.end());
    }
    return out;
}

}  // namespace sonavec
