// Reading a file's tags and planning a write: which fields are added, replaced, kept or already there.
#include "sonavec/file_tags.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "file_tags/tag_store.h"
#include "sonavec/error.h"
#include "util/text_case.h"
#include "util/utf8.h"

namespace sonavec {

namespace {

constexpr size_t max_field_name = 64;
constexpr size_t max_value_bytes = 4096;

void check_value(const std::string& field, const std::string& value) {
    if (value.empty()) throw error(error_kind::invalid_input, field + ": empty value");
    if (value.size() > max_value_bytes) throw error(error_kind::invalid_input, field + ": value longer than 4096 bytes");
    if (!is_valid_utf8(value)) throw error(error_kind::invalid_input, field + ": value is not UTF-8 text");
    for (const unsigned char c : value)
        if (c < 0x20) throw error(error_kind::invalid_input, field + ": value holds a control character");
    if (field == "bpm") {
        char* end = nullptr;
        const double bpm = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0' || !std::isfinite(bpm) || bpm <= 0 || bpm > 1000)
            throw error(error_kind::invalid_input, "bpm: '" + value + "' is not a tempo (a number from 0 to 1000)");
    }
}

bool overwrites(const std::vector<std::string>& overwrite, const std::string& field) {
    for (const auto& name : overwrite) {
        const std::string c = ascii_lower(name);
        if (c == "all" || c == field || (c == "replaygain" && field.rfind("replaygain_", 0) == 0)) return true;
    }
    return false;
}

}  // namespace

bool tag_plan::changes_file() const {
    return std::any_of(changes.begin(), changes.end(), [](const tag_change& c) {
        return c.action == tag_action::add || c.action == tag_action::replace;
    });
}

const char* tag_action_name(tag_action action) {
    switch (action) {
        case tag_action::add: return "add";
        case tag_action::replace: return "replace";
        case tag_action::keep: return "keep";
        case tag_action::same: return "same";
    }
    return "?";
}

std::string canonical_tag_field(const std::string& name) {
    const std::string field = ascii_lower(name);
    if (field.empty() || field.size() > max_field_name)
        throw error(error_kind::invalid_input, "tag field name '" + name + "': 1 to 64 characters");
    for (const char c : field)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ' '))
            throw error(error_kind::invalid_input,
                        "tag field name '" + name + "': only letters, digits, '_', '-' and spaces");
    return field;
}

std::map<std::string, std::vector<std::string>> read_file_tags(const std::filesystem::path& path) {
    const auto store = open_tag_store(path);
    auto tags = store->properties();
    // TagLib's neutral names miss some of the fields we write (MP4's MOOD and ReplayGain atoms): add them.
    const std::pair<const char*, const char*> known[] = {
        {"bpm", "BPM"}, {"key", "INITIALKEY"}, {"genre", "GENRE"}, {"mood", "MOOD"},
        {"replaygain_track_gain", "REPLAYGAIN_TRACK_GAIN"}, {"replaygain_track_peak", "REPLAYGAIN_TRACK_PEAK"}};
    for (const auto& [field, name] : known)
        if (!tags.count(name))
            if (std::string v = store->value(field); !v.empty()) tags[name] = {v};
    return tags;
}

// Shared by plan_tag_write and apply_tag_write (which plans on the copy it writes).
tag_plan plan_on_store(const std::filesystem::path& path, tag_store& store, const tag_fields& fields,
                       const tag_write_options& options) {
    tag_plan plan;
    plan.file = path;
    plan.format = store.format();
    for (const auto& [name, value] : fields) {
        const std::string field = canonical_tag_field(name);
        if (field == "replaygain")
            throw error(error_kind::invalid_input, "replaygain: give replaygain_track_gain and replaygain_track_peak");
        check_value(field, value);
        tag_change c;
        c.field = field;
        c.tag = store.tag_name(field);
        c.old_value = store.value(field);
        const std::string wanted = store.stored_form(field, value);
        if (c.old_value.empty()) c.action = tag_action::add;
        else if (c.old_value == wanted) c.action = tag_action::same;
        else c.action = overwrites(options.overwrite, field) ? tag_action::replace : tag_action::keep;
        c.new_value = c.action == tag_action::keep ? c.old_value : wanted;
        plan.changes.push_back(c);
    }
    return plan;
}

tag_plan plan_tag_write(const std::filesystem::path& path, const tag_fields& fields, const tag_write_options& options) {
    auto store = open_tag_store(path);
    return plan_on_store(path, *store, fields, options);
}

}  // namespace sonavec
