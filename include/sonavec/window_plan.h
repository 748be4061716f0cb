// Which spans of a track are analysed: the audio tower sees at most one fixed-length window at a time,
// so a track is cut into windows whose vectors are averaged into the track's vector.
//
//   window_plan_params p;                                 // seed: 3 x 7 s at 10 %, 45 %, 80 %
//   p.max_window_seconds = eng.window_samples() / double(eng.sample_rate());
//   for (auto& w : plan_windows(p, info.duration_seconds)) decoder.read(w.start_seconds, w.length_seconds);
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace sonavec {

enum class window_plan_kind {
    seed,   // three windows at 10 %, 45 % and 80 % of the track (the desktop apps' choice)
    full,   // consecutive windows, one every hop seconds, over the whole track
    first,  // one window from the start (what the reference does with a clip)
    // full's windows over a whole long recording, overlapping (10 s every 5 s by default), kept per window
    // in compact form for finding moments inside files (library::find); the track's vector is their mean.
    segments,
};

// The segments plan's default hop: windows overlap by half, so a 5 s jingle lies wholly inside at least
// one 10 s window wherever it starts.
constexpr double segments_default_hop_seconds = 5;

// Bounds on a plan (README "Window plans"): shorter windows are mostly repeat-padding, a finer hop adds
// windows that say nothing new, and a container claiming more than a week is lying (audio_decoder).
constexpr double min_window_seconds = 0.5;
constexpr double min_hop_seconds = 0.1;
constexpr double max_hop_seconds = 3600;
constexpr double max_analysed_seconds = 7 * 24 * 3600.0;
constexpr size_t max_plan_windows = 100000;  // per track: 10 hours at a 0.36 s hop

struct window_plan_params {
    window_plan_kind kind = window_plan_kind::seed;
    std::optional<double> window_seconds;  // unset: 7 s for seed, the tower's input length otherwise
    std::optional<double> hop_seconds;     // full and segments; unset: the window length (full), 5 s (segments)
    double max_seconds = 300;              // only the first max_seconds of a track are analysed
    double max_window_seconds = 10;        // the audio tower's input length; longer windows would be cut
    double min_tail_seconds = 1;           // full: a final partial window shorter than this is dropped

    // Throws sonavec::error (invalid_input) naming the first bad parameter and its bounds.
    void validate() const;
    double effective_window_seconds() const;
    double effective_hop_seconds() const;
};

struct analysis_window {
    double start_seconds = 0;
    double length_seconds = 0;
};

// The segments plan over whole recordings (up to max_analysed_seconds) at the default window and hop.
window_plan_params segments_plan();

// "seed", "full", "first" or "segments"; throws error_kind::invalid_input listing them otherwise.
window_plan_kind parse_window_plan_kind(const std::string& name);
std::string window_plan_kind_name(window_plan_kind kind);

// The windows of a track of duration_seconds (> 0), in time order. A track (or its analysed part)
// no longer than one window gives a single window holding all of it: the feature extractor
// repeat-pads it to the tower's input length. Throws sonavec::error (invalid_input) when the plan would
// have more than max_plan_windows windows, corrupt_file when the duration is not positive.
std::vector<analysis_window> plan_windows(const window_plan_params& params, double duration_seconds);

}  // namespace sonavec
