#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/library_option.h"
#include "cli/progress_bar.h"
#include "cli/track_options.h"
#include "sonavec/model.h"
#include "library/indexer.h"
#include "library/library_index.h"
#include "library/library_lock.h"
#include "library/model_identity.h"
#include "util/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

struct index_summary {
    std::string library;
    index_plan plan;
    index_outcome outcome;
    double seconds = 0;
    std::string vector_index;  // what the vector index is now
    size_t removed = 0;        // rows dropped: vanished files, and rows replaced by their real paths

    size_t failed() const { return outcome.failures.size() + plan.failed_before.size(); }
};

std::string summary_json(const index_summary& s) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& [path, reason] : s.outcome.failures)
        failures.push_back({{"path", path}, {"error", reason}, {"retried", true}});
    for (const auto& [path, reason] : s.plan.failed_before)
        failures.push_back({{"path", path}, {"error", reason}, {"retried", false}});
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& [path, reason] : s.plan.unreadable) unreadable.push_back({{"path", path}, {"error", reason}});
    const nlohmann::json j = {{"library", s.library},
                              {"found", s.plan.found},
                              {"embedded", s.outcome.embedded},
                              {"reused", s.outcome.reused},
                              {"unchanged", s.plan.unchanged},
                              {"failed", s.failed()},
                              {"removed", s.removed},
                              {"seconds", s.seconds},
                              {"vector_index", s.vector_index},
                              {"failures", failures},
                              {"unreadable", unreadable}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string summary_text(const index_summary& s) {
    char line[512];
    std::snprintf(
        line, sizeof line,
        "%s: %zu audio files: %zu embedded, %zu reused (same content), %zu unchanged, %zu failed, %zu removed "
        "(%.2f s)\n",
        for_terminal(s.library).c_str(), s.plan.found, s.outcome.embedded, s.outcome.reused, s.plan.unchanged, s.failed(),
        s.removed, s.seconds);
    return std::string(line) + "vector index: " + for_terminal(s.vector_index) + "\n";
}

void report_failures(const index_summary& s) {
    if (s.failed() == 0) return;
    std::string text;
    for (const auto& [path, reason] : s.outcome.failures)
        text += "  " + for_terminal(path) + ": " + for_terminal(reason) + "\n";
    for (const auto& [path, reason] : s.plan.failed_before)
        text += "  " + for_terminal(path) + ": " + for_terminal(reason) +
                " (failed before and unchanged since: not retried)\n";
    std::fprintf(stderr, "sonavec index: %zu of %zu files failed:\n%s", s.failed(), s.plan.found, text.c_str());
}

void report_unreadable(const index_summary& s) {
    for (const auto& [path, reason] : s.plan.unreadable)
        std::fprintf(stderr, "sonavec index: cannot read %s: %s (its files in the library are kept as they are)\n",
                     for_terminal(path).c_str(), for_terminal(reason).c_str());
}

// The library's vector index after this run: rebuilt when the catalog changed; otherwise the saved
// one is checked and rebuilt only when missing or stale (a run killed before this point left it so).
// Returns what it is, and sets failed (with the reason) when it cannot be built.
std::string refresh_vector_index(const catalog& cat, const std::string& model_id, bool changed, int cores,
                                 std::string& failed) {
    try {
        // Embedding ran one compute thread per file; the index build uses all cores.
        bool rebuilt = true;
        const vector_index idx = changed ? rebuild_library_index(cat, index_choice::automatic, model_id, cores)
                                         : open_library_index(cat, index_choice::automatic, model_id, cores, &rebuilt);
        return idx.description() + (rebuilt ? " (rebuilt)" : " (current)");
    } catch (const error& e) {
        failed = e.what();
        return std::string("not built: ") + e.what();
    }
}

int run(const parsed_args& args) {
    const auto start = std::chrono::steady_clock::now();
    index_settings settings;
    settings.track = parse_track_options(args);
    settings.workers = file_threads(args);
    settings.force = args.has("--force");
    const precision products = products_precision(args);
    const bool quiet = args.has("--quiet");
    const bool json = args.has("--json");
    const std::filesystem::path model_dir = resolve_model_dir(args.get("--model"), model_use::audio);
    settings.model_id = model_identity(model_dir);

    const library_lock writer(library_dir(args), "index");  // held until the vector index is saved
    catalog cat(library_dir(args));
    const std::string fingerprint_before = cat.fingerprint();
    index_summary s;
    s.library = cat.dir().string();
    s.plan =
        plan_index(cat, std::vector<std::filesystem::path>(args.positional.begin(), args.positional.end()), settings);
    if (!quiet)
        std::fprintf(stderr, "sonavec index: %zu audio files: %zu to embed, %zu unchanged, %zu to remove\n",
                     s.plan.found, s.plan.to_embed.size(), s.plan.unchanged + s.plan.failed_before.size(),
                     s.plan.vanished_paths.size() + s.plan.replaced.size());
    if (!quiet && s.plan.other_model > 0)
        std::fprintf(stderr,
                     "sonavec index: %zu files were embedded with another model than %s (its files differ, or an "
                     "older sonavec named models by their folder alone): embedding them again\n",
                     s.plan.other_model, for_terminal(settings.model_id).c_str());

    if (!s.plan.to_embed.empty()) {
        // Workers of one compute thread each, as `sonavec embed` runs them: a vector must not depend
        // on the thread count. The model is opened only when there is something to embed.
        engine_params p = engine_default_params();
        p.threads = 1;
        p.products = products;
        p.model_dir = model_dir;
        const auto eng = engine::open(p);
        validate_track_params(settings.track, *eng);
        eng->preload(true, false);
        progress_bar progress("index", s.plan.to_embed.size(), quiet);
        s.outcome = embed_planned(cat, *eng, s.plan, settings, [&](const std::string& path, const std::string& reason) {
            if (reason.empty()) progress.succeeded(path);
            else progress.failed(path, reason);
        });
        progress.finish();
    }
    s.removed = drop_vanished(cat, s.plan);
    std::string index_failure;
    s.vector_index =
        refresh_vector_index(cat, settings.model_id, cat.fingerprint() != fingerprint_before, settings.workers, index_failure);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const std::string out = json ? summary_json(s) : summary_text(s);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        throw error("cannot write to standard output");
    report_failures(s);
    report_unreadable(s);
    if (!index_failure.empty())
        std::fprintf(stderr, "sonavec index: the vector index: %s\n", for_terminal(index_failure).c_str());
    return s.failed() == 0 && s.plan.unreadable.empty() && index_failure.empty() ? 0 : 1;
}

}  // namespace

