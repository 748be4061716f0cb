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

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sonavec
