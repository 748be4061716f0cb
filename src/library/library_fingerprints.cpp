// index's last step: Chromaprint fingerprints (sonavec/fingerprint.h) of the library's tracks, for
// duplicates' tier 2, decoded again on worker threads and committed a few files at a time
// (library/file_pass.h). It also fills in the tracks of a library indexed before fingerprints existed,
// and the whole-recording prints of segments-plan recordings.
#include "library/catalog.h"
#include "library/file_pass.h"
#include "library/library_impl.h"
#include "sonavec/error.h"

namespace sonavec {

void library_impl::store_fingerprints(const std::vector<std::filesystem::path>& roots, const index_params& params,
                                      index_report& r) {
    std::vector<std::pair<std::string, std::string>> unreadable;  // the plan reported these already
    const std::vector<std::string> prefixes = root_prefixes(roots, unreadable, "fingerprinted");
    if (prefixes.empty()) return;
    catalog& c = cat();
    std::vector<analysis_target> todo;
    for (analysis_target& t : c.analysis_targets(catalog::derived::fingerprints))
        if (under_prefixes(t.path, prefixes) && (!t.current || params.force)) todo.push_back(std::move(t));
    if (todo.empty()) {
        store_recording_prints(prefixes, params, r);
        return;
    }
    using item = file_pass_item<audio_fingerprint>;
    const size_t done = run_file_pass<audio_fingerprint>(
        todo, params.threads, params.cancel, [](const analysis_target& t) { return fingerprint_file(t.path); },
        [&](std::vector<item>& batch) {
            std::vector<std::pair<analysis_target, audio_fingerprint>> rows;
            for (item& a : batch) {
                if (a.error.empty()) {
                    rows.emplace_back(a.target, std::move(a.result));
                    r.fingerprinted++;
                } else {
                    r.fingerprint_failures.emplace_back(a.target.path, a.error);
                }
            }
            c.put_fingerprints(rows);
        },
        params.fingerprint_progress);
    if (params.cancel && params.cancel->load() && done < todo.size())
        throw error(error_kind::cancelled, "fingerprinting cancelled after " + std::to_string(done) + " of " +
                                               std::to_string(todo.size()) + " files (the vectors and those are kept)");
    store_recording_prints(prefixes, params, r);
}

// Segments-plan recordings get a print of the whole recording too (fingerprint/recording_print.h): one
// more decode of each, committed one recording at a time (a week's print is 20 MB).
void library_impl::store_recording_prints(const std::vector<std::string>& prefixes, const index_params& params,
                                          index_report& r) {
    catalog& c = cat();
    std::vector<analysis_target> todo;
    for (analysis_target& t : c.analysis_targets(catalog::derived::recording_prints))
        if (under_prefixes(t.path, prefixes) && (!t.current || params.force)) todo.push_back(std::move(t));
    if (todo.empty()) return;
    using item = file_pass_item<recording_print>;
    const size_t done = run_file_pass<recording_print>(
        todo, params.threads, params.cancel, [](const analysis_target& t) { return print_recording(t.path); },
        [&](std::vector<item>& batch) {
            for (item& a : batch) {
                if (a.error.empty()) {
                    c.put_recording_print(a.target, a.result);
                    r.recordings_printed++;
                } else {
                    r.fingerprint_failures.emplace_back(a.target.path, "recording print: " + a.error);
                }
            }
        },
        params.fingerprint_progress);
    if (params.cancel && params.cancel->load() && done < todo.size())
        throw error(error_kind::cancelled, "recording prints cancelled after " + std::to_string(done) + " of " +
                                               std::to_string(todo.size()) + " recordings (the vectors and those are kept)");
}

}  // namespace sonavec
