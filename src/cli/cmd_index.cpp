#include <memory>
#include <optional>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "descriptor_options.h"
#include "progress_bar.h"
#include "taxonomy_options.h"
#include "track_options.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"
#include "sonavec/model.h"

namespace sonavec::cli {

namespace {

// What index --analyze did after indexing.
struct analysis_outcome {
    analyze_report descriptors;
    retag_report tags;
};

nlohmann::json analysis_json(const analysis_outcome& a) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& [path, reason] : a.descriptors.failures) failures.push_back({{"path", path}, {"error", reason}});
    return {{"analyzed", a.descriptors.analyzed},
            {"current", a.descriptors.current},
            {"failed", a.descriptors.failures.size()},
            {"seconds", a.descriptors.seconds},
            {"tagged_tracks", a.tags.tracks},
            {"taxonomies", a.tags.taxonomies},
            {"tags_stored", a.tags.stored},
            {"failures", failures}};
}

std::string analysis_text(const analysis_outcome& a) {
    char line[512];
    std::snprintf(line, sizeof line,
                  "descriptors: %zu analysed, %zu current, %zu failed (%.2f s); tags: %zu tracks, %zu taxonomies, "
                  "%zu tags stored\n",
                  a.descriptors.analyzed, a.descriptors.current, a.descriptors.failures.size(), a.descriptors.seconds,
                  a.tags.tracks, a.tags.taxonomies, a.tags.stored);
    return line;
}

std::string summary_json(const index_report& r, const analysis_outcome* analysed) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : r.failures) failures.push_back({{"path", f.path}, {"error", f.error}, {"retried", f.retried}});
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& [path, reason] : r.unreadable) unreadable.push_back({{"path", path}, {"error", reason}});
    nlohmann::json fingerprint_failures = nlohmann::json::array();
    for (const auto& [path, reason] : r.fingerprint_failures) fingerprint_failures.push_back({{"path", path}, {"error", reason}});
    nlohmann::json j = {{"library", r.library.string()},
                              {"found", r.found},
                              {"embedded", r.embedded},
                              {"reused", r.reused},
                              {"unchanged", r.unchanged},
                              {"failed", r.failures.size()},
                              {"removed", r.removed},
                              {"seconds", r.seconds},
                              {"vector_index", r.vector_index},
                              {"failures", failures},
                              {"unreadable", unreadable},
                              {"fingerprinted", r.fingerprinted},
                              {"recordings_printed", r.recordings_printed},
                              {"fingerprint_failures", fingerprint_failures}};
    if (analysed) j["analysis"] = analysis_json(*analysed);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string summary_text(const index_report& r) {
    char line[512];
    std::snprintf(
        line, sizeof line,
        "%s: %zu audio files: %zu embedded, %zu reused (same content), %zu unchanged, %zu failed, %zu removed "
        "(%.2f s)\n",
        for_terminal(r.library.string()).c_str(), r.found, r.embedded, r.reused, r.unchanged, r.failures.size(),
        r.removed, r.seconds);
    std::string out = std::string(line) + "vector index: " + for_terminal(r.vector_index) + "\n";
    if (r.fingerprinted > 0 || !r.fingerprint_failures.empty()) {
        std::snprintf(line, sizeof line, "fingerprints: %zu computed, %zu failed\n", r.fingerprinted,
                      r.fingerprint_failures.size());
        out += line;
    }
    if (r.recordings_printed > 0) {
        std::snprintf(line, sizeof line, "recording prints (segments plan): %zu computed\n", r.recordings_printed);
        out += line;
    }
    return out;
}

void report_failures(const index_report& r) {
    if (r.failures.empty()) return;
    std::string text;
    for (const auto& f : r.failures)
        text += "  " + for_terminal(f.path) + ": " + for_terminal(f.error) +
                (f.retried ? "\n" : " (failed before and unchanged since: not retried)\n");
    std::fprintf(stderr, "sonavec index: %zu of %zu files failed:\n%s", r.failures.size(), r.found, text.c_str());
}

// index --analyze: descriptors of the tracks under the roots that have none for their bytes, then the
// inferred tags of the whole library (retag: one matrix product per taxonomy, from stored vectors).
analysis_outcome analyze_and_tag(library& lib, const engine& eng, const std::vector<std::filesystem::path>& roots,
                                 const parsed_args& args, const std::vector<taxonomy>& taxonomies, int threads,
                                 bool quiet) {
    analysis_outcome out;
    analyze_params ap;
    ap.descriptors = descriptor_params_arg(args);
    ap.roots = roots;
    ap.threads = threads;
    ap.force = args.has("--force");
    ap.progress = file_pass_bar("analyze", quiet);
    out.descriptors = lib.analyze(ap);
    if (lib.models().count(eng.model_id()) == 0) return out;  // nothing of this model to tag
    retag_params rp;
    rp.threads = threads;
    rp.use_cache = !args.has("--no-cache");
    out.tags = lib.retag(eng, taxonomies, rp);
    return out;
}

