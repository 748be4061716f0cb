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
#include "track_options.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"
#include "sonavec/model.h"

namespace sonavec::cli {

namespace {

// --min-duration, --max-duration, --format, --path and --tag.
search_filter filter_from(const parsed_args& args) {
    search_filter f;
    f.min_seconds = seconds_option(args, "--min-duration");
    f.max_seconds = seconds_option(args, "--max-duration");
    f.format = args.get("--format");
    f.path_glob = args.get("--path");
    if (args.has("--tag")) {
        const std::string t = args.get("--tag");
        const size_t eq = t.find('=');
        if (eq == std::string::npos || eq == 0) throw usage_error("--tag expects KEY=VALUE, got '" + t + "'");
        f.tag_key = t.substr(0, eq);
        f.tag_value = t.substr(eq + 1);
    }
    // --where mood=melancholic,genre=indie rock: inferred tags (sonavec retag), every one required.
    const std::string where = args.get("--where");
    for (size_t start = 0; start < where.size();) {
        const size_t comma = std::min(where.find(',', start), where.size());
        const std::string item = where.substr(start, comma - start);
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw usage_error("--where expects TAXONOMY=LABEL[,TAXONOMY=LABEL...], got '" + item + "'");
        f.inferred.emplace_back(item.substr(0, eq), item.substr(eq + 1));
        start = comma + 1;
    }
    // --bpm 118-124 (or 118- / -124) and --key "A minor": descriptors (index --analyze).
    if (args.has("--bpm")) {
        const std::string b = args.get("--bpm");
        const size_t dash = b.find('-');
        const auto bound = [&](const std::string& text) -> std::optional<double> {
            if (text.empty()) return std::nullopt;
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (*end != '\0' || !(v > 0 && v <= 1000)) throw usage_error("--bpm expects MIN-MAX such as 118-124, got '" + b + "'");
            return v;
        };
        if (dash == std::string::npos || b == "-") throw usage_error("--bpm expects MIN-MAX such as 118-124, got '" + b + "'");
        f.min_bpm = bound(b.substr(0, dash));
        f.max_bpm = bound(b.substr(dash + 1));
        if (f.min_bpm && f.max_bpm && *f.min_bpm > *f.max_bpm) throw usage_error("--bpm: MIN is above MAX in '" + b + "'");
    }
    if (args.has("--key")) {
        f.key = args.get("--key");
        try {
            key_camelot(f.key);
        } catch (const error& e) {
            throw usage_error(std::string("--key: ") + e.what());
        }
    }
    return f;
}

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
        products_precision(args);  // checked now, used when the query is embedded
    }
};

