#include "hub/download_progress.h"

#include <cstdio>
#include <unistd.h>

#include "sonavec/escaped_text.h"

namespace sonavec {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

download_progress::download_progress(std::string label, bool enabled)
    : label_(for_terminal(label)), enabled_(enabled), terminal_(isatty(STDERR_FILENO) == 1) {}

std::string download_progress::human_bytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string download_progress::line(uint64_t bytes_done) const {
    const double elapsed = seconds_since(start_);
    const uint64_t fresh = bytes_done > resume_from_ ? bytes_done - resume_from_ : 0;
    const double rate = elapsed > 0 ? static_cast<double>(fresh) / elapsed : 0;
    const double percent = total_ ? 100.0 * static_cast<double>(bytes_done) / static_cast<double>(total_) : 100.0;
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s  %s / %s  %3.0f%%  %s/s", label_.c_str(), human_bytes(bytes_done).c_str(),
                  human_bytes(total_).c_str(), percent, human_bytes(static_cast<uint64_t>(rate)).c_str());
    return buf;
}

void download_progress::begin(uint64_t resume_from, uint64_t total) {
    resume_from_ = resume_from;
    last_bytes_ = resume_from;
    total_ = total;
    start_ = last_draw_ = std::chrono::steady_clock::now();
    last_decile_ = total ? static_cast<int>(10 * resume_from / total) : 0;
    if (!enabled_) return;
    if (terminal_) {
        std::fprintf(stderr, "\r%s\x1b[K", line(resume_from).c_str());
        line_open_ = true;
    } else if (resume_from > 0) {
        std::fprintf(stderr, "downloading %s (%s), resuming at %s\n", label_.c_str(), human_bytes(total).c_str(),
                     human_bytes(resume_from).c_str());
    } else {
        std::fprintf(stderr, "downloading %s (%s)\n", label_.c_str(), human_bytes(total).c_str());
    }
}

void download_progress::update(uint64_t bytes_done) {
    last_bytes_ = bytes_done;
    if (!enabled_ || total_ == 0) return;
    if (terminal_) {
        // Redrawing more than a few times a second only costs terminal bandwidth.
        if (seconds_since(last_draw_) < 0.2) return;
        last_draw_ = std::chrono::steady_clock::now();
        std::fprintf(stderr, "\r%s\x1b[K", line(bytes_done).c_str());
        line_open_ = true;
        return;
    }
    // Logs get a line per tenth, and only for files big enough to take a while.
    const int decile = static_cast<int>(10 * bytes_done / total_);
    if (total_ >= (16u << 20) && decile > last_decile_ && decile < 10) {
        last_decile_ = decile;
        std::fprintf(stderr, "  %s\n", line(bytes_done).c_str());
    }
}

void download_progress::finish(uint64_t bytes_done) {
    if (!enabled_) return;
    const double elapsed = seconds_since(start_);
    if (terminal_) {
        std::fprintf(stderr, "\r%s\x1b[K\n", line(bytes_done).c_str());
        line_open_ = false;
    } else {
        std::fprintf(stderr, "  done %s: %s in %.1f s\n", label_.c_str(), human_bytes(bytes_done).c_str(), elapsed);
    }
}

void download_progress::abandon() {
    // The live line shows where the transfer stopped, not where the last throttled redraw was.
    if (enabled_ && line_open_) std::fprintf(stderr, "\r%s\x1b[K\n", line(last_bytes_).c_str());
    line_open_ = false;
}

}  // namespace sonavec