void report_unreadable(const index_report& r) {
    for (const auto& [path, reason] : r.fingerprint_failures)
        std::fprintf(stderr, "sonavec index: cannot fingerprint %s: %s (its vector is kept)\n", for_terminal(path).c_str(),
                     for_terminal(reason).c_str());
    for (const auto& [path, reason] : r.unreadable)
        std::fprintf(stderr, "sonavec index: cannot read %s: %s (its files in the library are kept as they are)\n",
                     for_terminal(path).c_str(), for_terminal(reason).c_str());
}

int run(const parsed_args& args) {
    index_params params;
    params.track = parse_track_options(args);
    params.threads = file_threads(args);
    params.force = args.has("--force");
    const precision products = products_precision(args);
    const bool quiet = args.has("--quiet");
    const bool json = args.has("--json");
    const bool analyze = args.has("--analyze");
    if (!analyze)
        for (const char* o : {"--taxonomy", "--template", "--tempo", "--excerpt", "--bpm-range"})
            if (args.has(o)) throw usage_error(std::string(o) + " needs --analyze");
    // Checked before the model loads, so a typo costs nothing.
    const std::vector<taxonomy> taxonomies = analyze ? taxonomies_arg(args) : std::vector<taxonomy>{};
    if (analyze) descriptor_params_arg(args);
    std::vector<std::filesystem::path> roots(args.positional.begin(), args.positional.end());

    // Workers of one compute thread each: the library's pipeline keeps a vector independent of the
    // thread count. The towers load only when there is something to embed.
    engine_params p = engine_default_params();
    p.products = products;
    p.model_dir = resolve_model_dir(args.get("--model"), model_use::audio);
    p.threads = params.threads;
    const auto eng = engine::open(p);
    const auto lib = library::open(library_dir(args));

    std::unique_ptr<progress_bar> progress;
    params.planned = [&](size_t found, size_t to_embed, size_t unchanged, size_t to_remove, size_t other_model) {
        if (to_embed > 0) progress = std::make_unique<progress_bar>("index", to_embed, quiet);  // failures even when quiet
        if (quiet) return;
        std::fprintf(stderr, "sonavec index: %zu audio files: %zu to embed, %zu unchanged, %zu to remove\n", found,
                     to_embed, unchanged, to_remove);
        if (other_model > 0)
            std::fprintf(stderr,
                         "sonavec index: %zu files were embedded with another model than %s (its files differ, or an "
                         "older sonavec named models by their folder alone): embedding them again\n",
                         other_model, for_terminal(eng->model_id()).c_str());
    };
    params.progress = [&](const index_progress& step) {
        if (!progress) return;
        if (step.error.empty()) progress->succeeded(step.path);
        else progress->failed(step.path, step.error);
        if (step.done == step.total) progress->finish();
    };
    params.fingerprints = !args.has("--no-fingerprints");
    params.fingerprint_progress = file_pass_bar("fingerprint", quiet);
    const index_report r = lib->index(roots, *eng, params);
    std::optional<analysis_outcome> analysed;
    if (analyze) analysed = analyze_and_tag(*lib, *eng, roots, args, taxonomies, params.threads, quiet);

    std::string out = json ? summary_json(r, analysed ? &*analysed : nullptr) : summary_text(r);
    if (analysed && !json) out += analysis_text(*analysed);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        throw error(error_kind::io, "cannot write to standard output");
    report_failures(r);
    report_unreadable(r);
    if (!r.index_failure.empty())
        std::fprintf(stderr, "sonavec index: the vector index: %s\n", for_terminal(r.index_failure).c_str());
    if (analysed) {
        for (const auto& [path, reason] : analysed->descriptors.failures)
            std::fprintf(stderr, "sonavec index: cannot analyse %s: %s\n", for_terminal(path).c_str(),
                         for_terminal(reason).c_str());
        if (!analysed->descriptors.failures.empty()) return 1;
    }
    return r.complete() ? 0 : 1;
}

}  // namespace

