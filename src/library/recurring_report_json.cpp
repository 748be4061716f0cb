#include <nlohmann/json.hpp>

#include "sonavec/recurring.h"

namespace sonavec {

std::string recurring_report_json(const recurring_report& r, int indent) {
    nlohmann::json items = nlohmann::json::array();
    for (const recurring_item& item : r.items) {
        nlohmann::json occ = nlohmann::json::array();
        for (const recurring_occurrence& o : item.occurrences)
            occ.push_back({{"id", o.track_id}, {"path", o.path}, {"start_seconds", o.start_seconds},
                           {"end_seconds", o.end_seconds}, {"similarity", o.similarity}});
        items.push_back({{"length_seconds", item.length_seconds}, {"count", item.occurrences.size()},
                         {"excerpt", item.excerpt}, {"occurrences", std::move(occ)}});
    }
    nlohmann::json j = {{"recordings", r.recordings}, {"hours", r.hours}, {"seeds", r.seeds},
                        {"pairs", r.pairs}, {"seconds", r.seconds}};
    j["items"] = std::move(items);
    // Paths come from the file system and need not be valid UTF-8: what can be shown rather than fail.
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sonavec
