// sonavec write-tags: writing fields (bpm, key, genre, mood, ReplayGain, free-form) into audio files.
// A dry run by default; --apply writes, each file all or nothing (sonavec/file_tags.h).
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "commands.h"
#include "library_option.h"
#include "progress_bar.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/file_tags.h"
#include "sonavec/library.h"
#include "sonavec/track.h"

namespace sonavec::cli {

namespace {

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// --fields: the names given, "replaygain" standing for both ReplayGain fields; empty = every field given.
std::set<std::string> selected_fields(const parsed_args& args) {
    std::set<std::string> out;
    for (const auto& name : split_list(args.get("--fields"))) {
        const std::string field = canonical_tag_field(name);
        if (field == "replaygain") {
            out.insert("replaygain_track_gain");
            out.insert("replaygain_track_peak");
        } else {
            out.insert(field);
        }
    }
    return out;
}

// --from-json FILE: {"PATH": {"FIELD": "VALUE", ...}, ...}, numbers allowed as values.
std::map<std::string, tag_fields> values_from_json(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw error(error_kind::not_found, file + ": cannot open");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw error(error_kind::invalid_input, file + ": not JSON (" + e.what() + ")");
    }
    if (!doc.is_object()) throw error(error_kind::invalid_input, file + ": expects an object of paths");
    std::map<std::string, tag_fields> out;
    for (const auto& [path, fields] : doc.items()) {
        if (!fields.is_object()) throw error(error_kind::invalid_input, file + ": " + path + ": expects an object of fields");
        for (const auto& [field, value] : fields.items()) {
            if (value.is_string()) out[path][canonical_tag_field(field)] = value.get<std::string>();
            else if (value.is_number()) out[path][canonical_tag_field(field)] = value.dump();
            else throw error(error_kind::invalid_input, file + ": " + path + ": " + field + ": expects a string or number");
        }
    }
    return out;
}

void print_plan(const tag_plan& plan, bool applied) {
    std::printf("%s (%s)%s\n", for_terminal(plan.file.string()).c_str(), plan.format.c_str(),
                plan.changes_file() ? (applied ? ": written" : ": would change") : ": nothing to change");
    for (const auto& c : plan.changes) {
        std::string what;
        switch (c.action) {
            case tag_action::add: what = "(none) -> " + c.new_value; break;
            case tag_action::replace: what = c.old_value + " -> " + c.new_value; break;
            case tag_action::keep: what = "kept: " + c.old_value + " (--overwrite " + c.field + " to replace)"; break;
            case tag_action::same: what = "already " + c.new_value; break;
        }
        std::printf("  %-22s %-40s %-8s %s\n", c.field.c_str(), for_terminal(c.tag).c_str(), tag_action_name(c.action),
                    for_terminal(what).c_str());
    }
}

int run(const parsed_args& args) {
    const bool apply = args.has("--apply");
    tag_fields given;
    auto sets = args.repeated.find("--set");
    if (sets != args.repeated.end())
        for (const auto& item : sets->second) {
            const size_t eq = item.find('=');
            if (eq == std::string::npos || eq == 0) throw usage_error("--set expects FIELD=VALUE, got '" + item + "'");
            given[canonical_tag_field(item.substr(0, eq))] = item.substr(eq + 1);
        }
    const std::map<std::string, tag_fields> per_file =
        args.has("--from-json") ? values_from_json(args.get("--from-json")) : std::map<std::string, tag_fields>{};
    const bool from_library = args.has("--library");
    if (given.empty() && per_file.empty() && !from_library)
        throw usage_error("no values: give --set FIELD=VALUE, --from-json FILE or --library PATH");
    if (args.positional.empty() && !from_library) throw usage_error("no files: give FILE|DIR... or --library PATH");
    const std::set<std::string> only = selected_fields(args);
    tag_write_options options;
    options.overwrite = split_list(args.get("--overwrite"));
    for (const auto& name : options.overwrite)
        if (canonical_tag_field(name) == "all" && options.overwrite.size() > 1)
            throw usage_error("--overwrite all stands alone");

    // --library: the values index --analyze computed (computed_tag_fields), for the files given or
    // every file the library holds; a file it does not hold is reported and skipped.
    std::unique_ptr<library> lib;
    std::map<std::string, tag_fields> computed;
    audio_file_walk walk;
    if (from_library) {
        lib = library::open(library_dir(args), library::open_mode::read_only);
        for (const catalog_entry& e : lib->entries())
            if (e.status == entry_status::ok && !e.content_hash.empty()) computed[e.path] = computed_tag_fields(e);
        if (args.positional.empty())
            for (const auto& [path, fields] : computed) walk.files.emplace_back(path);
    }
    if (!args.positional.empty())
        walk = find_audio_files(std::vector<std::filesystem::path>(args.positional.begin(), args.positional.end()));
    for (const auto& u : walk.unreadable)
        std::fprintf(stderr, "sonavec write-tags: %s: cannot read the folder: %s\n", for_terminal(u.path.string()).c_str(),
                     for_terminal(u.reason).c_str());
    // A bar for a batch; a handful of files is reported by the plans themselves.
    progress_bar progress("write-tags", walk.files.size(), walk.files.size() < 10);
    size_t changed = 0, failed = walk.unreadable.size();
    for (const auto& file : walk.files) {
        tag_fields fields;
        if (from_library) {
            const auto known = computed.find(std::filesystem::weakly_canonical(file).string());
            if (known == computed.end()) {
                ++failed;
                progress.failed(file.string(), "not in the library (sonavec index --analyze it first)");
                continue;
            }
            fields = known->second;
        }
        for (const auto& [k, v] : given) fields[k] = v;
        if (auto it = per_file.find(file.string()); it != per_file.end())
            for (const auto& [k, v] : it->second) fields[k] = v;
        if (!only.empty())
            for (auto it = fields.begin(); it != fields.end();) it = only.count(it->first) ? std::next(it) : fields.erase(it);
        try {
            const tag_plan plan = apply ? apply_tag_write(file, fields, options) : plan_tag_write(file, fields, options);
            print_plan(plan, apply);
            if (plan.changes_file()) ++changed;
            progress.succeeded(file.string());
        } catch (const error& e) {
            ++failed;
            progress.failed(file.string(), std::string(error_kind_name(e.kind())) + ": " + e.what());
        }
    }
    progress.finish();
    std::printf("%s %zu of %zu files%s\n", apply ? "wrote" : "would write", changed, walk.files.size(),
                failed ? (", " + std::to_string(failed) + " failed").c_str() : "");
    if (!apply && changed > 0) std::printf("(dry run: add --apply to write)\n");
    if (std::fflush(stdout) != 0) throw error(error_kind::io, "cannot write to standard output");
    return failed ? 1 : 0;
}

}  // namespace

