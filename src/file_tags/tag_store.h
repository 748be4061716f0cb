// One audio file's tags as TagLib opens them, behind one interface for every format: where each field
// goes (file_tags.h has the table), its current value, setting it, and saving.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sonavec/file_tags.h"

namespace sonavec {

class tag_store {
public:
    virtual ~tag_store() = default;
    virtual std::string format() const = 0;                               // "mp3", "flac", ...
    virtual std::string tag_name(const std::string& field) const = 0;     // "TBPM", "BPM", "tmpo"
    virtual std::string value(const std::string& field) const = 0;        // "" when absent
    // The value as this format stores it (an integer tempo for ID3v2 TBPM and MP4 tmpo).
    virtual std::string stored_form(const std::string& field, const std::string& value) const;
    virtual void set(const std::string& field, const std::string& value) = 0;
    virtual std::map<std::string, std::vector<std::string>> properties() const = 0;
    virtual bool save() = 0;  // false when TagLib could not write
};

// Opens path as the format its extension names (the content decides between Ogg Vorbis and Opus).
// Throws sonavec::error: unsupported (an extension without tags here), corrupt_file (TagLib cannot
// read it as that format), not_found, io.
std::unique_ptr<tag_store> open_tag_store(const std::filesystem::path& path, const std::string& as_format = "");

// "mp3", "flac", "ogg", "m4a", "wav", "aiff", or "" for an extension we do not write.
std::string tag_format_of(const std::filesystem::path& path);

// The plan for fields on an opened store (plan_tag_write, and apply_tag_write on its copy).
tag_plan plan_on_store(const std::filesystem::path& path, tag_store& store, const tag_fields& fields,
                       const tag_write_options& options);

}  // namespace sonavec
