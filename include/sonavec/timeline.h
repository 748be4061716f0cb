// Segmentation (library::timeline): what each stretch of a segments-plan recording holds, one of speech,
// music, speech over music, noise and silence, as a timeline of the file, with no audio decoded:
//   1. every stored window (10 s every 5 s) is scored against one vector per kind, zero-shot as
//      sonavec/tagging.h scores a track: softmax over the kinds of logit_scale x cosine. The vectors come
//      from the built-in "segments" taxonomy's prompts (data/taxonomies/segments.txt), or, for any kind,
//      from example recordings of it (segment_labels): a user's own idea of "music";
//   2. each hop-long cell of the recording takes the mean probabilities of the windows that cover it,
//      and its most probable kind;
//   3. silence comes from energy instead, at 0.1 s: the stored level of the whole-recording print
//      (recording_print.levels_db) below silence_db for at least min_silence_seconds. It is laid over
//      the cells, which keep the rest of their span;
//   4. neighbouring stretches of one kind are one segment.
// find_params::within restricts a find to the stretches of one kind.
//
//   sonavec::timeline_params tp;  tp.path_glob = "/archive/1998-*.mp3";
//   sonavec::timeline_report t = lib->timeline(tp, *eng);
//   for (auto& f : t.files) for (auto& s : f.segments) std::cout << s.start_seconds << " " << segment_kind_name(s.kind);
//   std::cout << timeline_webvtt(t.files[0]);
//   sonavec::write_timeline_picture(t, "timeline.png");
//
// Silence's defaults are ffmpeg's silencedetect's (noise=-60dB, d=2): BENCHMARKS.md ("Finding moments:
// segmentation") measures both against a known timeline. The kinds' accuracy depends on the real
// weights and is not measured here: with stand-in example vectors the mechanics are tested.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sonavec/engine.h"
#include "sonavec/tagging.h"

namespace sonavec {

enum class segment_kind { speech, music, speech_over_music, noise, silence };

// "speech", "music", "speech over music", "noise", "silence".
const char* segment_kind_name(segment_kind k);
// A kind by its name; '-' and '_' stand for spaces ("speech-over-music"), any case. invalid_input,
// listing the names, otherwise.
segment_kind parse_segment_kind(const std::string& name);

// The vectors of the kinds a window can be (every kind but silence, which is energy's): the built-in
// "segments" taxonomy's prompts through the text tower (its text cache), except the kinds given
// examples: each of those is the mean of its example files' vectors (10 s windows every 10 s over each
// file's first 300 s), L2-normalised. An example that cannot be decoded throws as embed_track does,
// naming the file; a kind not named as above, or silence, is invalid_input.
label_set segment_labels(const engine& eng, const std::map<std::string, std::vector<std::filesystem::path>>& examples = {});

struct timeline_params {
    std::string path_glob;  // only files whose path matches this shell pattern ("" all)
    // The kinds' vectors (segment_labels). Unset: segment_labels(eng) with the engine given. Its labels
    // must be kind names (two or more of speech, music, speech over music, noise), its rows of the
    // segments' dimension.
    std::optional<label_set> labels;
    // Energy: a stretch is silent where its RMS level (of the 11025 Hz decode the print is made from)
    // stays below silence_db for at least min_silence_seconds. ffmpeg silencedetect's defaults.
    double silence_db = -60;
    double min_silence_seconds = 2;
    std::optional<std::string> model_id;  // by default the engine's
    int threads = 0;                      // for scoring the windows (0: all cores)
};

struct timeline_segment {
    double start_seconds = 0, end_seconds = 0;
    segment_kind kind = segment_kind::silence;
    // The kind's mean zero-shot probability over the segment's cells (1 for silence).
    double probability = 0;
    double level_db = 0;  // the RMS level over the segment (of the print's decode); 0 without levels
};

struct file_timeline {
    int64_t track_id = 0;
    std::string path;
    double duration_seconds = 0;
    size_t windows = 0;       // stored windows scored
    bool has_levels = false;  // false: the recording has no print yet, so no silence was looked for
    std::vector<timeline_segment> segments;  // in time order, covering the windows' span
};

struct timeline_report {
    std::vector<file_timeline> files;  // by path
    std::vector<std::string> kinds;    // the labels the windows were scored against, in their order
    double seconds = 0;                // reading and scoring
};

// The kind at `seconds` of a file's timeline; nullopt outside its segments.
std::optional<segment_kind> kind_at(const file_timeline& t, double seconds);

// Exports (what `sonavec timeline` writes and GET /api/timeline serves):
// JSON: {kinds, seconds, files: [{id, path, duration_seconds, windows, has_levels,
//        segments: [{start_seconds, end_seconds, kind, probability, level_db}]}]}; indent < 0: one line.
std::string timeline_json(const timeline_report& r, int indent = -1);
// CSV: path,start_seconds,end_seconds,kind,probability,level_db with a header line (RFC 4180 quoting).
std::string timeline_csv(const timeline_report& r);
// Audacity labels of one file: start<TAB>end<TAB>kind per line, seconds to the millisecond.
std::string timeline_audacity(const file_timeline& t);
// WebVTT of one file: "WEBVTT", then a cue per segment, HH:MM:SS.mmm --> HH:MM:SS.mmm, the kind as its text.
std::string timeline_webvtt(const file_timeline& t);

struct timeline_picture_options {
    int width = 1600;       // pixels (PNG) or user units (SVG); the height follows from the recordings
    size_t max_rows = 40;   // recordings drawn, by path; the rest are counted under the last row
    std::string title;      // above the strips ("" : none)
};

// A picture of the timelines: one strip per recording, to one time scale (the longest recording fills the
// width), each segment in its kind's colour, with a legend of the hours of each kind and a time axis. PNG
// (through cairo) or SVG by the file's extension; written atomically. invalid_input for another
// extension, a width outside 400 to 20000 or max_rows outside 1 to 1000.
void write_timeline_picture(const timeline_report& r, const std::filesystem::path& file,
                            const timeline_picture_options& options = {});

}  // namespace sonavec
