// The page's files (web/), built into the binary by cmake/embed_web.cmake and served at their paths.
#pragma once
#include <cstddef>

namespace sonavec::server {

struct web_asset {
    const char* path;  // "/index.html", "/app.js", "/style.css"
    const char* type;  // Content-Type
    const unsigned char* data;
    size_t size;
};

extern const web_asset web_assets[];
extern const size_t web_asset_count;

}  // namespace sonavec::server
