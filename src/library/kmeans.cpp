// kmeans.h: FAISS's k-means with an inner-product assigner, and a plain silhouette.
#include "library/kmeans.h"

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/impl/FaissException.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "nn/ops.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// k-means++ seeding (Arthur and Vassilvitskii, SODA 2007) on the sphere: each next centre drawn with
// probability proportional to its squared distance to the nearest centre so far, 2 (1 - dot).
std::vector<float> plus_plus_seeds(const float* rows, int64_t n, int64_t dim, int64_t k, std::mt19937_64& rng) {
    std::vector<float> centres;
    std::vector<double> nearest(static_cast<size_t>(n), 2.0);
    int64_t pick = static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
    for (int64_t c = 0; c < k; c++) {
        centres.insert(centres.end(), rows + pick * dim, rows + (pick + 1) * dim);
        const float* x = rows + pick * dim;
        double total = 0;
        for (int64_t i = 0; i < n; i++) {
            const float* y = rows + i * dim;
            double dot = 0;
            for (int64_t d = 0; d < dim; d++) dot += static_cast<double>(x[d]) * y[d];
            nearest[static_cast<size_t>(i)] = std::min(nearest[static_cast<size_t>(i)], std::max(0.0, 2 * (1 - dot)));
            total += nearest[static_cast<size_t>(i)];
        }
        if (total <= 0) {
            pick = static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
            continue;
        }
        double target = std::uniform_real_distribution<double>(0, total)(rng);
        pick = n - 1;
        for (int64_t i = 0; i < n; i++) {
            target -= nearest[static_cast<size_t>(i)];
            if (target <= 0) {
                pick = i;
                break;
            }
        }
    }
    return centres;
}

}  // namespace

kmeans_result spherical_kmeans(const float* rows, int64_t n, int64_t dim, int64_t k, uint64_t seed, int threads,
                               int starts) {
    if (k < 1 || k > n) throw error(error_kind::invalid_input, "cannot make " + std::to_string(k) + " clusters of " +
                                                                   std::to_string(n) + " tracks");
    kmeans_result best;
    double best_objective = -INFINITY;
    std::mt19937_64 rng(seed);
    faiss::ClusteringParameters cp;
    cp.niter = 25;
    cp.nredo = 1;
    cp.spherical = true;
    cp.max_points_per_centroid = 1 << 20;  // every track: no sample
    cp.min_points_per_centroid = 1;
    cp.seed = static_cast<int>(seed & 0x7fffffff);
    cp.verbose = false;
    const int saved = omp_get_max_threads();
    omp_set_num_threads(std::max(1, threads));
    try {
        for (int start = 0; start < std::max(1, starts); start++) {
            faiss::Clustering km(static_cast<int>(dim), static_cast<int>(k), cp);
            km.centroids = plus_plus_seeds(rows, n, dim, k, rng);  // FAISS starts from centres it is given
            faiss::IndexFlatIP assigner(dim);
            km.train(n, rows, assigner);
            faiss::IndexFlatIP final_index(dim);
            final_index.add(k, km.centroids.data());
            std::vector<float> score(static_cast<size_t>(n));
            std::vector<faiss::Index::idx_t> label(static_cast<size_t>(n));
            final_index.search(n, rows, 1, score.data(), label.data());
            double objective = 0;  // the sum of each track's cosine with its centre
            for (float x : score) objective += x;
            if (objective > best_objective) {
                best_objective = objective;
                best.centres = km.centroids;
                best.assignment.assign(label.begin(), label.end());
            }
        }
    } catch (const faiss::FaissException& e) {
        omp_set_num_threads(saved);
        throw error(error_kind::io, std::string("FAISS k-means failed: ") + e.what());
    }
    omp_set_num_threads(saved);
    for (float c : best.centres)
        if (!std::isfinite(c)) throw error(error_kind::io, "k-means produced a non-finite centre");
    for (int64_t& a : best.assignment)
        if (a < 0 || a >= k) a = 0;
    return best;
}

std::vector<float> sample_distances(const float* rows, int64_t dim, const std::vector<int64_t>& sample) {
    const int64_t m = static_cast<int64_t>(sample.size());
    std::vector<float> x(static_cast<size_t>(m * dim));
    for (int64_t i = 0; i < m; i++)
        std::copy(rows + sample[static_cast<size_t>(i)] * dim, rows + (sample[static_cast<size_t>(i)] + 1) * dim,
                  x.begin() + i * dim);
    std::vector<float> d(static_cast<size_t>(m * m));
    gemm(false, true, m, m, dim, -1.0f, x.data(), dim, x.data(), dim, 0.0f, d.data(), m);
    for (float& v : d) v += 1.0f;
    return d;
}

double mean_silhouette(const std::vector<float>& distances, const std::vector<int64_t>& labels) {
    const size_t m = labels.size();
    if (m < 2) return 0;
    std::map<int64_t, size_t> index_of;
    for (int64_t l : labels) index_of.emplace(l, 0);
    if (index_of.size() < 2) return 0;
    size_t next = 0;
    for (auto& [label, i] : index_of) i = next++;
    std::vector<size_t> cls(m), size(index_of.size(), 0);
    for (size_t i = 0; i < m; i++) size[cls[i] = index_of[labels[i]]]++;
    std::vector<double> sum(index_of.size());
    double total = 0;
    for (size_t i = 0; i < m; i++) {
        std::fill(sum.begin(), sum.end(), 0.0);
        const float* d = distances.data() + i * m;
        for (size_t j = 0; j < m; j++)
            if (j != i) sum[cls[j]] += d[j];
        const size_t own = cls[i];
        if (size[own] < 2) continue;  // s(i) = 0
        const double a = sum[own] / static_cast<double>(size[own] - 1);
        double b = INFINITY;
        for (size_t c = 0; c < sum.size(); c++)
            if (c != own && size[c] > 0) b = std::min(b, sum[c] / static_cast<double>(size[c]));
        if (std::max(a, b) > 0) total += (b - a) / std::max(a, b);
    }
    return total / static_cast<double>(m);
}

}  // namespace sonavec
