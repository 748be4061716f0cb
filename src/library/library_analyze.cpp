// library::analyze: acoustic descriptors for the library's tracks, decoded again from their files on
// worker threads and committed a few files at a time (library/file_pass.h).
#include <algorithm>
#include <chrono>

#include "library/catalog.h"
#include "library/file_pass.h"
#include "library/library_impl.h"
#include "library/library_lock.h"
#include "sonavec/error.h"

namespace sonavec {

analyze_report library_impl::analyze(const analyze_params& params) {
    const auto start = std::chrono::steady_clock::now();
    check_writable("analyze");
    if (params.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
    // Checked before any file is opened: a bad range is the caller's error, not every file's.
    check_descriptor_params(params.descriptors);
    analyze_report r;
    const std::vector<std::string> prefixes = root_prefixes(params.roots, r.failures, "analysed");
    if (!params.roots.empty() && prefixes.empty()) return r;  // no root could be read
    const library_lock writer(dir_, "analyze");
    catalog& c = cat();

    std::vector<analysis_target> todo;
    for (analysis_target& t : c.analysis_targets()) {
        if (!prefixes.empty() && !under_prefixes(t.path, prefixes)) continue;
        if (t.current && !params.force) r.current++;
        else todo.push_back(std::move(t));
    }
    using item = file_pass_item<track_descriptors>;
    const size_t done = run_file_pass<track_descriptors>(
        todo, params.threads, params.cancel,
        [&](const analysis_target& t) { return analyze_file(t.path, params.descriptors); },
        [&](std::vector<item>& batch) {
            std::vector<std::pair<analysis_target, track_descriptors>> rows;
            for (item& a : batch) {
                if (a.error.empty()) {
                    rows.emplace_back(a.target, a.result);
                    r.analyzed++;
                } else {
                    r.failures.emplace_back(a.target.path, a.error);
                }
            }
            c.put_descriptors(rows);
        },
        params.progress);
    std::sort(r.failures.begin(), r.failures.end());
    if (params.cancel && params.cancel->load() && done < todo.size())
        throw error(error_kind::cancelled, "analysis cancelled after " + std::to_string(done) + " of " +
                                               std::to_string(todo.size()) + " files (those are kept)");
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace sonavec
