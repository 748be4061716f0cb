#include "library/print_pieces.h"

#include <cmath>
#include <cstring>

namespace sonavec {

bool plausible_print_steps(double seconds_per_hash, double seconds_per_level, double duration_seconds) {
    return seconds_per_hash > 0.05 && seconds_per_hash < 0.5 && seconds_per_level > 0.01 && seconds_per_level < 1 &&
           std::isfinite(duration_seconds) && duration_seconds >= 0 && duration_seconds <= recording_print_max_seconds + 1;
}

std::string print_pieces::add(int64_t piece, double seconds_per_hash, double seconds_per_level, double duration_seconds,
                              const unsigned char* hashes, size_t hash_bytes, const unsigned char* levels,
                              size_t level_bytes) {
    if (pieces_ == 0) {
        if (piece != 0) return "a missing piece";
        if (!plausible_print_steps(seconds_per_hash, seconds_per_level, duration_seconds)) return "its steps";
        print_.fingerprint.seconds_per_hash = seconds_per_hash;
        print_.seconds_per_level = seconds_per_level;
        print_.fingerprint.duration_seconds = duration_seconds;
    } else if (piece != static_cast<int64_t>(pieces_) || seconds_per_hash != print_.fingerprint.seconds_per_hash ||
               seconds_per_level != print_.seconds_per_level || duration_seconds != print_.fingerprint.duration_seconds) {
        return "its pieces";
    }
    if (!with_levels_) level_bytes = 0;
    // Pieces are full but for the last of each kind: more after a short one is damage, as is any overrun.
    const bool hashes_ended = print_.fingerprint.hashes.size() != pieces_ * print_piece_words;
    const bool levels_ended = print_.levels_db.size() != pieces_ * print_piece_words;
    if (hash_bytes % 4 || level_bytes % 4 || hash_bytes > 4 * print_piece_words || level_bytes > 4 * print_piece_words ||
        (hashes_ended && hash_bytes) || (levels_ended && level_bytes) || (hash_bytes && !hashes) || (level_bytes && !levels))
        return "a piece's size";
    const double limit = print_.fingerprint.duration_seconds + 1;
    if (static_cast<double>(print_.fingerprint.hashes.size() + hash_bytes / 4) * seconds_per_hash > limit ||
        static_cast<double>(print_.levels_db.size() + level_bytes / 4) * seconds_per_level > limit)
        return "longer than the recording";
    const auto word = [](const unsigned char* p) {
        return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
    };
    for (size_t i = 0; i < level_bytes; i += 4) {  // checked before anything is kept
        const uint32_t bits = word(levels + i);
        float v = 0;
        std::memcpy(&v, &bits, 4);
        if (!(v >= silent_level_db && v <= 30)) return "a level";
    }
    for (size_t i = 0; i < hash_bytes; i += 4) print_.fingerprint.hashes.push_back(word(hashes + i));
    for (size_t i = 0; i < level_bytes; i += 4) {
        const uint32_t bits = word(levels + i);
        float v = 0;
        std::memcpy(&v, &bits, 4);
        print_.levels_db.push_back(v);
    }
    pieces_++;
    return "";
}

}  // namespace sonavec
