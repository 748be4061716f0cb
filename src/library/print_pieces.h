// A recording print (fingerprint/recording_print.h) as schema 7's recording_prints table holds it: in
// pieces of at most print_piece_words hashes and levels, numbered 0, 1, ... and read back in order, each
// piece checked as it comes (the catalog is outside data: tests/fuzz/fuzz_recording_print.cpp).
//
//   print_pieces p(with_levels);
//   for each row, by piece:  if (std::string why = p.add(...); !why.empty()) ...damaged: why...
//   recording_print print = p.take();
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "fingerprint/recording_print.h"

namespace sonavec {

inline constexpr size_t print_piece_words = 32768;  // hashes, and levels, per stored piece (128 KB each)

// Steps near Chromaprint's (0.124 s) and the level meter's (0.1 s), a duration of at most a week.
bool plausible_print_steps(double seconds_per_hash, double seconds_per_level, double duration_seconds);

class print_pieces {
public:
    explicit print_pieces(bool with_levels) : with_levels_(with_levels) {}
    // The next stored row: "" when it fits what came before, else what is wrong with it. Hashes are
    // little-endian 32-bit words, levels little-endian float32 (left out without levels).
    std::string add(int64_t piece, double seconds_per_hash, double seconds_per_level, double duration_seconds,
                    const unsigned char* hashes, size_t hash_bytes, const unsigned char* levels, size_t level_bytes);
    recording_print take() { return std::move(print_); }

private:
    bool with_levels_;
    size_t pieces_ = 0;
    recording_print print_;
};

}  // namespace sonavec
