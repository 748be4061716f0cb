// sonavec find: moments inside long recordings (library::find_clip / find_text, sonavec/find.h), printed
// as a table, JSON, CSV or Audacity labels.
#include <algorithm>
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

// By file, then time: how an archivist reads a list of moments (the report is best first).
std::vector<occurrence> by_file_and_time(std::vector<occurrence> v) {
    std::stable_sort(v.begin(), v.end(), [](const occurrence& a, const occurrence& b) {
        return a.path != b.path ? a.path < b.path : a.start_seconds < b.start_seconds;
    });
    return v;
}

void print_csv(const find_report& r) {
    std::cout << "path,start_seconds,end_seconds,score,sigmas,id\n";
    for (const occurrence& o : by_file_and_time(r.occurrences))
        std::cout << csv_field(o.path) << "," << seconds_text(o.start_seconds) << "," << seconds_text(o.end_seconds) << ","
                  << format_float(static_cast<float>(o.score)) << "," << seconds_text(o.sigmas) << "," << o.track_id << "\n";
}

// Audacity's label track text (File > Import > Labels): start, end and label, tab-separated, in seconds.
// The label names the file when the moments lie in several.
void print_audacity(const find_report& r) {
    bool several = false;
    for (const occurrence& o : r.occurrences) several = several || o.path != r.occurrences.front().path;
    for (const occurrence& o : by_file_and_time(r.occurrences)) {
        std::string label = std::string("score ").append(seconds_text(o.score));
        if (several) label.append(" ").append(escaped_line(std::filesystem::path(o.path).filename().string()));
        print_audacity_label(o.start_seconds, o.end_seconds, label);
    }
}

void print_table(const find_report& r) {
    for (const occurrence& o : r.occurrences)
        std::printf("%.3f  %s - %s  %s\n", o.score, clock_time(o.start_seconds).c_str(), clock_time(o.end_seconds).c_str(),
                    for_terminal(o.path).c_str());
    size_t by_print = 0;
    for (const occurrence& o : r.occurrences) by_print += o.print_similarity > 0;
    std::fprintf(stderr, "%zu moments in %zu windows of %zu files, %zu found by the fingerprints (%zu places lined up "
                         "in %zu printed recordings); the vectors' threshold %.4f: median %.4f + %.4f per sigma, "
                         "windows of the query's length; "
                         "scan %.3f s, fingerprints %.1f s, refinement %.1f s\n",
                 r.occurrences.size(), r.windows, r.files, by_print, r.print_hits, r.printed, r.threshold, r.moment_median,
                 r.moment_deviation, r.scan_seconds, r.print_seconds, r.refine_seconds);
}

int run_find(const parsed_args& args) {
    find_params p;
    p.min_score = args.get_number("--min-score", -1, 1);
    p.min_sigmas = args.get_number("--sigmas", 0, 100).value_or(p.min_sigmas);
    p.min_match = args.get_number("--min-match", -1, 1).value_or(p.min_match);
    p.min_print_similarity = args.get_number("--min-print", 0, 1).value_or(p.min_print_similarity);
    const int max = args.get_int("--max", 1000);
    if (max < 1) throw usage_error("--max must be at least 1");
    p.max_results = static_cast<size_t>(max);
    p.refine = !args.has("--no-refine");
    p.path_glob = args.get("--path", "");
    if (args.has("--model-id")) p.model_id = args.get("--model-id");
    const int formats = args.has("--json") + args.has("--csv") + args.has("--audacity");
    if (formats > 1) throw usage_error("give one of --json, --csv and --audacity");

    const std::string query = args.positional[0];
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const auto eng = open_engine(args);
    if (args.has("--within")) {
        p.within = parse_segment_kind(args.get("--within"));
        if (*p.within == segment_kind::silence) throw usage_error("--within silence would find nothing to hear");
        p.timeline = timeline_from(args, *eng);
    } else if (args.has("--example") || args.has("--silence-db") || args.has("--min-silence")) {
        throw usage_error("--example, --silence-db and --min-silence shape the timeline of --within: give --within too");
    }
    std::error_code ec;
    const bool clip = std::filesystem::is_regular_file(query, ec);
    const find_report r = clip ? lib->find_clip(query, *eng, p) : lib->find_text(query, *eng, p);
    if (args.has("--json")) std::cout << find_report_json(r, 2) << "\n";
    else if (args.has("--csv")) print_csv(r);
    else if (args.has("--audacity")) print_audacity(r);
    else print_table(r);
    return 0;
}

}  // namespace

