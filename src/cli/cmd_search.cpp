// sonavec search / similar: a library's tracks nearest to a description or to a sound, best first,
// with filters on duration, format, path and tags.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "search_output.h"
#include "track_options.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"
#include "sonavec/model.h"

namespace sonavec::cli {

namespace {

// What to look for, read from the options before anything slow happens (usage errors come first).
struct search_request {
    search_params params;
    bool json = false;

    explicit search_request(const parsed_args& args) : json(args.has("--json")) {
        params.filter = filter_from(args);
        const int k = args.get_int("-k", 10);
        if (k < 1) throw usage_error("-k must be at least 1");
        params.k = k;
        try {
            params.index = parse_index_choice(args.get("--index", "auto"));
        } catch (const error& e) {
            throw usage_error(e.what());
        }
        params.threads = threads_arg(args, 0);
        if (args.has("--model-id")) params.model_id = args.get("--model-id");
        try {
            params.mode = parse_search_mode(args.get("--mode", "audio"));
        } catch (const error& e) {
            throw usage_error(e.what());
        }
        params.words = args.get("--words", "");
        products_precision(args);  // checked now, used when the query is embedded
    }
};

// A library of several models asks which one, unless the query's model was chosen (--model,
// $SONAVEC_MODEL) or --model-id names the vectors.
void check_model_chosen(const library& lib, const parsed_args& args) {
    if (args.has("--model-id") || model_chosen(args.get("--model"))) return;
    const std::map<std::string, int64_t> models = lib.models();
    if (models.size() > 1)
        throw error(error_kind::invalid_input,
                    "the library holds vectors of " + std::to_string(models.size()) + " models: " + models_text(models) +
                        "; choose one with --model DIR (the query is embedded with it) or --model-id ID");
}

std::vector<option_spec> search_options() {
    std::vector<option_spec> options = {library_option(),
            model_option(),
            {"--model-id", "ID", "search the vectors recorded with this model id (default: the model of --model, or "
                                 "of the library track given to similar); see `sonavec stats`"},
            {"-k", "N", "how many results (default 10)"},
            {"--index", "KIND", "auto (default: exact for small libraries, ANN for large), exact or ann"},
            {"--json", "", "print a JSON array of {score, id, path, duration_seconds, tags, inferred, descriptors}, best first"},
            {"--mode", "M", "audio (default: CLAP similarity), text (the words against file names, tags and inferred "
                            "tags) or hybrid (both, fused by reciprocal rank)"},
            {"--words", "W", "with --mode text|hybrid: the words to match (search: TEXT by default; similar: required)"},
            threads_option(),
            precision_option()};
    for (const auto& o : filter_options()) options.insert(options.begin() + 4, o);
    return options;
}

std::vector<option_spec> search_text_options() {
    std::vector<option_spec> options = search_options();
    options.push_back(no_text_cache_option());
    return options;
}

int run_search(const parsed_args& args) {
    const search_request request(args);  // usage errors first
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    check_model_chosen(*lib, args);
    std::string text;
    for (const auto& p : args.positional) text += (text.empty() ? "" : " ") + p;
    if (request.params.mode == search_mode::text) {  // words alone: no model to load
        search_params p = request.params;
        if (p.words.empty()) p.words = text;
        return print_matches(*lib, lib->search_vector({}, p), request.json);
    }
    const auto eng = open_engine(args);
    return print_matches(*lib, lib->search_text(text, *eng, request.params, !args.has("--no-cache")), request.json);
}

int run_similar(const parsed_args& args) {
    const search_request request(args);  // usage errors first
    if (request.params.mode != search_mode::audio && request.params.words.empty())
        throw usage_error("--mode " + std::string(search_mode_name(request.params.mode)) + " needs --words: what to match in names and tags");
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const std::string what = args.positional[0];
    if (const auto id = track_id(what)) return print_matches(*lib, lib->similar(*id, request.params), request.json);
    // A file the library holds uses its stored vector; any other is embedded now, the default way.
    const auto known = lib->find_file(what);
    const auto& wanted = request.params.model_id;
    if (known && (known->status != entry_status::ok || !wanted || known->model_id == *wanted))
        return print_matches(*lib, lib->search_file(what, nullptr, request.params), request.json);
    if (!known) check_model_chosen(*lib, args);
    engine_params p = engine_default_params();
    p.threads = request.params.threads;
    p.products = products_precision(args);
    p.model_dir = resolve_model_dir(args.get("--model"), model_use::audio);
    const auto eng = engine::open(p);
    return print_matches(*lib, lib->search_file(what, eng.get(), request.params), request.json);
}

}  // namespace

command search_command() {
    return {{"search", "[--library PATH] [--model DIR | --model-id ID] [-k N] [FILTERS] [--json] [--no-cache] TEXT...",
             "Find the library's tracks that best match a description (text to audio), best first.",
             "Scores are cosine similarities between the text's and each track's vectors (the CLAP space).\n"
             "Only the vectors of the query's model are searched (a model is known by its files, see `sonavec stats`);\n"
             "a library holding several models asks for --model DIR or --model-id ID.\n"
             "The words of TEXT are joined with spaces, so quotes are optional.\n\n"
             "examples:\n"
             "  sonavec search \"dark cinematic string ensemble\"\n"
             "  sonavec search -k 20 --max-duration 30 --path '*/sfx/*' rain on a tin roof\n"
             "  sonavec search --tag genre=jazz --json \"late night saxophone\"\n"
             "  sonavec search --where mood=melancholic --bpm 118-124 --key \"A minor\" piano\n\n"
             "--mode hybrid also matches TEXT's words against each track's file name, folders, own tags and inferred\n"
             "tags (SQLite FTS5, BM25, Porter stems: \"kicks\" finds Kick_01.wav) and fuses the two rankings by\n"
             "reciprocal rank (k = 60, Cormack et al. 2009): for short sounds (\"kick\", \"snare roll\") the name often\n"
             "knows more than the audio. --mode text ranks by the words alone and needs no model.\n"
             "  sonavec search --mode hybrid snare roll\n\n"
             "A repeated TEXT (same model and --precision) comes from the text cache\n"
             "($XDG_CACHE_HOME/sonavec/text-cache.sqlite) without running the text tower; --no-cache skips it.",
             search_text_options(), 1},
            run_search};
}

command similar_command() {
    return {{"similar", "[--library PATH] [--model DIR | --model-id ID] [-k N] [FILTERS] [--json] FILE|ID",
             "Find the library's tracks that sound most like FILE (or the library track with id ID), best first.",
             "A file in the library uses its stored vector and is left out of the results; any other audio file\n"
             "is embedded on the fly (seed plan, at --precision). Ids are shown by `--json` and by `sonavec export`.\n"
             "Only vectors of the query's model are searched: the library track's own model, or that of --model.\n\n"
             "examples:\n"
             "  sonavec similar ~/Music/reference.wav\n"
             "  sonavec similar -k 5 --format flac 42\n"
             "  sonavec similar --mode hybrid --words \"snare roll\" ~/samples/roll.wav",
             search_options(), 1, 1},
            run_similar};
}

}  // namespace sonavec::cli
