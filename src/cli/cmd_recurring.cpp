// sonavec recurring: audio that recurs across the library's long recordings, without a query
// (library::recurring, sonavec/recurring.h), printed as a list, JSON, CSV or Audacity labels.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "library_option.h"
#include "search_output.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

void print_csv(const recurring_report& r) {
    std::cout << "item,path,start_seconds,end_seconds,similarity,id\n";
    for (size_t i = 0; i < r.items.size(); i++)
        for (const recurring_occurrence& o : r.items[i].occurrences)
            std::cout << i + 1 << "," << csv_field(o.path) << "," << seconds_text(o.start_seconds) << ","
                      << seconds_text(o.end_seconds) << "," << seconds_text(o.similarity) << "," << o.track_id << "\n";
}

// Audacity's label track text: start, end and "item N" (with the file's name when there are several).
void print_audacity(const recurring_report& r) {
    bool several = false;
    for (const recurring_item& item : r.items)
        for (const recurring_occurrence& o : item.occurrences)
            several = several || o.path != r.items.front().occurrences.front().path;
    for (size_t i = 0; i < r.items.size(); i++)
        for (const recurring_occurrence& o : r.items[i].occurrences) {
            std::string label = std::string("item ").append(std::to_string(i + 1));
            if (several) label.append(" ").append(escaped_line(std::filesystem::path(o.path).filename().string()));
            print_audacity_label(o.start_seconds, o.end_seconds, label);
        }
}

void print_list(const recurring_report& r) {
    for (size_t i = 0; i < r.items.size(); i++) {
        const recurring_item& item = r.items[i];
        std::printf("item %zu: %zu occurrences of about %.1f s%s%s\n", i + 1, item.occurrences.size(), item.length_seconds,
                    item.excerpt.empty() ? "" : ", excerpt ", for_terminal(item.excerpt).c_str());
        for (const recurring_occurrence& o : item.occurrences)
            std::printf("  %10.3f - %10.3f  %.3f  %s\n", o.start_seconds, o.end_seconds, o.similarity,
                        for_terminal(o.path).c_str());
    }
    std::fprintf(stderr, "%zu recurring items in %zu recordings (%.1f hours); %zu seeds checked, %zu matched pairs, %.1f s\n",
                 r.items.size(), r.recordings, r.hours, r.seeds, r.pairs, r.seconds);
}

int run_recurring(const parsed_args& args) {
    recurring_params p;
    const int count = args.get_int("--min-count", static_cast<int>(p.min_count));
    if (count < 2) throw usage_error("--min-count must be at least 2");
    p.min_count = static_cast<size_t>(count);
    p.min_length = args.get_number("--min-length", 0, 3600).value_or(p.min_length);
    p.min_similarity = args.get_number("--min-similarity", 0.5, 1).value_or(p.min_similarity);
    const int max = args.get_int("--max", 1000);
    if (max < 1) throw usage_error("--max must be at least 1");
    p.max_items = static_cast<size_t>(max);
    p.path_glob = args.get("--path", "");
    p.excerpts_dir = args.get("--excerpts", "");
    const int formats = args.has("--json") + args.has("--csv") + args.has("--audacity");
    if (formats > 1) throw usage_error("give one of --json, --csv and --audacity");
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const recurring_report r = lib->recurring(p);
    if (args.has("--json")) std::cout << recurring_report_json(r, 2) << "\n";
    else if (args.has("--csv")) print_csv(r);
    else if (args.has("--audacity")) print_audacity(r);
    else print_list(r);
    return 0;
}

}  // namespace

command recurring_command() {
    std::vector<option_spec> options = {library_option()};
    options.push_back({"--min-count", "N", "an item must occur at least N times (default 3)"});
    options.push_back({"--min-length", "S", "each matched stretch lasts at least S seconds (default 5)"});
    options.push_back({"--min-similarity", "R", "the share of equal fingerprint bits over 2 s for a match "
                                                "(default 0.85, AcoustID's rule for the same recording; unrelated audio agrees on about 0.5)"});
    options.push_back({"--path", "GLOB", "only recordings whose path matches this shell pattern ('*' crosses '/')"});
    options.push_back({"--excerpts", "DIR", "write each item's first occurrence there to listen to (item-0001.wav, ...)"});
    options.push_back({"--max", "N", "at most N items, most occurrences first (default 1000)"});
    options.push_back({"--json", "", "print {recordings, hours, ..., items: [{length_seconds, count, excerpt, "
                                     "occurrences: [{id, path, start_seconds, end_seconds, similarity}]}]}"});
    options.push_back({"--csv", "", "print item,path,start_seconds,end_seconds,similarity,id"});
    options.push_back({"--audacity", "", "print Audacity labels (start, end, 'item N'; File > Import > Labels)"});
    return {{"recurring", "[--library PATH] [--min-count N] [--min-length S] [--excerpts DIR] [--json|--csv|--audacity]",
             "Audio that plays again and again across the library's long recordings: jingles, idents, ads, beds.",
             "Needs no query and no model: it reads the Chromaprint fingerprints that `sonavec index --windows segments`\n"
             "keeps of each whole recording. Places whose hashes share their top 16 bits are checked on 2 s of hashes\n"
             "and followed while at least 0.85 of the bits agree (--min-similarity); stretches that overlap in one recording\n"
             "are one occurrence, and occurrences matched to each other one item. Exact copies (another encoding or gain,\n"
             "a bed beneath) match; a copy at another speed matches only through copies at speeds in between.\n"
             "\n"
             "examples:\n"
             "  sonavec index --windows segments ~/archive\n"
             "  sonavec recurring\n"
             "  sonavec recurring --min-count 10 --excerpts ~/recurring\n"
             "  sonavec recurring --audacity --path '*/1998-*' > labels.txt",
             options, 0, 0},
            run_recurring};
}

}  // namespace sonavec::cli