command find_command() {
    std::vector<option_spec> options = {library_option(), model_option(), precision_option()};
    options.push_back({"--model-id", "ID", "the segments of this model (default: --model's)"});
    options.push_back({"--min-score", "S", "an occurrence's cosine with the query must be at least S (default: 5 "
                                           "robust sigmas above this query's median window, see below)"});
    options.push_back({"--sigmas", "Z", "the automatic bound in robust sigmas (default 5)"});
    options.push_back({"--min-match", "R", "a clip's moments must also correlate with its log-mel spectrogram at "
                                           "least R (default 0.5; -1: off)"});
    options.push_back({"--min-print", "S", "a clip's fingerprint must agree with a recording's on at least this share "
                                           "of bits for a moment found by the fingerprints (default 0.7; 1: off)"});
    options.push_back({"--max", "N", "at most N occurrences, best first (default 1000)"});
    options.push_back({"--path", "GLOB", "only recordings whose path matches this shell pattern ('*' crosses '/')"});
    options.push_back({"--no-refine", "", "report the stored 10 s windows as they are (no decoding, no re-embedding)"});
    options.push_back({"--within", "KIND", "only moments inside stretches of speech, music, speech-over-music or noise "
                                           "(as sonavec timeline labels them)"});
    for (option_spec& o : timeline_options()) {
        o.help = "with --within: " + o.help;
        options.push_back(std::move(o));
    }
    options.push_back({"--json", "", "print {threshold, median, deviation, ..., occurrences: [{id, path, "
                                     "start_seconds, end_seconds, score, sigmas, coarse_score, match, print_similarity}]}"});
    options.push_back({"--csv", "", "print path,start_seconds,end_seconds,score,sigmas,id by file and time"});
    options.push_back({"--audacity", "", "print Audacity labels (start, end, label; File > Import > Labels)"});
    return {{"find", "[--library PATH] [--min-score S] [--path GLOB] [--json|--csv|--audacity] CLIP|TEXT",
             "Where inside the library's long recordings a clip plays, or a description fits.",
             "The recordings must be indexed with the segments plan (sonavec index --windows segments: 10 s windows\n"
             "every 5 s, kept as int8 vectors, and a Chromaprint fingerprint of each whole recording). A clip's own\n"
             "fingerprint, also as if played 1 and 2 % slower and faster, is slid along every recording's: where at least\n"
             "0.7 of its bits agree (--min-print), it is rescored there at speeds 0.5 % apart, placed by its spectrogram\n"
             "every 10 ms and kept when that matches too (or 0.85 of the bits agree, AcoustID's rule for the same\n"
             "recording). This finds the clip itself whatever the model. Then the vectors: every window is scored\n"
             "against the query (an audio file's first 10 s, or a text); the windows that stand out are merged into\n"
             "regions (for a clip the fingerprints covered, only those reaching --sigmas), and each is decoded again and\n"
             "re-embedded with windows of the query's length every second, then every 0.25 s around the best, so each\n"
             "moment is placed to within about half a second. A clip's moments must also be its own sound: their log-mel\n"
             "spectrograms correlate with the clip's at least 0.5 (--min-match; gain does not count). Moments that\n"
             "overlap are merged, the best kept.\n"
             "\n"
             "Which scores count needs no calibrated threshold: a window must lie 5 (--sigmas) robust standard\n"
             "deviations above the median of this query's scores over the whole archive (median and 1.4826 x median\n"
             "absolute deviation; for a normal spread about 0.2 chance windows in 1,000 hours). --min-score gives an\n"
             "absolute cosine instead.\n"
             "\n"
             "examples:\n"
             "  sonavec index --windows segments ~/archive\n"
             "  sonavec find jingle.wav\n"
             "  sonavec find --csv jingle.wav > jingle.csv\n"
             "  sonavec find --audacity --path '*/1998-03-02.mp3' jingle.wav > labels.txt\n"
             "  sonavec find --min-score 0.3 'crowd cheering'\n"
             "  sonavec find --within music 'brass fanfare'",
             options, 1, 1},
            run_find};
}

}  // namespace sonavec::cli
