// The API's OpenAPI 3.0 document, served at /api/openapi.json: what routes.cpp answers, for tools that
// generate clients.
#pragma once
#include <nlohmann/json.hpp>

namespace sonavec::server {

nlohmann::json openapi_document();

}  // namespace sonavec::server
