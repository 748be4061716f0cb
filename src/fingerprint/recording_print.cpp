#include "fingerprint/recording_print.h"

#include <algorithm>
#include <cmath>

#include "audio/audio_decoder.h"
#include "fingerprint/chromaprint_fingerprinter.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr int print_rate = 11025;          // Chromaprint's own rate (fingerprint_file.cpp says why we decode to it)
constexpr size_t level_samples = 1103;     // about 0.1 s
constexpr double chunk_seconds = 30;       // whole samples at 11025 Hz, so the pieces join exactly

// RMS levels of consecutive blocks, a partial block carried over from one piece to the next.
class level_meter {
public:
    void add(const float* x, size_t n) {
        for (size_t i = 0; i < n; i++) {
            sum_ += static_cast<double>(x[i]) * x[i];
            if (++count_ == level_samples) flush();
        }
    }
    std::vector<float> finish() {
        if (count_ > level_samples / 2) flush();  // a last block of at least half a step counts
        return std::move(levels_);
    }

private:
    void flush() {
        const double ms = sum_ / static_cast<double>(count_);
        const double db = ms > 0 ? 10 * std::log10(ms) : silent_level_db;
        levels_.push_back(static_cast<float>(std::max<double>(db, silent_level_db)));
        sum_ = 0;
        count_ = 0;
    }
    double sum_ = 0;
    size_t count_ = 0;
    std::vector<float> levels_;
};

}  // namespace

recording_print print_recording(const std::filesystem::path& path, double max_seconds) {
    if (!(max_seconds > 0 && max_seconds <= recording_print_max_seconds))
        throw error(error_kind::invalid_input, "a recording's print covers more than 0 and at most a week");
    audio_decoder dec(path, print_rate);  // throws not_found, corrupt_file, unsupported or io, naming the file
    const double seconds = std::min(max_seconds, dec.info().duration_seconds);
    chromaprint_fingerprinter fp(1, print_rate, path.string());
    level_meter levels;
    for (double start = 0; start < seconds; start += chunk_seconds) {
        const double length = std::min(chunk_seconds, seconds - start);
        const std::vector<float> x = dec.read(start, length);
        fp.add(x.data(), x.size());
        levels.add(x.data(), x.size());
        if (static_cast<double>(x.size()) < std::floor(length * print_rate)) break;  // the file ended early
    }
    recording_print p;
    p.fingerprint = fp.finish();
    p.seconds_per_level = static_cast<double>(level_samples) / print_rate;
    p.levels_db = levels.finish();
    return p;
}

}  // namespace sonavec
