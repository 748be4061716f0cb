// Reading an audio file's own tags, and writing fields (bpm, key, genre, mood, ReplayGain, free-form
// ones) back into it with TagLib, without ever touching the audio or losing a tag.
//
//   sonavec::tag_fields values{{"bpm", "120"}, {"genre", "Ambient"}, {"mood", "calm"}};
//   sonavec::tag_plan dry = sonavec::plan_tag_write("a.flac", values, {});          // what would change
//   sonavec::tag_plan done = sonavec::apply_tag_write("a.flac", values, {.overwrite = {"genre"}});
//
// Field names (case-insensitive) and where they go:
//   field                  ID3v2 (mp3, wav, aiff)          Vorbis comment (flac, ogg, opus)  MP4 (m4a)
//   bpm                    TBPM                            BPM                               tmpo (an integer)
//   key                    TKEY                            INITIALKEY                        ----:com.apple.iTunes:initialkey
//   genre                  TCON                            GENRE                             ©gen
//   mood                   TXXX:MOOD                       MOOD                              ----:com.apple.iTunes:MOOD
//   replaygain_track_gain  TXXX:REPLAYGAIN_TRACK_GAIN      REPLAYGAIN_TRACK_GAIN             ----:com.apple.iTunes:replaygain_track_gain
//   replaygain_track_peak  TXXX:REPLAYGAIN_TRACK_PEAK      REPLAYGAIN_TRACK_PEAK             ----:com.apple.iTunes:replaygain_track_peak
//   anything else, NAME    TXXX:NAME                       NAME                              ----:com.apple.iTunes:NAME
// Vorbis comments take INITIALKEY (what TagLib, Mixxx, foobar2000 and Picard's ID3-compatible mapping read);
// an existing KEY comment counts as an existing key. An existing ID3v2.4 TMOO counts as an existing mood.
//
// Writing is all or nothing: the file is copied to a temporary file beside it (".NAME.sonavec-tags-PID"),
// the tags are written into the copy, the copy's audio packets are checked to be identical to the
// original's, its mode is set to the original's, it is synced, and only then renamed over the original.
// A kill at any moment leaves the original as it was or fully written; a temporary file left by a killed
// run is never read as audio (its name has no audio extension) and the next write to the same file
// removes it.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sonavec {

// Field name (lower case: "bpm", "key", ..., or a free-form name) -> value.
using tag_fields = std::map<std::string, std::string>;

// Every tag the file holds, in TagLib's format-neutral names ("TITLE", "ARTIST", "GENRE", "BPM",
// "INITIALKEY", "MOOD", "REPLAYGAIN_TRACK_GAIN", ...), each with its values. Throws sonavec::error:
// not_found, io (unreadable), corrupt_file (not an audio file TagLib reads), unsupported (a format
// without tags here).
std::map<std::string, std::vector<std::string>> read_file_tags(const std::filesystem::path& path);

struct tag_write_options {
    // Fields whose existing value may be replaced ("all" for every field); the others are kept.
    std::vector<std::string> overwrite;
};

enum class tag_action {
    add,      // the file has no such tag: written
    replace,  // the file has another value, and overwrite names the field: replaced
    keep,     // the file has another value and overwrite does not name the field: kept
    same,     // the file already holds this value: nothing to do
};

struct tag_change {
    std::string field;      // "bpm"
    std::string tag;        // where it goes in this format: "TBPM", "BPM", "tmpo"
    std::string old_value;  // empty when the file has none
    std::string new_value;  // what the file holds afterwards (the old value when kept)
    tag_action action = tag_action::add;
};

struct tag_plan {
    std::filesystem::path file;
    std::string format;  // "mp3", "flac", "ogg", "opus", "m4a", "wav", "aiff"
    std::vector<tag_change> changes;
    bool written = false;  // apply_tag_write wrote the file

    // Whether applying would change the file (an add or a replace).
    bool changes_file() const;
};

// "add", "replace", "keep", "same".
const char* tag_action_name(tag_action action);

// The field names above that the library knows, and "replaygain" for both ReplayGain fields; a name is
// checked (letters, digits, '_', '-', ' ', at most 64 characters) or invalid_input is thrown.
std::string canonical_tag_field(const std::string& name);

// What apply_tag_write would do; reads only. Throws sonavec::error as read_file_tags does, and
// invalid_input for a bad field name or value (a bpm that is not a positive number).
tag_plan plan_tag_write(const std::filesystem::path& path, const tag_fields& fields, const tag_write_options& options);

// Plans, then writes when the plan changes the file (see above). Throws sonavec::error: io for a
// read-only file or folder, a full disk or a failed write (the original untouched); corrupt_file when
// the copy's audio would differ (never renamed). Files are independent: a caller doing a batch catches
// per file and goes on.
tag_plan apply_tag_write(const std::filesystem::path& path, const tag_fields& fields, const tag_write_options& options);

}  // namespace sonavec
