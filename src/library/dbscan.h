// DBSCAN (Ester, Kriegel, Sander and Xu, KDD 1996) over a neighbour graph given as pairs, and the knee
// of a sorted k-distance curve that chooses its radius: clusters' density method (library_clusters.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sonavec {

// n points and the pairs (i, j) within the radius of each other. A point with at least min_points - 1
// neighbours is a core; cores that are neighbours share a cluster, and a non-core point joins the
// cluster of a core neighbour (the first by index: DBSCAN's border points). Returns a label per point:
// 0, 1, ... or -1 for noise.
std::vector<int64_t> dbscan_labels(size_t n, const std::vector<std::pair<int64_t, int64_t>>& pairs, size_t min_points);

// The knee of a curve of values sorted ascending: the one furthest below the straight line from the
// first value to the last (both axes scaled to [0, 1]), as one reads the paper's sorted k-dist plot.
double knee_of_sorted(const std::vector<double>& sorted);

}  // namespace sonavec
