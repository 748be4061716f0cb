// Test fixtures shared by the suites that talk to the Hub stand-in (tests/support/http_test_server.py).
#pragma once
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sonavec::test {

// A fresh temporary directory, removed at the end of the scope.
struct temp_dir {
    std::filesystem::path path;
    temp_dir();
    ~temp_dir();
};

// The python stand-in for the Hub on 127.0.0.1, serving the files of `root` as laion/clap-htsat-unfused
// (flags: --lfs, --cut FILE:N, ...; see the script). Stopped when this object goes away.
class hub_server {
public:
    explicit hub_server(const std::filesystem::path& root, std::vector<std::string> flags = {});
    ~hub_server();
    hub_server(const hub_server&) = delete;
    hub_server& operator=(const hub_server&) = delete;

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string log() const;  // one line per request

private:
    std::filesystem::path log_;
    pid_t pid_ = -1;
    int stdin_ = -1;
    int port_ = 0;
};

}  // namespace sonavec::test
