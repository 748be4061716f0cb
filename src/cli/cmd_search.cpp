// sonavec search / similar: a library's tracks nearest to a description or to a sound, best first,
// with filters on duration, format, path and tags.
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "audio/track_embedder.h"
#include "cli/commands.h"
#include "sonavec/model.h"
#include "library/catalog.h"
#include "library/library_index.h"
#include "library/model_identity.h"
#include "util/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

// What --min-duration, --max-duration, --format, --path and --tag ask for.
struct result_filter {
    std::optional<double> min_seconds, max_seconds;
    std::string format, path_glob, tag_key, tag_value;

    // FFmpeg names some containers by a list ("mov,mp4,m4a,3gp,3g2,mj2"): any of its names matches.
    bool names_format(const std::string& container) const {
        std::string names = ",", wanted = ",";
        names += lower(container);
        names += ',';
        wanted += format;
        wanted += ',';
        return names.find(wanted) != std::string::npos;
    }

    bool any() const { return min_seconds || max_seconds || !format.empty() || !path_glob.empty() || !tag_key.empty(); }

    bool accepts(const catalog_entry& e) const {
        if (min_seconds && e.duration_seconds < *min_seconds) return false;
        if (max_seconds && e.duration_seconds > *max_seconds) return false;
        if (!format.empty() && !names_format(e.format)) return false;
        if (!path_glob.empty() && fnmatch(path_glob.c_str(), e.path.c_str(), 0) != 0) return false;
        if (!tag_key.empty()) {
            const auto it = e.tags.find(tag_key);
            if (it == e.tags.end() || lower(it->second).find(tag_value) == std::string::npos) return false;
        }
        return true;
    }
};

double parse_seconds(const parsed_args& args, const std::string& name) {
    const std::string text = args.get(name);
    try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size() && std::isfinite(v) && v >= 0) return v;
    } catch (const std::exception&) {
    }
    throw usage_error(name + " expects seconds (a number >= 0), got '" + text + "'");
}

result_filter filter_from(const parsed_args& args) {
    result_filter f;
    if (args.has("--min-duration")) f.min_seconds = parse_seconds(args, "--min-duration");
    if (args.has("--max-duration")) f.max_seconds = parse_seconds(args, "--max-duration");
    f.format = lower(args.get("--format"));
    f.path_glob = args.get("--path");
    if (args.has("--tag")) {
        const std::string t = args.get("--tag");
        const size_t eq = t.find('=');
        if (eq == std::string::npos || eq == 0) throw usage_error("--tag expects KEY=VALUE, got '" + t + "'");
        f.tag_key = lower(t.substr(0, eq));
        f.tag_value = lower(t.substr(eq + 1));
    }
    return f;
}

std::filesystem::path library_dir(const parsed_args& args) {
    return args.has("--library") ? std::filesystem::path(args.get("--library")) : catalog::default_library_dir();
}

index_choice index_from(const parsed_args& args) {
    try {
        return parse_index_choice(args.get("--index", "auto"));
    } catch (const error& e) {
        throw usage_error(e.what());
    }
}

int64_t k_from(const parsed_args& args) {
    const int k = args.get_int("-k", 10);
    if (k < 1) throw usage_error("-k must be at least 1");
    return k;
}

catalog open_existing_library(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir / "catalog.sqlite"))
        throw error("no library at " + dir.string() + ": build one with `sonavec index DIR`" +
                    " (or choose another with --library)");
    return catalog(dir, catalog_open::read_only);
}

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

// Paths and tags are not always valid UTF-8: bad bytes become U+FFFD rather than an exception.
std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// What to look for, read from the options before anything slow happens (usage errors come first).
struct search_request {
    result_filter filter;
    int64_t k = 10;
    index_choice index = index_choice::automatic;
    precision products = precision::fp32;  // of the query's vector, when it is embedded
    bool json = false;

