// How `sonavec model pull` shows the hub's download events (sonavec/hub.h) on stderr: on a terminal a
// live line per file, redrawn a few times a second; in a log plain lines, a tenth at a time for large
// files. Status lines are printed as they come.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "sonavec/hub.h"

namespace sonavec::cli {

class download_progress {
public:
    // live: out is a terminal (redraw one line in place) rather than a log.
    download_progress(std::FILE* out, bool live);

    void show(const download_event& e);

    static std::string human_bytes(uint64_t bytes);

private:
    void begin(uint64_t resume_from, uint64_t total);
    void update(uint64_t bytes_done);
    void finish(uint64_t bytes_done);
    void abandon(uint64_t bytes_done);  // ends a live line where the transfer stopped
    void end_line();                    // so that a status line starts on a line of its own
    std::string line(uint64_t bytes_done) const;

    std::FILE* out_;
    bool live_;
    std::string label_;  // the current file, escaped for the terminal: it is the Hub's name
    bool line_open_ = false;
    bool transferring_ = false;  // between begin and finish or abandon
    uint64_t resume_from_ = 0;
    uint64_t total_ = 0;
    uint64_t last_bytes_ = 0;
    int last_decile_ = 0;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace sonavec::cli
