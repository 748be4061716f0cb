// library::index: plan from the catalog and stat() alone, embed what changed, drop what vanished, and
// bring the vector index up to date (library_impl.h).
#include <chrono>
#include <thread>

#include "library/indexer.h"
#include "library/library_impl.h"
#include "library/library_index.h"
#include "library/library_lock.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

int all_cores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

// The library's vector index after a run: rebuilt when the catalog changed; otherwise the saved one is
// checked and rebuilt only when missing or stale (a run killed before this point left it so).
std::string refresh_vector_index(const catalog& cat, const std::string& model_id, bool changed, int threads,
                                 std::string& failed) {
    try {
        bool rebuilt = true;
        const vector_index idx = changed ? rebuild_library_index(cat, index_choice::automatic, model_id, threads)
                                         : open_library_index(cat, index_choice::automatic, model_id, threads, &rebuilt);
        return idx.description() + (rebuilt ? " (rebuilt)" : " (current)");
    } catch (const error& e) {
        failed = e.what();
        return std::string("not built: ") + e.what();
    }
}

}  // namespace

index_report library_impl::index(const std::vector<std::filesystem::path>& roots, const engine& eng,
                                 const index_params& params) {
    const auto start = std::chrono::steady_clock::now();
    check_writable("index");
    if (roots.empty()) throw error(error_kind::invalid_input, "no folder or file to index");
    if (params.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
    index_settings settings;
    settings.track = params.track;
    validate_track_params(settings.track, eng);  // before anything is written
    settings.workers = params.threads > 0 ? params.threads : all_cores();
    settings.force = params.force;
    settings.model_id = eng.model_id();
    settings.cancel = params.cancel;

    const library_lock writer(dir_, "index");  // held until the vector index is saved
    catalog& c = cat();
    const std::string fingerprint_before = c.fingerprint();
    index_report r;
    r.library = c.dir();
    const index_plan plan = plan_index(c, roots, settings);
    r.found = plan.found;
    r.unchanged = plan.unchanged;
    r.other_model = plan.other_model;
    r.unreadable = plan.unreadable;
    if (params.planned)
        params.planned(plan.found, plan.to_embed.size(), plan.unchanged + plan.failed_before.size(),
                       plan.vanished_paths.size() + plan.replaced.size(), plan.other_model);

    if (!plan.to_embed.empty()) {
        eng.preload(true, false);
        index_progress progress;
        progress.total = plan.to_embed.size();
        const index_outcome outcome =
            embed_planned(c, eng, plan, settings, [&](const std::string& path, const std::string& reason) {
                progress.done++;
                progress.path = path;
                progress.error = reason;
                if (params.progress) params.progress(progress);
            });
        r.embedded = outcome.embedded;
        r.reused = outcome.reused;
        for (const auto& [path, reason] : outcome.failures) r.failures.push_back({path, reason, true});
        // What was committed stays; the next run carries on from there.
        if (outcome.cancelled)
            throw error(error_kind::cancelled, "indexing cancelled after " + std::to_string(progress.done) + " of " +
                                                   std::to_string(progress.total) + " files (those are kept)");
    }
    for (const auto& [path, reason] : plan.failed_before) r.failures.push_back({path, reason, false});
    r.removed = drop_vanished(c, plan);
    r.vector_index = refresh_vector_index(c, settings.model_id, c.fingerprint() != fingerprint_before,
                                          settings.workers, r.index_failure);
    if (params.fingerprints) store_fingerprints(roots, params, r);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace sonavec
