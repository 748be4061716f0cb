// sonavec timeline: what each stretch of the library's long recordings holds (library::timeline,
// sonavec/timeline.h), printed as a table, JSON, CSV, Audacity labels or WebVTT.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "library_option.h"
#include "search_output.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"
#include "timeline_options.h"
#include "track_options.h"

namespace sonavec::cli {

namespace {

// A shell pattern that matches this path only (fnmatch: a backslash makes the next character plain).
std::string literal_pattern(const std::string& path) {
    std::string out;
    for (char c : path) {
        if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

void print_table(const timeline_report& r) {
    for (const file_timeline& f : r.files) {
        std::printf("%s (%s)%s\n", for_terminal(f.path).c_str(), clock_time(f.duration_seconds).c_str(),
                    f.has_levels ? "" : "  no levels stored: silence not looked for (index it again)");
        for (const timeline_segment& s : f.segments)
            std::printf("  %s - %s  %-17s %.2f  %6.1f dB\n", clock_time(s.start_seconds).c_str(),
                        clock_time(s.end_seconds).c_str(), segment_kind_name(s.kind), s.probability, s.level_db);
    }
    std::fprintf(stderr, "%zu recordings, kinds: ", r.files.size());
    for (size_t i = 0; i < r.kinds.size(); i++) std::fprintf(stderr, "%s%s", i ? ", " : "", r.kinds[i].c_str());
    std::fprintf(stderr, " and silence; %.2f s\n", r.seconds);
}

int run_timeline(const parsed_args& args) {
    const int formats = args.has("--json") + args.has("--csv") + args.has("--audacity") + args.has("--webvtt") +
                        args.has("--png") + args.has("--svg");
    if (formats > 1) throw usage_error("give one of --json, --csv, --audacity, --webvtt, --png and --svg");
    if (args.has("--png") && std::filesystem::path(args.get("--png")).extension() != ".png")
        throw usage_error("--png takes a file ending in .png");
    if (args.has("--svg") && std::filesystem::path(args.get("--svg")).extension() != ".svg")
        throw usage_error("--svg takes a file ending in .svg");
    if (!args.positional.empty() && args.has("--path")) throw usage_error("give a recording or --path, not both");
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const auto eng = open_engine(args);
    timeline_params p = timeline_from(args, *eng);
    p.path_glob = args.get("--path", "");
    if (args.has("--model-id")) p.model_id = args.get("--model-id");
    if (!args.positional.empty()) {
        const auto e = lib->find_file(args.positional[0], false);
        if (!e) throw error(error_kind::not_found, for_terminal(args.positional[0]) + " is not in the library");
        p.path_glob = literal_pattern(e->path);
    }
    const timeline_report r = lib->timeline(p, *eng);
    if (args.has("--png") || args.has("--svg")) {
        const std::string file = args.get(args.has("--png") ? "--png" : "--svg");
        timeline_picture_options o;
        if (r.files.size() == 1) o.title = std::filesystem::path(r.files[0].path).filename().string();
        write_timeline_picture(r, file, o);
        std::fprintf(stderr, "wrote %s: %zu recordings\n", for_terminal(file).c_str(), r.files.size());
        return 0;
    }
    const bool one_file = args.has("--audacity") || args.has("--webvtt");
    if (one_file && r.files.size() != 1)
        throw usage_error("--audacity and --webvtt describe one recording, and " + std::to_string(r.files.size()) +
                          " match: name one, or use --json or --csv");
    if (args.has("--json")) std::cout << timeline_json(r, 2) << "\n";
    else if (args.has("--csv")) std::cout << timeline_csv(r);
    else if (args.has("--audacity")) std::cout << timeline_audacity(r.files[0]);
    else if (args.has("--webvtt")) std::cout << timeline_webvtt(r.files[0]);
    else print_table(r);
    return 0;
}

}  // namespace

command timeline_command() {
    std::vector<option_spec> options = {library_option(), model_option(), precision_option()};
    options.push_back({"--model-id", "ID", "the segments of this model (default: --model's)"});
    options.push_back({"--path", "GLOB", "the recordings whose path matches this shell pattern ('*' crosses '/')"});
    for (option_spec& o : timeline_options()) options.push_back(std::move(o));
    options.push_back({"--json", "", "print {kinds, files: [{id, path, duration_seconds, windows, has_levels, segments: "
                                     "[{start_seconds, end_seconds, kind, probability, level_db}]}]}"});
    options.push_back({"--csv", "", "print path,start_seconds,end_seconds,kind,probability,level_db"});
    options.push_back({"--audacity", "", "print Audacity labels of one recording (File > Import > Labels)"});
    options.push_back({"--webvtt", "", "print WebVTT cues of one recording (a <track> for an <audio> element, players)"});
    options.push_back({"--png", "FILE", "draw the timelines instead: a strip per recording, coloured by kind"});
    options.push_back({"--svg", "FILE", "the same drawing as SVG"});
    return {{"timeline", "[--library PATH] [--path GLOB] [--example KIND=FILE] [--json|--csv|--audacity|--webvtt|--png F] [RECORDING]",
             "What each stretch of the library's long recordings holds: speech, music, speech over music, noise or silence.",
             "The recordings must be indexed with the segments plan (sonavec index --windows segments). Nothing is\n"
             "decoded: each stored 10 s window is scored against one vector per kind, zero-shot (softmax over the kinds\n"
             "of the model's logit scale x cosine), from the built-in 'segments' taxonomy's prompts or from your own\n"
             "examples (--example music=bed.wav). Each 5 s cell takes the mean of the windows over it and its most\n"
             "probable kind. Silence comes from the stored level every 0.1 s instead: below -60 dB (--silence-db) for\n"
             "2 s (--min-silence), ffmpeg silencedetect's defaults. Neighbouring stretches of one kind are one segment.\n"
             "The probability column is the kind's mean zero-shot probability over the segment (1 for silence).\n"
             "\n"
             "How well the prompts tell speech from music depends on the model's weights and was not measured\n"
             "with the real ones; examples of your own collection's kinds are the surer way. sonavec find --within\n"
             "KIND searches inside one kind's stretches.\n"
             "\n"
             "examples:\n"
             "  sonavec index --windows segments ~/archive\n"
             "  sonavec timeline ~/archive/1998-03-02.mp3\n"
             "  sonavec timeline --webvtt ~/archive/1998-03-02.mp3 > 1998-03-02.vtt\n"
             "  sonavec timeline --csv --path '*/1998-*' > 1998.csv\n"
             "  sonavec timeline --png 1998.png --path '*/1998-*'\n"
             "  sonavec timeline --example music=beds/bed1.wav --example music=beds/bed2.wav --json show.mp3",
             options, 0, 1},
            run_timeline};
}

}  // namespace sonavec::cli
