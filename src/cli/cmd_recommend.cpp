// sonavec recommend / path: playlists from the library's vectors (library::recommend, library::path).
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "commands.h"
#include "library_option.h"
#include "search_output.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"
#include "sonavec/model.h"

namespace sonavec::cli {

namespace {

// "42", "song.wav", "text:warm acoustic guitar", each optionally weighted "2*42" / "0.5*text:...".
recommend_seed parse_seed(const std::string& given) {
    recommend_seed seed;
    std::string what = given;
    const size_t star = what.find('*');
    if (star != std::string::npos && star > 0 && what.find_first_not_of("0123456789.", 0) == star) {
        char* end = nullptr;
        const std::string number = what.substr(0, star);
        seed.weight = std::strtod(number.c_str(), &end);
        if (*end != '\0' || !(seed.weight > 0 && seed.weight < 1e6))
            throw usage_error("a seed's weight must be a positive number, got '" + number + "'");
        what = what.substr(star + 1);
    }
    if (what.rfind("text:", 0) == 0) {
        seed.what = recommend_seed::kind::text;
        seed.text = what.substr(5);
        if (seed.text.empty()) throw usage_error("text: needs words after it");
    } else if (const auto id = track_id(what)) {
        seed.what = recommend_seed::kind::track;
        seed.id = *id;
    } else {
        seed.what = recommend_seed::kind::file;
        seed.file = what;
    }
    return seed;
}

size_t count_option(const parsed_args& args, const std::string& name) {
    const int v = args.get_int(name, 0);
    if (v < 0) throw usage_error(name + " must not be negative");
    return static_cast<size_t>(v);
}

int finish(const library& lib, const std::vector<search_match>& matches, const parsed_args& args) {
    if (args.has("--m3u")) {
        write_m3u(args.get("--m3u"), matches);
        std::fprintf(stderr, "wrote %zu tracks to %s\n", matches.size(), for_terminal(args.get("--m3u")).c_str());
    }
    if (args.has("--m3u") && !args.has("--json")) return 0;
    return print_matches(lib, matches, args.has("--json"));
}

int run_recommend(const parsed_args& args) {
    recommend_params p;
    const auto seeds = [&](const char* name) {
        std::vector<recommend_seed> out;
        if (auto it = args.repeated.find(name); it != args.repeated.end())
            for (const auto& s : it->second) out.push_back(parse_seed(s));
        return out;
    };
    p.like = seeds("--like");
    for (const auto& s : args.positional) p.like.push_back(parse_seed(s));
    p.unlike = seeds("--unlike");
    if (p.like.empty()) throw usage_error("nothing to start from: give tracks, files or text: seeds (or --like)");
    p.search.filter = filter_from(args);
    p.search.k = args.get_int("-k", 20);
    if (p.search.k < 1) throw usage_error("-k must be at least 1");
    if (args.has("--model-id")) p.search.model_id = args.get("--model-id");
    p.diversity = args.get_fraction("--diversity", p.diversity);
    p.unlike_weight = args.get_fraction("--unlike-weight", p.unlike_weight);
    p.per_folder = count_option(args, "--per-folder");
    p.per_artist = count_option(args, "--per-artist");
    p.use_cache = !args.has("--no-cache");
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    // A model only when a seed needs one: text, or a file the library does not hold.
    bool needs_model = model_chosen(args.get("--model"));
    for (const auto* side : {&p.like, &p.unlike})
        for (const auto& s : *side)
            needs_model = needs_model || s.what == recommend_seed::kind::text ||
                          (s.what == recommend_seed::kind::file && !lib->find_file(s.file));
    const auto eng = needs_model ? open_engine(args) : nullptr;
    return finish(*lib, lib->recommend(p, eng.get()), args);
}

// A track id, or a file the library holds.
int64_t track_of(const library& lib, const std::string& what) {
    if (const auto id = track_id(what)) return *id;
    const auto e = lib.find_file(what);
    if (!e) throw error(error_kind::not_found, for_terminal(what) + " is not in the library (give a track id or an indexed file)");
    return e->id;
}

int run_path(const parsed_args& args) {
    path_params p;
    p.search.filter = filter_from(args);
    const int steps = args.get_int("--steps", 10);
    if (steps < 2) throw usage_error("--steps must be at least 2 (the two ends)");
    p.steps = static_cast<size_t>(steps);
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    p.from = track_of(*lib, args.positional[0]);
    p.to = track_of(*lib, args.positional[1]);
    return finish(*lib, lib->path(p), args);
}

std::vector<option_spec> playlist_options() {
    std::vector<option_spec> o = {library_option()};
    for (const auto& f : filter_options()) o.push_back(f);
    o.push_back({"--json", "", "print a JSON array of {score, id, path, duration_seconds, tags, inferred, descriptors}"});
    o.push_back({"--m3u", "FILE", "also write the tracks as an M3U8 playlist (then nothing is printed unless --json)"});
    return o;
}

}  // namespace

command recommend_command() {
    std::vector<option_spec> options = playlist_options();
    options.insert(options.begin() + 1, model_option());
    options.insert(options.begin() + 2, {"--model-id", "ID", "the vectors of this model (default: the seeds')"});
    options.push_back({"--like", "SEED", "a track to be like (repeatable; the positional SEEDs are likes too)"});
    options.push_back({"--unlike", "SEED", "a track to move away from (repeatable)"});
    options.push_back({"-k", "N", "how many tracks (default 20)"});
    options.push_back({"--diversity", "X", "0 to 1: how much each track must differ from those before it "
                                            "(maximal marginal relevance; default 0.3, 0: nearest first)"});
    options.push_back({"--unlike-weight", "X", "0 to 1: how far the unliked seeds push (default 0.5)"});
    options.push_back({"--per-folder", "N", "at most N tracks from one folder"});
    options.push_back({"--per-artist", "N", "at most N tracks with one artist tag"});
    options.push_back(no_text_cache_option());
    options.push_back(precision_option());
    return {{"recommend", "[--library PATH] [--like SEED]... [--unlike SEED]... [-k N] [--diversity X] [--per-folder N] "
                          "[--per-artist N] [FILTERS] [--json] [--m3u FILE] [SEED...]",
             "Tracks like these and unlike those: seeds are library track ids, audio files or text:WORDS, each "
             "optionally weighted W*SEED.",
             "The query is the weighted mean of the liked seeds' vectors minus 0.5 (--unlike-weight) x the weighted\n"
             "mean of the unliked ones (Rocchio's relevance feedback), normalised; the results are then chosen one at a\n"
             "time by maximal marginal relevance: (1 - diversity) x similarity to the query - diversity x similarity\n"
             "to the closest track already chosen. The seeds themselves are left out. A file the library holds uses its\n"
             "stored vector; text and other files are embedded with the model (--model). Neither default is tuned on\n"
             "real data (this build cannot measure semantic quality): change them to taste.\n"
             "\n"
             "examples:\n"
             "  sonavec recommend 42 118                               # like tracks 42 and 118\n"
             "  sonavec recommend --like 42 --like '0.5*text:acoustic guitar' --unlike 77 -k 30\n"
             "  sonavec recommend --per-artist 2 --bpm 118-124 --m3u mix.m3u8 ~/Music/ref.flac",
             options, 0},
            run_recommend};
}

command path_command() {
    std::vector<option_spec> options = playlist_options();
    options.push_back({"--steps", "N", "tracks in the playlist, both ends included (default 10)"});
    return {{"path", "[--library PATH] [--steps N] [FILTERS] [--json] [--m3u FILE] FROM TO",
             "A playlist that moves from one library track to another (ids or indexed files) in N steps.",
             "Step i of N is the track nearest to the point i/(N-1) of the way along the great circle from FROM's\n"
             "vector to TO's (spherical interpolation), never one already in the playlist; FROM comes first and TO\n"
             "last. The filters apply to the tracks in between. Score: the cosine with that point.\n"
             "\n"
             "examples:\n"
             "  sonavec path 12 345\n"
             "  sonavec path --steps 20 --m3u journey.m3u8 ~/Music/calm.flac ~/Music/loud.flac",
             options, 2, 2},
            run_path};
}

}  // namespace sonavec::cli
