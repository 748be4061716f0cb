// The JSON API's routes (server.h), each a thin call into the public library API.
#pragma once
#include <httplib.h>

#include <memory>
#include <mutex>

#include "index_job.h"
#include "server.h"
#include "sonavec/error.h"
#include "sonavec/library.h"

namespace sonavec::server {

struct api_context {
    server_options options;
    std::unique_ptr<library> lib;  // read-only: searches answer from the last committed state
    std::unique_ptr<engine> eng;   // null without --model
    std::unique_ptr<text_query_vectors> texts;  // query vectors, with eng
    std::mutex audio_tower;                     // uploads are embedded one at a time
    std::unique_ptr<index_job> indexing;
};

void add_routes(httplib::Server& http, api_context& ctx);

// Every JSON answer's type. The charset also keeps cpp-httplib 0.11 from compressing it, which it does
// for exactly "application/json" with brotli at quality 11: 9 s for a 100,000-point map that takes
// 0.7 s to make, where a loopback connection gains nothing from compression.
inline constexpr const char* json_type = "application/json; charset=utf-8";

// The status an error_kind answers with (error.h lists them).
int http_status(error_kind kind);

}  // namespace sonavec::server
