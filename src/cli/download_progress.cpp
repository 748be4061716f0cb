#include "download_progress.h"

#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

download_progress::download_progress(std::FILE* out, bool live) : out_(out), live_(live) {}

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

void download_progress::show(const download_event& e) {
    using kind = download_event::kind;
    if (e.what != kind::status && for_terminal(e.file) != label_) {
        end_line();
        label_ = for_terminal(e.file);
    }
    switch (e.what) {
        case kind::status:
            end_line();
            std::fprintf(out_, "%s\n", for_terminal(e.message).c_str());
            break;
        case kind::begin:
            total_ = e.total;
            begin(e.resume_from, e.total);
            break;
        case kind::update:
            update(e.bytes_done);
            break;
        case kind::finish:
            total_ = e.total;
            finish(e.bytes_done);
            break;
        case kind::abandon:
            abandon(e.bytes_done);
            break;
    }
    std::fflush(out_);
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
    start_ = last_draw_ = std::chrono::steady_clock::now();
    transferring_ = true;
    last_decile_ = total ? static_cast<int>(10 * resume_from / total) : 0;
    if (live_) {
        std::fprintf(out_, "\r%s\x1b[K", line(resume_from).c_str());
        line_open_ = true;
    } else if (resume_from > 0) {
        std::fprintf(out_, "downloading %s (%s), resuming at %s\n", label_.c_str(), human_bytes(total).c_str(),
                     human_bytes(resume_from).c_str());
    } else {
        std::fprintf(out_, "downloading %s (%s)\n", label_.c_str(), human_bytes(total).c_str());
    }
}

void download_progress::update(uint64_t bytes_done) {
    last_bytes_ = bytes_done;
    if (total_ == 0) return;
    if (live_) {
        // Redrawing more than a few times a second only costs terminal bandwidth.
        if (seconds_since(last_draw_) < 0.2) return;
        last_draw_ = std::chrono::steady_clock::now();
        std::fprintf(out_, "\r%s\x1b[K", line(bytes_done).c_str());
        line_open_ = true;
        return;
    }
    // Logs get a line per tenth, and only for files big enough to take a while.
    const int decile = static_cast<int>(10 * bytes_done / total_);
    if (total_ >= (16u << 20) && decile > last_decile_ && decile < 10) {
        last_decile_ = decile;
        std::fprintf(out_, "  %s\n", line(bytes_done).c_str());
    }
}

void download_progress::finish(uint64_t bytes_done) {
    if (!transferring_) {
        // A .part found complete is finished without a transfer.
        resume_from_ = bytes_done;
        start_ = std::chrono::steady_clock::now();
    }
    transferring_ = false;
    if (live_) {
        std::fprintf(out_, "\r%s\x1b[K\n", line(bytes_done).c_str());
        line_open_ = false;
    } else {
        std::fprintf(out_, "  done %s: %s in %.1f s\n", label_.c_str(), human_bytes(bytes_done).c_str(),
                     seconds_since(start_));
    }
}

void download_progress::abandon(uint64_t bytes_done) {
    last_bytes_ = bytes_done;
    transferring_ = false;
    end_line();
}

void download_progress::end_line() {
    // The live line shows where the transfer stopped, not where the last throttled redraw was.
    if (line_open_) std::fprintf(out_, "\r%s\x1b[K\n", line(last_bytes_).c_str());
    line_open_ = false;
}

}  // namespace sonavec::cli