command write_tags_command() {
    return {{"write-tags",
             "[--set FIELD=VALUE]... [--from-json FILE] [--library PATH] [--fields LIST] [--overwrite LIST] [--apply] "
             "FILE|DIR...",
             "Write tags (bpm, key, genre, mood, ReplayGain, free-form) into audio files; a dry run unless --apply.",
             "Fields: bpm, key, genre, mood, replaygain_track_gain, replaygain_track_peak, or any other name\n"
             "(a TXXX frame, Vorbis comment or iTunes freeform atom of that name). Formats: mp3, wav and aiff\n"
             "(ID3v2), flac, ogg and opus (Vorbis comments), m4a (MP4 atoms).\n"
             "A tag the file already has is kept unless --overwrite names its field (or 'all'); every other\n"
             "tag is left as it is. With --apply each file is written into a copy beside it, its audio checked\n"
             "packet for packet against the original, then renamed over it: an interrupted run leaves each\n"
             "file as it was or fully written. A file that fails (read-only, disk full, not audio) is reported\n"
             "and skipped; the exit code is then 1.\n"
             "--library PATH takes the values sonavec computed (index --analyze): bpm (rounded), key (\"F#m\"),\n"
             "genre (the most probable), mood (up to three, \"; \"), replaygain_track_gain (-18 LUFS minus the\n"
             "track's loudness) and replaygain_track_peak (its true peak, linear), for the files given or, with\n"
             "none, every file the library holds; --set and --from-json values go on top of them.\n"
             "\n"
             "examples:\n"
             "  sonavec write-tags --set bpm=124 --set key=Am --set genre=House track.flac\n"
             "  sonavec write-tags --from-json values.json --fields bpm,replaygain --overwrite bpm --apply Music/\n"
             "  sonavec write-tags --library ~/.local/share/sonavec/library --fields bpm,key,mood --apply\n"
             "  (values.json: {\"Music/a.mp3\": {\"bpm\": 124, \"mood\": \"dark\"}})",
             {{"--set", "FIELD=VALUE", "a value for every file (repeatable)"},
              {"--from-json", "FILE", "values per file: {\"PATH\": {\"FIELD\": VALUE}}; --set values apply too"},
              {"--library", "PATH", "the values the library computed (index --analyze) for each file"},
              {"--fields", "LIST", "only these fields of the values given (comma-separated; 'replaygain' = both)"},
              {"--overwrite", "LIST", "fields whose existing value is replaced (comma-separated, or 'all')"},
              {"--apply", "", "write the files (default: print what would change)"}},
             0},
            run};
}

}  // namespace sonavec::cli
