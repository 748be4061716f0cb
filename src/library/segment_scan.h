// The exact scan of library::find: every stored segment window's cosine with a query, from the windows'
// int8 codes (segment_codes.h) without decoding them to float32 first, and the robust spread of those
// scores that decides which windows stand out.
#pragma once
#include <cstdint>
#include <vector>

#include "library/catalog.h"

namespace sonavec {

// score[i] = query . centre + scale_i x (query . codes_i), the centre its recording's, on `threads` threads (each a contiguous share of the rows).
std::vector<float> scan_segments(const catalog::segment_rows& rows, const float* query, int threads);

// The median of the scores and 1.4826 x their median absolute deviation: a normal spread's sigma,
// unmoved by the few windows that hold the query. The deviation is at least 1e-6 (identical scores).
struct score_spread {
    double median = 0, deviation = 0;
};
score_spread robust_spread(const std::vector<float>& scores);

// A span of one file where candidate windows lie, merged: windows that overlap or touch are one region.
struct segment_region {
    int64_t file_id = 0;
    double start_seconds = 0, end_seconds = 0;
    double best_score = 0;  // of its windows
    double best_start = 0, best_length = 0;  // that window's span
};
// The windows whose score is at least `floor`, the best max_windows of them, merged into regions by file
// then time, a region at most max_region_seconds long (a longer run of windows is cut into several, so
// that each costs a bounded refinement); regions best first.
std::vector<segment_region> candidate_regions(const catalog::segment_rows& rows, const std::vector<float>& scores,
                                              double floor, size_t max_windows, size_t* candidates = nullptr,
                                              double max_region_seconds = 30);

}  // namespace sonavec