    explicit search_request(const parsed_args& args)
        : filter(filter_from(args)),
          k(k_from(args)),
          index(index_from(args)),
          products(products_precision(args)),
          json(args.has("--json")) {}
};

std::string models_text(const std::map<std::string, int64_t>& models) {
    std::string out;
    for (const auto& [id, n] : models)
        out += (out.empty() ? "" : ", ") + (id.empty() ? std::string("(imported without a model id)") : id) + " (" +
               std::to_string(n) + " files)";
    return out.empty() ? "none" : out;
}

// Which model's vectors to search (models' spaces differ, so one at a time): --model-id, else the
// model of the library track that is the query (similar ID), else the model the query is embedded
// with. A library of several models asks which one unless a model was chosen.
std::string model_to_search(const catalog& cat, const parsed_args& args, const std::optional<std::string>& track_model,
                            model_use use) {
    const std::map<std::string, int64_t> models = cat.stats(0).by_model;
    std::string id;
    if (args.has("--model-id")) {
        id = args.get("--model-id");
    } else if (track_model) {
        id = *track_model;  // "" too: vectors imported without a model are compared only with their like
    } else {
        const char* env = std::getenv("SONAVEC_MODEL");
        const bool chosen = args.has("--model") || (env && env[0]);
        if (models.size() > 1 && !chosen)
            throw error("the library holds vectors of " + std::to_string(models.size()) + " models: " +
                        models_text(models) + "; choose one with --model DIR (the query is embedded with it) or " +
                        "--model-id ID");
        id = model_identity(resolve_model_dir(args.get("--model"), use));
    }
    if (!models.empty() && models.count(id) == 0)
        throw error("the library holds no vectors of model " + id + " (it holds " + models_text(models) +
                    "): search with --model DIR of the model that made them, or --model-id ID for vectors made " +
                    "elsewhere with this model");
    return id;
}

