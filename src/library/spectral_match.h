// The second opinion of library::find_clip: whether a moment the vectors found is the clip's own sound,
// from the two log-mel spectrograms alone (no model): their normalised cross-correlation, each patch
// made zero-mean first, so that a gain change (a constant in dB) does not count and a different sound
// with a similar vector does. Model-independent, so it is measured on known signals here (BENCHMARKS.md
// "Finding moments"): the same clip under noise, gain and 2 % speed changes against other clips.
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace sonavec {

class spectral_match {
public:
    // query: mono samples at `rate`, at most the tower's window.
    spectral_match(std::span<const float> query, int rate);
    ~spectral_match();
    // -1..1; 1 for the query itself. A window of another length is cut or zero-padded to the query's.
    double correlation(std::span<const float> window) const;

    struct placement {
        double offset_seconds = 0;  // where in the span the query starts
        double correlation = -1;    // as correlation() gives for the window there
    };
    // The best place of the query inside a longer span (same rate), tried every spectrogram frame (10 ms):
    // the span's spectrogram is computed once and each patch of the query's length compared. A span no
    // longer than the query gives offset 0.
    placement best_placement(std::span<const float> span) const;

    // A span's log-mel spectrogram, computed once for several queries' best_placement (the clip at
    // several speeds): [frames, bands] floats.
    struct spectrogram {
        std::vector<float> values;
        size_t frames = 0;
    };
    static spectrogram spectrogram_of(std::span<const float> span, int rate);
    placement best_placement(const spectrogram& span) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sonavec