command index_command() {
    std::vector<option_spec> options = {library_option(), model_option()};
    for (auto& o : track_option_specs("also keep each window's vector (files indexed without them are embedded again)"))
        options.push_back(o);
    options.push_back({"--force", "", "embed every file again, changed or not"});
    options.push_back(file_threads_option());
    options.push_back(precision_option());
    options.push_back({"--json", "", "print the summary as one JSON object"});
    options.push_back({"--quiet", "", "no progress; the summary and failures are still printed"});
    return {{"index",
             "[--library PATH] [--model DIR] [--windows seed|full|first] [--window S] [--hop S] [--max-seconds S] "
             "[--per-window] [--force] [--threads N] [--precision fp32|bf16|int8] [--json] [--quiet] DIR...",
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
             "--json prints one object: library, found, embedded, reused, unchanged, failed, removed, seconds,\n"
             "vector_index (what it is now), failures (path, error, retried: false when it failed before) and\n"
             "unreadable (path, error: the folders and files that could not be read).\n"
             "exit codes: 0 every file is indexed, 1 some file failed (now or before, unchanged since), some folder\n"
             "could not be read or the vector index could not be built, 2 bad usage\n"
             "\n"
             "examples:\n"
             "  sonavec index ~/Music\n"
             "  sonavec index --precision int8 ~/Music\n"
             "  sonavec index --library /data/sfx-library --windows full /data/sfx\n"
             "  sonavec index --json --quiet ~/Music ~/Samples > summary.json",
             options, 1},
            run};
}

}  // namespace sonavec::cli
