// The JSON the HTTP API answers with: tracks and search matches as the CLI's --json prints them.
#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "sonavec/library.h"

namespace sonavec::server {

nlohmann::json track_json(const catalog_entry& e);
nlohmann::json matches_json(const std::vector<search_match>& matches);

}  // namespace sonavec::server