std::string duration_text(double seconds) {
    const long s = std::lround(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string tags_text(const std::map<std::string, std::string>& tags) {
    std::string out;
    for (const char* key : {"artist", "title", "album", "genre", "year"}) {
        const auto it = tags.find(key);
        if (it == tags.end() || it->second.empty()) continue;
        out += (out.empty() ? "" : " | ") + it->second;
    }
    return out;
}

// "mood: melancholic 0.31, calm 0.22 | genre: jazz 0.40", the inferred tags by taxonomy.
std::string inferred_text(const std::vector<inferred_tag>& tags) {
    std::string out, taxonomy;
    for (const auto& g : tags) {
        char p[32];
        std::snprintf(p, sizeof p, " %.2f", g.probability);
        out += g.taxonomy == taxonomy ? ", " : (out.empty() ? "" : " | ") + g.taxonomy + ": ";
        out += g.label + p;
        taxonomy = g.taxonomy;
    }
    return out;
}

// "124.0 BPM | A minor (8A) | -9.3 LUFS | energy 0.81 | loop".
std::string descriptors_text(const track_descriptors& d) {
    char buf[160];
    std::string out = d.bpm > 0 ? (std::snprintf(buf, sizeof buf, "%.1f BPM", d.bpm), std::string(buf)) : "no beat";
    out += d.key.empty() ? std::string(" | no key") : " | " + d.key + " (" + d.camelot + ")";
    if (std::isfinite(d.loudness_lufs)) {
        std::snprintf(buf, sizeof buf, " | %.1f LUFS", d.loudness_lufs);
        out += buf;
    } else {
        out += " | silent";
    }
    std::snprintf(buf, sizeof buf, " | energy %.2f", d.energy);
    return out + buf + (d.loop ? " | loop" : "");
}

// Paths and tags are not always valid UTF-8: bad bytes become U+FFFD rather than an exception.
std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

int print_matches(const library& lib, const std::vector<search_match>& matches, const search_request& request) {
    if (request.json) {
        std::string out = "[";
        for (size_t i = 0; i < matches.size(); i++) {
            const catalog_entry& e = matches[i].track;
            nlohmann::json tags(e.tags);
            out += (i ? ",\n " : "") + std::string("{\"score\": ") + format_float(matches[i].score) +
                   ", \"id\": " + std::to_string(e.id) + ", \"path\": " + json_text(e.path) +
                   ", \"duration_seconds\": " + format_float(static_cast<float>(e.duration_seconds)) +
                   ", \"tags\": " + json_text(tags) + ", \"inferred\": " + inferred_tags_json(e.inferred) +
                   ", \"descriptors\": " + (e.descriptors ? descriptors_json(*e.descriptors) : std::string("null")) + "}";
        }
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    if (matches.empty()) {
        int64_t held = 0;
        for (const auto& [model, n] : lib.models()) held += n;
        std::printf("no matching tracks (%lld in the library)\n", static_cast<long long>(held));
        return 0;
    }
    std::printf("%7s  %7s  %s\n", "score", "length", "path");
    for (const auto& m : matches) {
        // Each line escaped on its own: the line breaks between them are ours.
        std::string lines;
        for (const std::string& line : {tags_text(m.track.tags),
                                        m.track.descriptors ? descriptors_text(*m.track.descriptors) : std::string(),
                                        inferred_text(m.track.inferred)})
            if (!line.empty()) lines += "\n                  " + for_terminal(line);
        std::printf("%7.4f  %7s  %s%s\n", m.score, duration_text(m.track.duration_seconds).c_str(),
                    for_terminal(m.track.path).c_str(), lines.c_str());
    }
    return 0;
}

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
    return {library_option(),
            model_option(),
            {"--model-id", "ID", "search the vectors recorded with this model id (default: the model of --model, or "
                                 "of the library track given to similar); see `sonavec stats`"},
            {"-k", "N", "how many results (default 10)"},
            {"--min-duration", "S", "only tracks at least S seconds long"},
            {"--max-duration", "S", "only tracks at most S seconds long"},
            {"--format", "FMT", "only files of this container format: mp3, flac, wav, ogg, m4a, aiff, ..."},
            {"--path", "GLOB", "only paths matching the shell pattern (e.g. '*/drums/*')"},
            {"--tag", "KEY=VALUE", "only tracks whose tag KEY contains VALUE (case-insensitive), e.g. genre=jazz"},
            {"--where", "T=L,...", "only tracks with these inferred tags (sonavec retag, sonavec learn), e.g. mood=melancholic,genre=jazz or learned=NAME; "
                                   "a subgenre matches by its own name"},
            {"--bpm", "MIN-MAX", "only analysed tracks (index --analyze) with a tempo in this range, e.g. 118-124 "
                                 "(118- or -124: one bound)"},
            {"--key", "KEY", "only analysed tracks in this key: a name or Camelot code (\"A minor\", \"Am\", \"8A\"); "
                             "enharmonic spellings match (A# = Bb)"},
            {"--index", "KIND", "auto (default: exact for small libraries, ANN for large), exact or ann"},
            {"--json", "", "print a JSON array of {score, id, path, duration_seconds, tags, inferred, descriptors}, best first"},
            threads_option(),
            precision_option()};
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
    const auto eng = open_engine(args);
    return print_matches(*lib, lib->search_text(text, *eng, request.params, !args.has("--no-cache")), request);
}

// A track id: digits only, naming no file. An id too large for int64 names no track either (ids are
// SQLite rowids).
std::optional<int64_t> track_id(const std::string& what) {
    if (what.empty() || !std::all_of(what.begin(), what.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) ||
        std::filesystem::exists(what))
        return std::nullopt;
    const std::string digits = what.substr(std::min(what.find_first_not_of('0'), what.size() - 1));
    const bool fits = digits.size() < 19 || (digits.size() == 19 && digits <= "9223372036854775807");
    if (!fits) throw error(error_kind::not_found, "no track with id " + what + " in the library");
    return static_cast<int64_t>(std::stoll(digits));
}

int run_similar(const parsed_args& args) {
    const search_request request(args);  // usage errors first
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const std::string what = args.positional[0];
    if (const auto id = track_id(what)) return print_matches(*lib, lib->similar(*id, request.params), request);
    // A file the library holds uses its stored vector; any other is embedded now, the default way.
    const auto known = lib->find_file(what);
    const auto& wanted = request.params.model_id;
    if (known && (known->status != entry_status::ok || !wanted || known->model_id == *wanted))
        return print_matches(*lib, lib->search_file(what, nullptr, request.params), request);
    if (!known) check_model_chosen(*lib, args);
    engine_params p = engine_default_params();
    p.threads = request.params.threads;
    p.products = products_precision(args);
    p.model_dir = resolve_model_dir(args.get("--model"), model_use::audio);
    const auto eng = engine::open(p);
    return print_matches(*lib, lib->search_file(what, eng.get(), request.params), request);
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
             "  sonavec similar -k 5 --format flac 42",
             search_options(), 1, 1},
            run_similar};
}

}  // namespace sonavec::cli
