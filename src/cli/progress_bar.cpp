#include <memory>
#include "progress_bar.h"

#include <cstdio>
#include <unistd.h>
#include <utility>

#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

std::string clock_text(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

}  // namespace

progress_bar::progress_bar(std::string command, size_t total, bool quiet)
    : command_(std::move(command)),
      total_(total),
      quiet_(quiet),
      terminal_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

std::string progress_bar::bar_line() const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
    const size_t width = 30;
    const size_t filled = total_ ? width * done_ / total_ : width;
    std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    char buf[160];
    if (done_ == 0 || rate <= 0) {
        std::snprintf(buf, sizeof buf, "[%s] %zu/%zu files", bar.c_str(), done_, total_);
    } else {
        const double eta = static_cast<double>(total_ - done_) / rate;
        std::snprintf(buf, sizeof buf, "[%s] %zu/%zu files  %.2f files/s  ETA %s", bar.c_str(), done_, total_, rate,
                      clock_text(eta).c_str());
    }
    return buf;
}

void progress_bar::draw_bar() {
    std::fprintf(stderr, "\r%s\x1b[K", bar_line().c_str());
    std::fflush(stderr);
    line_open_ = true;
}

void progress_bar::succeeded(const std::string& path) {
    std::lock_guard lock(mutex_);
    done_++;
    if (quiet_) return;
    if (terminal_) draw_bar();
    else std::fprintf(stderr, "[%zu/%zu] %s\n", done_, total_, for_terminal(path).c_str());
}

void progress_bar::failed(const std::string& path, const std::string& reason) {
    std::lock_guard lock(mutex_);
    done_++;
    if (line_open_) std::fputs("\r\x1b[K", stderr);
    line_open_ = false;
    std::fprintf(stderr, "sonavec %s: %s: %s\n", command_.c_str(), for_terminal(path).c_str(),
                 for_terminal(reason).c_str());
    if (!quiet_ && terminal_) draw_bar();
}

void progress_bar::finish() {
    std::lock_guard lock(mutex_);
    if (line_open_) std::fputc('\n', stderr);
    line_open_ = false;
}

std::function<void(const index_progress&)> file_pass_bar(const std::string& command, bool quiet) {
    auto bar = std::make_shared<std::unique_ptr<progress_bar>>();
    return [bar, command, quiet](const index_progress& step) {
        if (!*bar) *bar = std::make_unique<progress_bar>(command, step.total, quiet);
        if (step.error.empty()) (*bar)->succeeded(step.path);
        else (*bar)->failed(step.path, step.error);
        if (step.done == step.total) (*bar)->finish();
    };
}

}  // namespace sonavec::cli
