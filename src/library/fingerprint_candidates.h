// Which pairs of fingerprints are worth comparing in full, without comparing all pairs: duplicates'
// tier 2 at 100,000 tracks.
//
// Each track keeps a bottom-k sketch of its hashes (the 256 distinct hashes with the smallest mixed
// value; Broder, "On the resemblance and containment of documents", 1997). Two copies of one recording
// share many exact 32-bit hashes (a re-encode flips about 5 % of the bits, so roughly one hash in ten
// survives whole, and trims do not move them: the sketch ignores position), and the same mixing
// function makes both sketches keep the same ones. A pair is a candidate when its sketches share at
// least 2 hashes (1 when either track has fewer than 64, about 8 s). Hashes held by more than 64
// tracks (silence, a click) say nothing and are skipped.
//
//   fingerprint_candidates c;
//   c.add(0, fp_a.hashes);  c.add(1, fp_b.hashes);
//   for (auto [i, j] : c.pairs()) ...compare_fingerprints...
#pragma once
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace sonavec {

class fingerprint_candidates {
public:
    static constexpr size_t sketch_size = 256;
    static constexpr size_t max_tracks_per_hash = 64;
    static constexpr size_t short_track_hashes = 64;

    // Adds a track by its own index (any numbering; each at most once).
    void add(uint32_t track, std::span<const uint32_t> hashes);
    // The candidate pairs (i < j by index), each once, sorted.
    std::vector<std::pair<uint32_t, uint32_t>> pairs() const;

private:
    std::vector<uint64_t> entries_;            // mixed hash << 32 | track
    std::vector<std::pair<uint32_t, uint32_t>> distinct_;  // (track, distinct hashes) for the short rule
};

}  // namespace sonavec
