#include <nlohmann/json.hpp>

#include "sonavec/find.h"

namespace sonavec {

std::string find_report_json(const find_report& r, int indent) {
    nlohmann::json occ = nlohmann::json::array();
    for (const occurrence& o : r.occurrences)
        occ.push_back({{"id", o.track_id}, {"path", o.path}, {"start_seconds", o.start_seconds},
                       {"end_seconds", o.end_seconds}, {"score", o.score}, {"sigmas", o.sigmas},
                       {"coarse_score", o.coarse_score}, {"match", o.match},
                       {"print_similarity", o.print_similarity}});
    nlohmann::json j = {{"query_seconds", r.query_seconds}, {"windows", r.windows}, {"files", r.files},
                        {"candidates", r.candidates}, {"regions", r.regions}, {"printed", r.printed},
                        {"print_hits", r.print_hits}, {"windows_within", r.windows_within}, {"median", r.median},
                        {"deviation", r.deviation}, {"moment_median", r.moment_median},
                        {"moment_deviation", r.moment_deviation}, {"threshold", r.threshold},
                        {"scan_seconds", r.scan_seconds}, {"refine_seconds", r.refine_seconds},
                        {"print_seconds", r.print_seconds}};
    j["occurrences"] = std::move(occ);
    // Paths come from the file system and need not be valid UTF-8: what can be shown rather than fail.
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sonavec
