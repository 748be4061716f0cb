#include "library/segment_scan.h"

#include <algorithm>
#include <cmath>
#include <atomic>

#include "util/on_threads.h"

namespace sonavec {

namespace {

// One row's dot product. The int8 codes widen to float in the loop, which the compiler vectorises: the
// scan reads a quarter of float32's bytes and runs at memory speed.
float dot_codes(const float* q, const int8_t* codes, int64_t dim) {
    float sum = 0;
    for (int64_t j = 0; j < dim; j++) sum += q[j] * static_cast<float>(codes[j]);
    return sum;
}

}  // namespace

std::vector<float> scan_segments(const catalog::segment_rows& rows, const float* query, int threads) {
    const size_t n = rows.scales.size();
    std::vector<float> scores(n);
    const int64_t dim = rows.dim;
    const int t = std::max(1, std::min<int>(threads, static_cast<int>(n / 4096 + 1)));
    // Each window is its recording's centre plus its coded difference: q . centre once per recording.
    std::vector<float> centre_scores(rows.centres.size() / static_cast<size_t>(std::max<int64_t>(1, dim)));
    for (size_t f = 0; f < centre_scores.size(); f++) {
        float s = 0;
        for (int64_t j = 0; j < dim; j++) s += query[j] * rows.centres[f * static_cast<size_t>(dim) + static_cast<size_t>(j)];
        centre_scores[f] = s;
    }
    std::atomic<int> next{0};
    on_threads(t, [&] {
        for (int part; (part = next++) < t;) {
            const size_t from = n * static_cast<size_t>(part) / static_cast<size_t>(t);
            const size_t to = n * static_cast<size_t>(part + 1) / static_cast<size_t>(t);
            for (size_t i = from; i < to; i++)
                scores[i] = centre_scores[rows.file_index[i]] +
                            rows.scales[i] * dot_codes(query, rows.codes.data() + i * static_cast<size_t>(dim), dim);
        }
    });
    return scores;
}

score_spread robust_spread(const std::vector<float>& scores) {
    score_spread s;
    if (scores.empty()) return s;
    std::vector<float> v = scores;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    s.median = *mid;
    for (float& x : v) x = std::fabs(x - static_cast<float>(s.median));
    std::nth_element(v.begin(), mid, v.end());
    s.deviation = std::max(1e-6, 1.4826 * static_cast<double>(*mid));
    return s;
}

std::vector<segment_region> candidate_regions(const catalog::segment_rows& rows, const std::vector<float>& scores,
                                              double floor, size_t max_windows, size_t* candidates,
                                              double max_region_seconds) {
    std::vector<size_t> picked;
    for (size_t i = 0; i < scores.size(); i++)
        if (scores[i] >= floor) picked.push_back(i);
    if (candidates) *candidates = picked.size();
    if (picked.size() > max_windows) {
        std::partial_sort(picked.begin(), picked.begin() + static_cast<std::ptrdiff_t>(max_windows), picked.end(),
                          [&](size_t a, size_t b) { return scores[a] > scores[b]; });
        picked.resize(max_windows);
    }
    // Rows are stored by file then time: index order is (file, start) order.
    std::sort(picked.begin(), picked.end());
    std::vector<segment_region> out;
    for (size_t i : picked) {
        const double start = rows.starts[i], end = start + rows.lengths[i];
        if (!out.empty() && out.back().file_id == rows.file_ids[i] && start <= out.back().end_seconds &&
            end - out.back().start_seconds <= max_region_seconds) {
            segment_region& r = out.back();
            r.end_seconds = std::max(r.end_seconds, end);
            if (scores[i] > r.best_score) {
                r.best_score = scores[i];
                r.best_start = start;
                r.best_length = rows.lengths[i];
            }
            continue;
        }
        out.push_back({rows.file_ids[i], start, end, scores[i], start, rows.lengths[i]});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const segment_region& a, const segment_region& b) { return a.best_score > b.best_score; });
    return out;
}

}  // namespace sonavec
