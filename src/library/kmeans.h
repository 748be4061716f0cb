// Spherical k-means through FAISS (faiss::Clustering, inner product, centres kept on the unit sphere)
// and the silhouette that chooses k: clusters' building blocks (library_clusters.cpp).
#pragma once
#include <cstdint>
#include <vector>

namespace sonavec {

struct kmeans_result {
    std::vector<float> centres;       // k x dim, unit length
    std::vector<int64_t> assignment;  // n: each row's nearest centre
};

// rows: n x dim unit vectors. Each start seeds by k-means++ (Arthur and Vassilvitskii 2007) and runs 25
// of FAISS's iterations on `threads` OpenMP threads; the start with the highest sum of cosines to the
// centres is kept. The same seed gives the same result.
kmeans_result spherical_kmeans(const float* rows, int64_t n, int64_t dim, int64_t k, uint64_t seed, int threads,
                               int starts = 3);

// The m x m cosine distances 1 - dot between the rows given by sample (indices into rows): one product,
// computed once for every k tried.
std::vector<float> sample_distances(const float* rows, int64_t dim, const std::vector<int64_t>& sample);

// Mean silhouette of m sampled rows from their distances and labels; a row alone in its cluster (within
// the sample) scores 0, as Rousseeuw defines it.
double mean_silhouette(const std::vector<float>& distances, const std::vector<int64_t>& labels);

}  // namespace sonavec