// Searches model_id's vectors and prints the hits; `exclude` (a track's own id, for similar) is left out.
int search_and_print(const catalog& cat, const std::vector<float>& query, const std::string& model_id,
                     const search_request& request, const parsed_args& args, std::optional<int64_t> exclude) {
    const result_filter& filter = request.filter;
    const int64_t k = request.k;
    // The index (its build, and a large scan) runs on --threads threads.
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const int threads = threads_arg(args, cores);
    const vector_index idx = open_library_index(cat, request.index, model_id, threads);
    if (idx.size() > 0 && static_cast<int64_t>(query.size()) != idx.dim())
        throw error("the query has " + std::to_string(query.size()) + " dimensions and the vectors of model " +
                    model_id + " " + std::to_string(idx.dim()) + ": they come from another model");

    std::unordered_set<int64_t> accepted;
    if (filter.any())
        for (const auto& e : cat.entries(false))
            if (filter.accepts(e)) accepted.insert(e.id);
    std::function<bool(int64_t)> accept;
    if (filter.any() || exclude)
        accept = [&](int64_t id) { return (!exclude || id != *exclude) && (!filter.any() || accepted.count(id) > 0); };
    const std::vector<search_hit> hits = idx.search(query.data(), k, accept, {.threads = threads});

    if (request.json) {
        std::string out = "[";
        for (size_t i = 0; i < hits.size(); i++) {
            const auto e = cat.find(hits[i].id);
            if (!e) continue;
            nlohmann::json tags(e->tags);
            out += (i ? ",\n " : "") + std::string("{\"score\": ") + format_float(hits[i].score) +
                   ", \"id\": " + std::to_string(e->id) + ", \"path\": " + json_text(e->path) +
                   ", \"duration_seconds\": " + format_float(static_cast<float>(e->duration_seconds)) +
                   ", \"tags\": " + json_text(tags) + "}";
        }
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    if (hits.empty()) {
        std::printf("no matching tracks (%lld in the library)\n", static_cast<long long>(idx.size()));
        return 0;
    }
    std::printf("%7s  %7s  %s\n", "score", "length", "path");
    for (const auto& h : hits) {
        const auto e = cat.find(h.id);
        if (!e) continue;
        const std::string tags = tags_text(e->tags);
        std::printf("%7.4f  %7s  %s%s%s\n", h.score, duration_text(e->duration_seconds).c_str(),
                    for_terminal(e->path).c_str(), tags.empty() ? "" : "\n                  ", for_terminal(tags).c_str());
    }
    return 0;
}

std::vector<option_spec> search_options() {
    return {{"--library", "PATH", "the library (default: $XDG_DATA_HOME/sonavec/library)"},
            model_option(),
            {"--model-id", "ID", "search the vectors recorded with this model id (default: the model of --model, or "
                                 "of the library track given to similar); see `sonavec stats`"},
            {"-k", "N", "how many results (default 10)"},
            {"--min-duration", "S", "only tracks at least S seconds long"},
            {"--max-duration", "S", "only tracks at most S seconds long"},
            {"--format", "FMT", "only files of this container format: mp3, flac, wav, ogg, m4a, aiff, ..."},
            {"--path", "GLOB", "only paths matching the shell pattern (e.g. '*/drums/*')"},
            {"--tag", "KEY=VALUE", "only tracks whose tag KEY contains VALUE (case-insensitive), e.g. genre=jazz"},
            {"--index", "KIND", "auto (default: exact for small libraries, ANN for large), exact or ann"},
            {"--json", "", "print a JSON array of {score, id, path, duration_seconds, tags}, best first"},
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
    catalog cat = open_existing_library(library_dir(args));
    std::string text;
    for (const auto& p : args.positional) text += (text.empty() ? "" : " ") + p;
    const std::string model_id = model_to_search(cat, args, std::nullopt, model_use::audio_and_text);
    return search_and_print(cat, embed_texts_for(args, "search", {text}).rows, model_id, request, args, std::nullopt);
}

int run_similar(const parsed_args& args) {
    const search_request request(args);  // usage errors first
    catalog cat = open_existing_library(library_dir(args));
    const std::string what = args.positional[0];
    std::optional<catalog_entry> known;
    if (!what.empty() && std::all_of(what.begin(), what.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) &&
        !std::filesystem::exists(what)) {
        // An id too large for int64 names no track either (ids are SQLite rowids).
        const std::string digits = what.substr(std::min(what.find_first_not_of('0'), what.size() - 1));
        const bool fits = digits.size() < 19 || (digits.size() == 19 && digits <= "9223372036854775807");
        if (fits) known = cat.find(static_cast<int64_t>(std::stoll(digits)), true);
        if (!known) throw error("no track with id " + what + " in the library");
    } else {
        std::error_code ec;
        const auto abs = std::filesystem::absolute(what, ec);
        known = cat.find(abs.lexically_normal().string(), true);
        if (!known && std::filesystem::exists(what)) {
            const auto canon = std::filesystem::weakly_canonical(what, ec);
            if (!ec) known = cat.find(canon.string(), true);
        }
    }
    if (known && known->status == entry_status::ok && !known->vector.empty())
        return search_and_print(cat, known->vector, model_to_search(cat, args, known->model_id, model_use::audio),
                                request, args, known->id);
    if (known && known->status != entry_status::ok)
        throw error(known->path + " is in the library but could not be embedded: " + known->error);

    // Not in the library: embed it now, the default way.
    const std::string model_id = model_to_search(cat, args, std::nullopt, model_use::audio);
    engine_params p = engine_default_params();
    p.threads = threads_arg(args, 0);
    p.products = request.products;
    p.model_dir = resolve_model_dir(args.get("--model"), model_use::audio);
    const auto eng = engine::open(p);
    track_embed_params tp;
    const track_embedding t = embed_track(*eng, what, tp);
    return search_and_print(cat, t.vector, model_id, request, args, std::nullopt);
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
             "  sonavec search --tag genre=jazz --json \"late night saxophone\"\n\n"
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
