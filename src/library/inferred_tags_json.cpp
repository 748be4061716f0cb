// A track's inferred tags as one JSON object, for search --json and every export.
#include <nlohmann/json.hpp>

#include "sonavec/library.h"

namespace sonavec {

std::string inferred_tags_json(const std::vector<inferred_tag>& tags) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& g : tags) j[g.taxonomy].push_back({{"label", g.label}, {"probability", g.probability}});
    // Labels come from users' taxonomy files: a bad byte becomes U+FFFD rather than an exception.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sonavec
