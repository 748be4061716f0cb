#include "descriptors/loudness_meter.h"

#include <ebur128.h>

#include <cmath>
#include <limits>

#include "sonavec/error.h"

namespace sonavec {

void loudness_meter::closer::operator()(ebur128_state* s) const { ebur128_destroy(&s); }

loudness_meter::loudness_meter(int channels, int sample_rate)
    : state_(ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(sample_rate),
                          EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK)),
      channels_(channels) {
    if (!state_) throw error(error_kind::io, "loudness: libebur128 could not start (out of memory?)");
}

loudness_meter::~loudness_meter() = default;

void loudness_meter::add(const float* interleaved, size_t frames) {
    if (ebur128_add_frames_float(state_.get(), interleaved, frames) != EBUR128_SUCCESS)
        throw error(error_kind::io, "loudness: libebur128 failed to take samples");
}

loudness_values loudness_meter::result() const {
    loudness_values v;
    constexpr double minus_inf = -std::numeric_limits<double>::infinity();
    double lufs = minus_inf;
    // libebur128 gives -HUGE_VAL when no block passes the absolute gate (silence, under 400 ms).
    if (ebur128_loudness_global(state_.get(), &lufs) != EBUR128_SUCCESS || !std::isfinite(lufs)) lufs = minus_inf;
    v.integrated_lufs = lufs;
    double range = 0;
    if (ebur128_loudness_range(state_.get(), &range) != EBUR128_SUCCESS || !std::isfinite(range)) range = 0;
    v.range_lu = range;
    double peak = 0;
    for (int c = 0; c < channels_; ++c) {
        double p = 0;
        if (ebur128_true_peak(state_.get(), static_cast<unsigned>(c), &p) == EBUR128_SUCCESS && p > peak) peak = p;
    }
    v.true_peak_dbtp = peak > 0 ? 20.0 * std::log10(peak) : minus_inf;
    return v;
}

}  // namespace sonavec
