// fingerprint_candidates.h: bottom-k sketches, one sorted posting array, and a count per pair.
#include "library/fingerprint_candidates.h"

#include <algorithm>
#include <unordered_map>

namespace sonavec {

namespace {

// MurmurHash3's 32-bit finaliser: a bijection, so equal hashes stay equal and different ones differ,
// while Chromaprint's structured values are spread evenly for the "smallest k".
uint32_t mix(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

}  // namespace

void fingerprint_candidates::add(uint32_t track, std::span<const uint32_t> hashes) {
    std::vector<uint32_t> mixed(hashes.size());
    for (size_t i = 0; i < hashes.size(); i++) mixed[i] = mix(hashes[i]);
    std::sort(mixed.begin(), mixed.end());
    mixed.erase(std::unique(mixed.begin(), mixed.end()), mixed.end());
    distinct_.emplace_back(track, static_cast<uint32_t>(mixed.size()));
    const size_t keep = std::min(mixed.size(), sketch_size);
    for (size_t i = 0; i < keep; i++) entries_.push_back(uint64_t{mixed[i]} << 32 | track);
}

std::vector<std::pair<uint32_t, uint32_t>> fingerprint_candidates::pairs() const {
    std::vector<uint64_t> e = entries_;
    std::sort(e.begin(), e.end());
    std::unordered_map<uint64_t, uint32_t> shared;  // (i << 32 | j) -> sketch hashes in common
    for (size_t a = 0; a < e.size();) {
        size_t b = a + 1;
        while (b < e.size() && (e[b] >> 32) == (e[a] >> 32)) b++;
        if (b - a >= 2 && b - a <= max_tracks_per_hash)
            for (size_t x = a; x < b; x++)
                for (size_t y = x + 1; y < b; y++) {
                    const uint32_t i = static_cast<uint32_t>(e[x]), j = static_cast<uint32_t>(e[y]);
                    if (i != j) shared[uint64_t{std::min(i, j)} << 32 | std::max(i, j)]++;
                }
        a = b;
    }
    std::unordered_map<uint32_t, uint32_t> distinct(distinct_.begin(), distinct_.end());
    std::vector<std::pair<uint32_t, uint32_t>> out;
    for (const auto& [key, count] : shared) {
        const uint32_t i = static_cast<uint32_t>(key >> 32), j = static_cast<uint32_t>(key);
        const bool short_one = distinct[i] < short_track_hashes || distinct[j] < short_track_hashes;
        if (count >= (short_one ? 1u : 2u)) out.emplace_back(i, j);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace sonavec
