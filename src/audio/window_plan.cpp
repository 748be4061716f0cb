#include "sonavec/window_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sonavec/error.h"
#include "util/enum_names.h"

namespace sonavec {

namespace {

constexpr enum_name<window_plan_kind> plan_names[] = {
    {window_plan_kind::seed, "seed"}, {window_plan_kind::full, "full"}, {window_plan_kind::first, "first"},
    {window_plan_kind::segments, "segments"}};

constexpr double seed_default_window_seconds = 7;
constexpr double seed_fractions[] = {0.10, 0.45, 0.80};

// Also refuses NaN, which compares false with everything.
bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

std::string seconds_text(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%g s", v);
    return buf;
}

}  // namespace

window_plan_kind parse_window_plan_kind(const std::string& name) {
    return parse_name(plan_names, name, "window plan");
}

std::string window_plan_kind_name(window_plan_kind kind) { return name_of(plan_names, kind); }

double window_plan_params::effective_window_seconds() const {
    if (window_seconds) return *window_seconds;
    return kind == window_plan_kind::seed ? std::min(seed_default_window_seconds, max_window_seconds)
                                          : max_window_seconds;
}

double window_plan_params::effective_hop_seconds() const {
    if (hop_seconds) return *hop_seconds;
    const double window = effective_window_seconds();
    return kind == window_plan_kind::segments ? std::min(segments_default_hop_seconds, window) : window;
}

window_plan_params segments_plan() {
    window_plan_params p;
    p.kind = window_plan_kind::segments;
    p.max_seconds = max_analysed_seconds;
    return p;
}

void window_plan_params::validate() const {
    if (!positive_finite(max_window_seconds))
        throw error(error_kind::invalid_input,
                    "the model's window length must be positive, got " + seconds_text(max_window_seconds));
    if (window_seconds && !(std::isfinite(*window_seconds) && *window_seconds >= min_window_seconds))
        throw error(error_kind::invalid_input,
                    "the window length must be at least " + seconds_text(min_window_seconds) + ", got " +
                        seconds_text(*window_seconds));
    const double window = effective_window_seconds();
    // A tiny tolerance so that 10 s is accepted however the tower's length was computed.
    if (window > max_window_seconds * (1 + 1e-9))
        throw error(error_kind::invalid_input,
                    "the window length " + seconds_text(window) + " exceeds the audio tower's input of " +
                        seconds_text(max_window_seconds));
    if (hop_seconds && !(*hop_seconds >= min_hop_seconds && *hop_seconds <= max_hop_seconds))
        throw error(error_kind::invalid_input,
                    "the hop must be from " + seconds_text(min_hop_seconds) + " to " + seconds_text(max_hop_seconds) +
                        ", got " + seconds_text(*hop_seconds));
    if (hop_seconds && kind != window_plan_kind::full && kind != window_plan_kind::segments)
        throw error(error_kind::invalid_input, "a hop applies only to the full and segments window plans");
    if (!(positive_finite(max_seconds) && max_seconds <= max_analysed_seconds))
        throw error(error_kind::invalid_input,
                    "the analysed length (max seconds) must be positive and at most " +
                        seconds_text(max_analysed_seconds) + " (a week), got " + seconds_text(max_seconds));
    if (!(min_tail_seconds >= 0))
        throw error(error_kind::invalid_input, "the shortest tail window must not be negative");
}

std::vector<analysis_window> plan_windows(const window_plan_params& params, double duration_seconds) {
    params.validate();
    if (!positive_finite(duration_seconds))
        throw error(error_kind::corrupt_file,
                    "the track holds no audio (duration " + seconds_text(duration_seconds) + ")");
    const double analysed = std::min(duration_seconds, params.max_seconds);
    const double window = params.effective_window_seconds();
    if (analysed <= window) return {{0.0, analysed}};

    std::vector<analysis_window> out;
    switch (params.kind) {
        case window_plan_kind::first:
            out.push_back({0.0, window});
            break;
        case window_plan_kind::seed:
            for (double f : seed_fractions)
                out.push_back({std::max(0.0, std::min(f * analysed, analysed - window)), window});
            break;
        case window_plan_kind::full:
        case window_plan_kind::segments: {
            const double hop = params.effective_hop_seconds();
            const double windows = std::floor(analysed / hop) + 1;
            if (windows > static_cast<double>(max_plan_windows))
                throw error(error_kind::invalid_input,
                            std::string("the ") + window_plan_kind_name(params.kind) + " plan gives " + std::to_string(static_cast<long long>(windows)) + " windows for " +
                                seconds_text(analysed) + " of audio, more than " + std::to_string(max_plan_windows) +
                                ": use a longer hop or a lower max seconds");
            // Starts are computed as k * hop, not summed, so that no rounding drifts over a long track.
            for (long k = 0;; k++) {
                const double start = static_cast<double>(k) * hop;
                if (start >= analysed) break;
                const double length = std::min(window, analysed - start);
                if (length < window && length < params.min_tail_seconds) break;
                out.push_back({start, length});
                // Later windows would lie wholly inside this one.
                if (start + window >= analysed) break;
            }
            break;
        }
    }
    return out;
}

}  // namespace sonavec