command index_command() {
    std::vector<option_spec> options = {library_option(), model_option()};
    for (auto& o : track_option_specs("also keep each window's vector (files indexed without them are embedded again)"))
        options.push_back(o);
    options.push_back({"--force", "", "embed every file again, changed or not (with --analyze: analyse every track again too)"});
    options.push_back(file_threads_option());
    options.push_back(precision_option());
    options.push_back({"--analyze", "", "also store each track's descriptors (tempo, key, loudness, energy, loop) "
                                        "and the library's zero-shot tags (--taxonomy)"});
    options.push_back(taxonomy_option());
    options.push_back(template_option());
    options.push_back(tempo_method_option());
    options.push_back(excerpt_option());
    options.push_back(bpm_range_option());
    options.push_back(no_text_cache_option());
    options.push_back({"--no-fingerprints", "", "skip the acoustic fingerprints that duplicates' same-recording tier "
                                                "needs (each file is decoded again for them, its first 120 s)"});
    options.push_back({"--json", "", "print the summary as one JSON object"});
    options.push_back({"--quiet", "", "no progress; the summary and failures are still printed"});
    return {{"index",
             "[--library PATH] [--model DIR] [--windows seed|full|first|segments] [--window S] [--hop S] [--max-seconds S] "
             "[--per-window] [--force] [--threads N] [--precision fp32|bf16|int8] [--analyze [--taxonomy NAMES|FILE] "
             "[--template T] [--tempo qm|aubio] [--excerpt S] [--bpm-range MIN-MAX] [--no-cache]] [--no-fingerprints] [--json] [--quiet] DIR...",
             "Add folders of audio files to the library, or bring it up to date: new and changed files are embedded, "
             "deleted ones dropped, unchanged ones skipped without being opened.",
             "A file is embedded again when its size or modification time changed, or when it was embedded with\n"
             "another model or window plan. A file whose bytes are already in the library (moved, copied, touched)\n"
             "gets those vectors without being decoded. Files that vanished from the given folders are removed\n"
             "from the library; a folder that does not exist is an error, never taken as deleted files.\n"
             "A file is known by its real path: the folders given are resolved (a symlink to a folder indexes the\n"
             "folder), and a symlink to a file is stored as the file it points to, so a file reached by several\n"
             "paths is one row. Symlinks to folders inside the folders given are not followed (no loops, no tree\n"
             "indexed twice): give such a folder on its own.\n"
             "A folder that cannot be read (no permission, an I/O error, a loop) is named on stderr and its files\n"
             "in the library are kept as they are, neither removed nor embedded again; the rest is indexed.\n"
             "The precision is not recorded: vectors of fp32, bf16 and int8 are interchangeable (cosine >= 0.999),\n"
             "so another --precision does not embed unchanged files again (--force does).\n"
             "\n"
             "Results are committed a few files at a time: an interrupted run (Ctrl-C, kill -9, power cut) loses\n"
             "at most the files in flight, and the next run carries on from there. A file that cannot be read is\n"
             "recorded with its reason and tried again only when it changes.\n"
             "One index, import or prune runs on a library at a time: another one is refused at once (exit 1)\n"
             "naming the running one's pid; search, similar, stats and export are never held up.\n"
             "After indexing, the library's vector index (LIBRARY/vectors.index) is rebuilt when the catalog changed.\n"
             "Then each track under the folders that has no acoustic fingerprint for its bytes (new, changed, or\n"
             "indexed by an older sonavec) is decoded again, its first 120 s, and its Chromaprint fingerprint\n"
             "stored for sonavec duplicates (--no-fingerprints skips this).\n"
             "--analyze then decodes again each track under the folders that has no descriptors for its bytes and\n"
             "stores its tempo, key, loudness, energy and loop flag (as sonavec analyze computes them; a file\n"
             "re-encoded or edited is analysed again, a moved one too), and recomputes the zero-shot tags of the\n"
             "whole library (as sonavec retag: --taxonomy, default genre,mood,instrument,vocals,usecase). Search\n"
             "filters by them: --where mood=calm --bpm 118-124 --key \"A minor\"; exports carry them. Decoding\n"
             "again and the tempo and key trackers cost more than embedding: see BENCHMARKS.md.\n"
             "--json prints one object: library, found, embedded, reused, unchanged, failed, removed, seconds,\n"
             "vector_index (what it is now), failures (path, error, retried: false when it failed before),\n"
             "unreadable (path, error: the folders and files that could not be read) and with --analyze analysis\n"
             "(analyzed, current, failed, seconds, tagged_tracks, taxonomies, tags_stored, failures).\n"
             "exit codes: 0 every file is indexed, 1 some file failed (now or before, unchanged since), some folder\n"
             "could not be read, the vector index could not be built or a file could not be analysed, 2 bad usage\n"
             "\n"
             "examples:\n"
             "  sonavec index ~/Music\n"
             "  sonavec index --precision int8 ~/Music\n"
             "  sonavec index --analyze --taxonomy mood,genre ~/Music\n"
             "  sonavec index --library /data/sfx-library --windows full /data/sfx\n"
             "  sonavec index --json --quiet ~/Music ~/Samples > summary.json",
             options, 1},
            run};
}

}  // namespace sonavec::cli
