// sonavec serve: the library over HTTP/1.1 on the user's own machine (cpp-httplib, Debian's
// libcpp-httplib-dev: one small threaded server with multipart uploads and byte ranges built in, where
// Boost.Beast would have us write the HTTP handling ourselves). Built on the public library API only.
// Every request is checked before routing: a foreign Origin is refused, and a token, when there is one,
// is required (compared in constant time); bodies, headers, time and concurrency are bounded.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sonavec/engine.h"

namespace sonavec::server {

struct server_options {
    std::filesystem::path library_dir;
    std::optional<engine_params> model;  // for text queries and uploads; without one only what needs no model
    std::string bind = "127.0.0.1";
    int port = 8750;                     // 0: any free port (the one chosen reaches on_listening)
    std::string token;                   // required of every API request when not empty
    size_t max_upload_bytes = 64u << 20;
    double max_upload_seconds = 600;
    int threads = 8;                     // requests handled at once
    double timeout_seconds = 30;         // reading or writing one request
    bool allow_index = true;             // false (--no-index): POST /api/index is refused, the library only read
    std::function<void(const std::string& url)> on_listening;
};

// True for 127.0.0.0/8, ::1 and "localhost": the addresses only this machine reaches.
bool is_loopback(const std::string& bind);

// Equal strings, in time that depends on their lengths alone.
bool same_token(const std::string& given, const std::string& expected);

// 32 random bytes from the system's generator, as 64 hex digits.
std::string new_token();

// Serves until stop() (or SIGINT / SIGTERM through the CLI). Throws sonavec::error when it cannot bind.
class api_server {
public:
    explicit api_server(server_options options);
    ~api_server();
    api_server(const api_server&) = delete;
    api_server& operator=(const api_server&) = delete;
    void run();   // blocks
    void stop();  // from any thread

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sonavec::server
