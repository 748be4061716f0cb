// dbscan.h: union-find over core-core edges, then border points, then noise.
#include "library/dbscan.h"

#include "library/disjoint_sets.h"

#include <algorithm>
#include <numeric>

namespace sonavec {

std::vector<int64_t> dbscan_labels(size_t n, const std::vector<std::pair<int64_t, int64_t>>& pairs, size_t min_points) {
    std::vector<size_t> degree(n, 0);
    for (const auto& [a, b] : pairs) {
        degree[static_cast<size_t>(a)]++;
        degree[static_cast<size_t>(b)]++;
    }
    const auto core = [&](int64_t i) { return degree[static_cast<size_t>(i)] + 1 >= min_points; };
    disjoint_sets sets(n);
    for (const auto& [a, b] : pairs)
        if (core(a) && core(b)) sets.join(static_cast<size_t>(a), static_cast<size_t>(b));
    std::vector<int64_t> label(n, -1), label_of_root(n, -1);
    int64_t next = 0;
    for (size_t i = 0; i < n; i++) {
        if (!core(static_cast<int64_t>(i))) continue;
        const size_t r = sets.root(i);
        if (label_of_root[r] < 0) label_of_root[r] = next++;
        label[i] = label_of_root[r];
    }
    // Border points: the first core neighbour by index claims them.
    std::vector<int64_t> claimed_by(n, -1);
    for (const auto& [a, b] : pairs)
        for (const auto& [border, c] : {std::pair{a, b}, std::pair{b, a}})
            if (!core(border) && core(c)) {
                int64_t& by = claimed_by[static_cast<size_t>(border)];
                if (by < 0 || c < by) by = c;
            }
    for (size_t i = 0; i < n; i++)
        if (claimed_by[i] >= 0) label[i] = label[static_cast<size_t>(claimed_by[i])];
    return label;
}

double knee_of_sorted(const std::vector<double>& sorted) {
    if (sorted.empty()) return 0;
    if (sorted.size() < 3) return sorted.back();
    const double lo = sorted.front(), hi = sorted.back();
    const double span = hi - lo;
    if (span <= 0) return hi;
    const double last = static_cast<double>(sorted.size() - 1);
    size_t best = 0;
    double best_gap = -1;
    for (size_t i = 0; i < sorted.size(); i++) {
        const double x = static_cast<double>(i) / last, y = (sorted[i] - lo) / span;
        if (x - y > best_gap) {  // the line is y = x
            best_gap = x - y;
            best = i;
        }
    }
    return sorted[best];
}

}  // namespace sonavec
