// library::clusters: spherical k-means (kmeans.h) with k by silhouette, or DBSCAN (dbscan.h) over the
// vector index's range self-join; then centres, most central members and names.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <thread>
#include <unordered_map>

#include "library/dbscan.h"
#include "library/kmeans.h"
#include "library/library_impl.h"
#include "library/library_index.h"
#include "library/vector_index.h"
#include "sonavec/error.h"

namespace sonavec {

const char* cluster_method_name(cluster_method m) { return m == cluster_method::kmeans ? "kmeans" : "density"; }

cluster_method parse_cluster_method(const std::string& name) {
    if (name == "kmeans") return cluster_method::kmeans;
    if (name == "density" || name == "dbscan") return cluster_method::density;
    throw error(error_kind::invalid_input, "'" + name + "' is not a clustering method (kmeans or density)");
}

namespace {

constexpr size_t silhouette_sample = 2000;
constexpr size_t radius_sample = 1000;

std::vector<int64_t> sample_rows(size_t n, size_t most, uint64_t seed) {
    std::vector<int64_t> all(n);
    std::iota(all.begin(), all.end(), int64_t{0});
    if (n <= most) return all;
    std::mt19937_64 rng(seed);
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(most);
    std::sort(all.begin(), all.end());
    return all;
}

void check_params(const cluster_params& p) {
    if (p.min_size < 1 || p.min_size > 100000) throw error(error_kind::invalid_input, "the minimum cluster size must be 1 to 100000");
    if (p.k > 100000) throw error(error_kind::invalid_input, "k must be at most 100000");
    if (!(p.radius >= 0 && p.radius < 2)) throw error(error_kind::invalid_input, "the radius must be a cosine distance below 2");
    if (p.central > 1000) throw error(error_kind::invalid_input, "at most 1000 central tracks per cluster");
    if (p.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
    for (const label_set& l : p.labels)
        if (l.dim <= 0 || l.vectors.size() != l.labels.size() * static_cast<size_t>(l.dim))
            throw error(error_kind::invalid_input, "label set '" + l.name + "' has vectors of the wrong size");
}

}  // namespace

cluster_report library_impl::clusters(const cluster_params& params) const {
    const auto start = std::chrono::steady_clock::now();
    check_params(params);
    const int threads = params.threads > 0 ? params.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    cluster_report r;
    r.method = params.method;
    const catalog* made = reader();
    if (!made) return r;
    const catalog& c = *made;
    if (models().empty()) return r;
    const std::string model = one_model(params.model_id, "to cluster");
    const catalog_vectors v = c.vectors(model);
    const size_t n = v.ids.size();
    const int64_t dim = v.dim;
    r.tracks = n;
    if (n < 2) return r;
    if (params.method == cluster_method::kmeans && params.k > n)
        throw error(error_kind::invalid_input, "k " + std::to_string(params.k) + " is more than the " + std::to_string(n) +
                                                   " tracks");
    for (const label_set& l : params.labels)
        if (l.dim != dim)
            throw error(error_kind::invalid_input, "label set '" + l.name + "' is of another model's space (" +
                                                       std::to_string(l.dim) + " dimensions, the vectors " +
                                                       std::to_string(dim) + ")");

    std::vector<int64_t> label(n, -1);
    if (params.method == cluster_method::kmeans) {
        if (params.k > 0) {
            label = spherical_kmeans(v.data.data(), static_cast<int64_t>(n), dim, static_cast<int64_t>(params.k),
                                     params.seed, threads).assignment;
            r.k = params.k;
            r.chosen_by = "given";
        } else {
            const size_t max_k = params.max_k > 0 ? std::min(params.max_k, n - 1) : std::max<size_t>(2, std::min<size_t>(30, n / 10));
            const std::vector<int64_t> sample = sample_rows(n, silhouette_sample, params.seed);
            const std::vector<float> distances = sample_distances(v.data.data(), dim, sample);
            double best = -2;
            for (size_t k = 2; k <= std::max<size_t>(2, max_k) && k < n; k++) {
                // One start per k while choosing; the chosen k gets three.
                kmeans_result km = spherical_kmeans(v.data.data(), static_cast<int64_t>(n), dim, static_cast<int64_t>(k),
                                                    params.seed, threads, 1);
                std::vector<int64_t> sampled(sample.size());
                for (size_t i = 0; i < sample.size(); i++) sampled[i] = km.assignment[static_cast<size_t>(sample[i])];
                const double s = mean_silhouette(distances, sampled);
                if (s > best) {
                    best = s;
                    r.k = k;
                }
            }
            label = spherical_kmeans(v.data.data(), static_cast<int64_t>(n), dim, static_cast<int64_t>(r.k), params.seed,
                                     threads).assignment;
            char text[96];
            std::snprintf(text, sizeof text, "silhouette %.3f (k 2..%zu)", best, std::max<size_t>(2, max_k));
            r.chosen_by = text;
        }
    } else {
        const std::shared_ptr<const vector_index> loaded = index_for(c, index_choice::automatic, model, threads);
        const vector_index& idx = *loaded;
        double radius = params.radius;
        if (radius <= 0) {
            // The paper's k-dist plot: each sampled track's distance to its (min_size - 1)-th neighbour.
            const std::vector<int64_t> sample = sample_rows(n, radius_sample, params.seed);
            std::vector<double> kdist;
            const int64_t k = static_cast<int64_t>(std::max<size_t>(2, params.min_size));
            for (int64_t row : sample) {
                const auto hits = idx.search(v.data.data() + static_cast<size_t>(row) * static_cast<size_t>(dim), k);
                if (!hits.empty()) kdist.push_back(1.0 - hits.back().score);  // hits[0] is the track itself
            }
            std::sort(kdist.begin(), kdist.end());
            radius = std::clamp(knee_of_sorted(kdist), 1e-4, 1.9);
            char text[64];
            std::snprintf(text, sizeof text, "radius %.4f (knee of the k-dist plot)", radius);
            r.chosen_by = text;
        } else {
            r.chosen_by = "given";
        }
        r.radius = radius;
        const auto id_pairs = idx.pairs_above(static_cast<float>(1.0 - radius), 8, threads);
        std::unordered_map<int64_t, int64_t> row_of;
        for (size_t i = 0; i < n; i++) row_of[v.ids[i]] = static_cast<int64_t>(i);
        std::vector<std::pair<int64_t, int64_t>> pairs;
        pairs.reserve(id_pairs.size());
        for (const auto& [a, b] : id_pairs) pairs.emplace_back(row_of.at(a), row_of.at(b));
        label = dbscan_labels(n, pairs, params.min_size);
    }

    // Clusters under min_size are outliers; the rest by size, largest first.
    std::map<int64_t, std::vector<size_t>> rows_of;
    for (size_t i = 0; i < n; i++)
        if (label[i] >= 0) rows_of[label[i]].push_back(i);
        else r.outliers.push_back(v.ids[i]);
    std::vector<std::vector<size_t>> groups;
    for (auto& [l, rows] : rows_of) {
        if (rows.size() >= params.min_size) groups.push_back(std::move(rows));
        else
            for (size_t i : rows) r.outliers.push_back(v.ids[i]);
    }
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    if (params.method == cluster_method::density) r.k = groups.size();
    std::sort(r.outliers.begin(), r.outliers.end());

    // Stored inferred tags name clusters when no label sets are given.
    std::unordered_map<int64_t, const catalog_entry*> entry_of;
    std::vector<catalog_entry> entries;
    if (params.labels.empty()) {
        entries = c.entries(false);
        for (const catalog_entry& e : entries) entry_of[e.id] = &e;
    }
    for (size_t g = 0; g < groups.size(); g++) {
        cluster_info ci;
        ci.id = static_cast<int>(g);
        ci.centre.assign(static_cast<size_t>(dim), 0.0f);
        std::vector<double> sum(static_cast<size_t>(dim), 0.0);
        for (size_t i : groups[g])
            for (int64_t d = 0; d < dim; d++) sum[static_cast<size_t>(d)] += v.data[i * static_cast<size_t>(dim) + static_cast<size_t>(d)];
        double norm = 0;
        for (double x : sum) norm += x * x;
        norm = std::sqrt(norm);
        for (int64_t d = 0; d < dim; d++) ci.centre[static_cast<size_t>(d)] = static_cast<float>(norm > 0 ? sum[static_cast<size_t>(d)] / norm : 0);
        std::vector<std::pair<double, int64_t>> by_cos;
        for (size_t i : groups[g]) {
            double dot = 0;
            for (int64_t d = 0; d < dim; d++) dot += static_cast<double>(v.data[i * static_cast<size_t>(dim) + static_cast<size_t>(d)]) * ci.centre[static_cast<size_t>(d)];
            by_cos.emplace_back(dot, v.ids[i]);
        }
        std::sort(by_cos.begin(), by_cos.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        for (const auto& [cs, id] : by_cos) {
            ci.members.push_back(id);
            ci.member_cosine.push_back(cs);
        }
        if (!params.labels.empty()) {
            for (const label_set& l : params.labels) {
                size_t best = 0;
                double best_cos = -2;
                for (size_t j = 0; j < l.labels.size(); j++) {
                    double dot = 0;
                    for (int64_t d = 0; d < dim; d++)
                        dot += static_cast<double>(l.vectors[j * static_cast<size_t>(dim) + static_cast<size_t>(d)]) * ci.centre[static_cast<size_t>(d)];
                    if (dot > best_cos) {
                        best_cos = dot;
                        best = j;
                    }
                }
                if (!l.labels.empty()) ci.name_labels.push_back(label_text(l.labels[best]));
            }
        } else {
            // Each taxonomy's label carried by most members (ties: the higher summed probability).
            std::map<std::string, std::map<std::string, std::pair<size_t, double>>> votes;
            for (int64_t id : ci.members) {
                const auto it = entry_of.find(id);
                if (it == entry_of.end()) continue;
                for (const inferred_tag& t : it->second->inferred) {
                    auto& vote = votes[t.taxonomy][t.label];
                    vote.first++;
                    vote.second += t.probability;
                }
            }
            for (const auto& [taxonomy, labels] : votes) {
                const auto best = std::max_element(labels.begin(), labels.end(), [](const auto& a, const auto& b) {
                    return a.second.first != b.second.first ? a.second.first < b.second.first : a.second.second < b.second.second;
                });
                ci.name_labels.push_back(label_text(best->first));
            }
        }
        for (const std::string& part : ci.name_labels) ci.name += (ci.name.empty() ? "" : " / ") + part;
        r.clusters.push_back(std::move(ci));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace sonavec
