#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "sonavec/error.h"
#include "sonavec/fingerprint.h"

namespace sonavec {

fingerprint_match compare_fingerprints(const audio_fingerprint& a, const audio_fingerprint& b,
                                       double max_offset_seconds) {
    if (!(max_offset_seconds >= 0 && max_offset_seconds <= 3600))
        throw error(error_kind::invalid_input, "the largest fingerprint offset must be 0-3600 seconds");
    fingerprint_match best;
    if (a.hashes.empty() || b.hashes.empty()) return best;
    if (!(a.seconds_per_hash > 0) || !(b.seconds_per_hash > 0) || std::abs(a.seconds_per_hash - b.seconds_per_hash) > 1e-9)
        throw error(error_kind::invalid_input, "fingerprints with different steps cannot be compared");
    const double step = a.seconds_per_hash;
    const int64_t na = static_cast<int64_t>(a.hashes.size());
    const int64_t nb = static_cast<int64_t>(b.hashes.size());
    const int64_t shorter = std::min(na, nb);
    // The overlap needed: half the shorter, and 10 s (or all of the shorter where it is under 10 s).
    const int64_t ten_seconds = static_cast<int64_t>(std::min(std::ceil(10.0 / step), static_cast<double>(shorter)));
    const int64_t min_overlap = std::max((shorter + 1) / 2, std::min(shorter, ten_seconds));
    // No offset beyond the longer one matters (and a tiny step cannot overflow the count).
    const int64_t max_offset =
        static_cast<int64_t>(std::min(std::round(max_offset_seconds / step), static_cast<double>(std::max(na, nb))));
    const uint32_t* pa = a.hashes.data();
    const uint32_t* pb = b.hashes.data();
    int64_t best_errors = 0, best_overlap = 0;
    bool found = false;
    for (int64_t k = -max_offset; k <= max_offset; k++) {
        // b[i] against a[i + k] for i in [first, end).
        const int64_t first = std::max<int64_t>(0, -k);
        const int64_t end = std::min(nb, na - k);
        const int64_t overlap = end - first;
        if (overlap < min_overlap) continue;
        int64_t errors = 0;
        for (int64_t i = first; i < end; i++) errors += std::popcount(pa[i + k] ^ pb[i]);
        // The lower error rate wins: errors / overlap < best_errors / best_overlap, without division.
        if (!found || errors * best_overlap < best_errors * overlap) {
            found = true;
            best_errors = errors;
            best_overlap = overlap;
            best.offset = static_cast<int>(k);
        }
    }
    if (!found) return best;
    best.similarity = 1.0 - static_cast<double>(best_errors) / (32.0 * static_cast<double>(best_overlap));
    best.overlap_seconds = static_cast<double>(best_overlap) * step;
    return best;
}

}  // namespace sonavec
