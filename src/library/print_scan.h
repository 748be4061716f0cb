// Where a clip's Chromaprint fingerprint lines up inside whole-recording prints (library::find_clip's
// "is the same sound" stage, fingerprint/recording_print.h): the clip's hashes slid along every
// recording's, each offset scored by its share of equal bits (1 - bit error rate). Unrelated audio
// agrees on about half the bits; the same sound under noise, gain and small speed changes on far more
// (BENCHMARKS.md, "Finding moments").
//
// A fingerprint's bits follow the pitch closely: a clip played 0.5 % fast already loses a quarter of
// them, so a clip is slid in several versions (at speeds 1 % apart: a playing between two still keeps
// about 0.73 of its bits there, above the 0.7 a hit needs), each offset scored by its best; each hit
// is then rescored around its place with versions 0.5 % apart (rescore_hit), which cost nothing over a
// whole archive but tell the same recording (0.85) from a near miss.
//
//   std::vector<print_hit> hits = scan_prints(prints, {clip.hashes, faster.hashes}, 0.7, 100, threads);
//   hits[k].offset * prints[hits[k].recording].print.fingerprint.seconds_per_hash   // seconds into it
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "library/catalog.h"

namespace sonavec {

struct print_hit {
    size_t recording = 0;   // index into the prints scanned
    int64_t offset = 0;     // in hashes: the query's first hash lines up with the recording's hash here
    double similarity = 0;  // 1 - bit error rate over the query's hashes there
    size_t version = 0;     // which of the queries scored it
};

// The offsets where a version of the query scores at least min_similarity, each the best within the
// longest query's length either side (one playing is one hit), best first, at most max_hits. A query
// of fewer than min_query_hashes finds nothing, nor does it in a recording shorter than itself. Threads
// split the recordings' offsets.
inline constexpr size_t min_query_hashes = 8;  // about 1 s past Chromaprint's 2 s of context
std::vector<print_hit> scan_prints(const std::vector<catalog::stored_print>& prints,
                                   const std::vector<std::span<const uint32_t>>& queries, double min_similarity,
                                   size_t max_hits, int threads);

// The best offset and version within `reach` hashes of hit.offset in the same recording, over every query
// given (finer speed versions than the scan's, say): the hit as those versions see it.
print_hit rescore_hit(const catalog::stored_print& print, const std::vector<std::span<const uint32_t>>& queries,
                      const print_hit& hit, int64_t reach);

}  // namespace sonavec
