// Progress of a batch of files on stderr, safe to call from worker threads: a live bar (files done,
// rate, ETA) on a terminal, one plain line per file otherwise. Failures are always printed.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

#include "sonavec/library.h"

namespace sonavec::cli {

class progress_bar {
public:
    // quiet: no per-file lines and no bar, only failures.
    progress_bar(std::string command, size_t total, bool quiet);

    void succeeded(const std::string& path);
    void failed(const std::string& path, const std::string& reason);
    void finish();  // ends the live line so later output starts on its own line

private:
    std::string bar_line() const;
    void draw_bar();

    std::string command_;
    size_t total_;
    bool quiet_;
    bool terminal_;
    bool line_open_ = false;
    size_t done_ = 0;
    std::chrono::steady_clock::time_point start_;
    std::mutex mutex_;
};

// A library file pass's progress callback (index, analyze, fingerprints): a bar named command, made
// at the first step (when the total is known), finished at the last.
std::function<void(const index_progress&)> file_pass_bar(const std::string& command, bool quiet);

}  // namespace sonavec::cli
