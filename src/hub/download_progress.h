// Progress of one file download on stderr: a live line on a terminal, a few plain lines otherwise.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace sonavec {

class download_progress {
public:
    // Silent when enabled is false.
    download_progress(std::string label, bool enabled);

    void begin(uint64_t resume_from, uint64_t total);
    void update(uint64_t bytes_done);
    void finish(uint64_t bytes_done);
    void abandon();  // ends a live line so the next message starts on its own line

    static std::string human_bytes(uint64_t bytes);

private:
    std::string line(uint64_t bytes_done) const;

    std::string label_;  // escaped for the terminal: it names a file of the hub's
    bool enabled_;
    bool terminal_;
    bool line_open_ = false;
    uint64_t resume_from_ = 0;
    uint64_t total_ = 0;
    uint64_t last_bytes_ = 0;
    int last_decile_ = 0;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace sonavec
