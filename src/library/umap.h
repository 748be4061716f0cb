// UMAP (McInnes, Healy & Melville, "UMAP: Uniform Manifold Approximation and Projection for Dimension
// Reduction", arXiv:1802.03426, 2018), written from the paper and its reference implementation's
// documented defaults: a fuzzy graph from each point's k nearest neighbours (section 3.1), laid out in 2D by
// stochastic gradient descent on its cross-entropy with edge sampling and negative sampling (section 4.2).
// A layout may hold fixed points: then only the others move, which places new tracks on an old map
// without moving it (the reference implementation's transform()).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace sonavec {

// The low-dimensional similarity 1 / (1 + a d^(2b)), fitted (least squares over d in [0, 3 spread]) to 1
// below min_dist and exp(-(d - min_dist) / spread) above, as the reference implementation fits it:
// min_dist 0.1 and spread 1 give a about 1.58 and b about 0.90.
struct umap_curve {
    double a = 0, b = 0;
};
umap_curve fit_umap_curve(double min_dist, double spread);

// The symmetric fuzzy graph (fuzzy union of the directed memberships), as directed edges in both
// directions, sorted by head. Edges weaker than the strongest / prune_below_fraction are dropped, as the
// reference drops those it would never sample in its epochs.
struct umap_graph {
    int64_t n = 0;
    std::vector<int64_t> head, tail;
    std::vector<float> weight;
};

// neighbour: n x k row indices (-1: none), best first, each row's own index not among them; cosine: their
// similarities. Distance is 1 - cosine. Each row's memberships exp(-(d - rho) / sigma), rho the nearest
// distance, sigma such that they sum to log2(k) (the paper's equation 2 and its bandwidth search).
umap_graph fuzzy_graph(const int64_t* neighbour, const float* cosine, int64_t n, int64_t k, double prune_below_fraction);

struct umap_layout_options {
    umap_curve curve;
    int epochs = 200;
    int negative_rate = 5;   // negative samples per positive one (the reference's default)
    double repulsion = 1.0;  // gamma, the negative samples' weight
    uint64_t seed = 1;
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(int epoch, int epochs)> progress;  // after each epoch
};

// layout: n x 2, the starting positions; rows with fixed[i] != 0 keep theirs (fixed may be empty: none).
// Deterministic for a given seed: one thread, edges in order.
void optimize_umap_layout(const umap_graph& graph, std::vector<float>& layout, const std::vector<char>& fixed,
                          const umap_layout_options& options);

}  // namespace sonavec
