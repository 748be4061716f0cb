// libFuzzer target: any bytes as the stored pieces of one recording print (schema 7's recording_prints
// rows), joined by print_pieces as catalog.cpp joins what SQLite returns. Input layout:
//   1 byte: bit 0 set reads the levels too
//   then pieces until the input ends (at most 8): piece number (8 bytes, little-endian), seconds per
//   hash, seconds per level and duration (8 bytes each, double bits), a 4-byte length and that many
//   hash bytes, a 4-byte length and that many level bytes (a length past the end takes what is left)
// Missing bytes read as zeros. Refusing is fine; crashing, or an accepted print that breaks the
// catalog's own rules (steps out of range, longer than its recording, a level out of range), is a bug.
#include <cstdint>
#include <string_view>

#include "fuzz_input.h"
#include "library/print_pieces.h"

namespace {

using fuzz::fail;

const unsigned char* bytes_of(std::string_view s) {
    return s.empty() ? nullptr : reinterpret_cast<const unsigned char*>(s.data());  // SQLite gives no pointer for an empty BLOB
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::input_reader in(std::string_view(reinterpret_cast<const char*>(data), size));
    const bool with_levels = (in.number(1) & 1) != 0;
    sonavec::print_pieces pieces(with_levels);
    for (int k = 0; k < 8 && !in.empty(); k++) {
        const auto piece = static_cast<int64_t>(in.number());
        const double per_hash = in.real(), per_level = in.real(), duration = in.real();
        const std::string_view hashes = in.take(static_cast<size_t>(in.number(4)));
        const std::string_view levels = in.take(static_cast<size_t>(in.number(4)));
        if (!pieces.add(piece, per_hash, per_level, duration, bytes_of(hashes), hashes.size(), bytes_of(levels),
                        levels.size())
                 .empty())
            return 0;  // refused
    }
    const sonavec::recording_print p = pieces.take();
    if (p.fingerprint.hashes.empty() && p.levels_db.empty() && p.fingerprint.seconds_per_hash == 0) return 0;  // no piece
    if (!sonavec::plausible_print_steps(p.fingerprint.seconds_per_hash, p.seconds_per_level, p.fingerprint.duration_seconds))
        fail("a print with implausible steps was accepted");
    if (static_cast<double>(p.fingerprint.hashes.size()) * p.fingerprint.seconds_per_hash > p.fingerprint.duration_seconds + 1 ||
        static_cast<double>(p.levels_db.size()) * p.seconds_per_level > p.fingerprint.duration_seconds + 1)
        fail("a print longer than its recording was accepted");
    if (!with_levels && !p.levels_db.empty()) fail("levels were read when not asked for");
    for (float v : p.levels_db)
        if (!(v >= sonavec::silent_level_db && v <= 30)) fail("a level out of range was accepted");
    return 0;
}
