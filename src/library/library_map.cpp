// library::map: the kNN graph from the vector index, UMAP's fuzzy graph and layout (umap.h), started from
// the vectors' first two principal components (a whole map) or from each new track's neighbours on the
// stored map (new tracks among fixed old ones); the points stored per model.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "library/library_impl.h"
#include "library/library_index.h"
#include "library/library_lock.h"
#include "library/umap.h"
#include "library/vector_index.h"
#include "nn/ops.h"
#include "util/on_threads.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// FNV-1a over the vector's bytes: a stored point belongs to the vector it was laid out from.
uint64_t vector_hash(const float* v, int64_t dim) {
    uint64_t h = 1469598103934665603ULL;
    const auto* bytes = reinterpret_cast<const unsigned char*>(v);
    for (size_t i = 0; i < static_cast<size_t>(dim) * sizeof(float); i++) {
        h ^= bytes[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void check_params(const map_params& p) {
    if (p.neighbors < 2 || p.neighbors > 200) throw error(error_kind::invalid_input, "the map's neighbour count must be 2 to 200");
    if (p.epochs < 0 || p.epochs > 100000) throw error(error_kind::invalid_input, "the map's epochs must be 0 to 100000");
    if (!(p.spread > 0 && p.spread <= 100)) throw error(error_kind::invalid_input, "the map's spread must be above 0 and at most 100");
    if (!(p.min_dist >= 0 && p.min_dist < 3 * p.spread))
        throw error(error_kind::invalid_input, "the map's minimum distance must be at least 0 and below 3 x its spread");
    if (p.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
}

// The rows' first two principal components (power iteration with deflation on the covariance, one BLAS
// product X^T X), scaled into [0, 10] x [0, 10] as the reference scales its starting layout.
std::vector<float> principal_layout(const float* rows, int64_t n, int64_t dim, uint64_t seed) {
    std::vector<float> gram(static_cast<size_t>(dim * dim));
    single_threaded_blas();
    gemm_serial(true, false, dim, dim, n, 1.0f, rows, dim, rows, dim, 0.0f, gram.data(), dim);
    std::vector<double> mean(static_cast<size_t>(dim), 0.0);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < dim; j++) mean[static_cast<size_t>(j)] += rows[i * dim + j];
    for (double& m : mean) m /= static_cast<double>(n);
    std::vector<double> cov(static_cast<size_t>(dim * dim));
    for (int64_t a = 0; a < dim; a++)
        for (int64_t b = 0; b < dim; b++)
            cov[static_cast<size_t>(a * dim + b)] = gram[static_cast<size_t>(a * dim + b)] / static_cast<double>(n) -
                                                    mean[static_cast<size_t>(a)] * mean[static_cast<size_t>(b)];
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<std::vector<double>> axes;
    for (int c = 0; c < 2; c++) {
        std::vector<double> v(static_cast<size_t>(dim)), w(static_cast<size_t>(dim));
        for (double& x : v) x = normal(rng);
        for (int it = 0; it < 300; it++) {
            for (const auto& u : axes) {  // deflation: orthogonal to the axes found
                double d = 0;
                for (int64_t j = 0; j < dim; j++) d += v[static_cast<size_t>(j)] * u[static_cast<size_t>(j)];
                for (int64_t j = 0; j < dim; j++) v[static_cast<size_t>(j)] -= d * u[static_cast<size_t>(j)];
            }
            double norm = 0;
            for (double x : v) norm += x * x;
            norm = std::sqrt(norm);
            if (norm < 1e-300) {  // no variance left: any direction will do
                for (double& x : v) x = normal(rng);
                continue;
            }
            for (double& x : v) x /= norm;
            for (int64_t a = 0; a < dim; a++) {
                double s = 0;
                for (int64_t b = 0; b < dim; b++) s += cov[static_cast<size_t>(a * dim + b)] * v[static_cast<size_t>(b)];
                w[static_cast<size_t>(a)] = s;
            }
            v.swap(w);
        }
        for (const auto& u : axes) {
            double d = 0;
            for (int64_t j = 0; j < dim; j++) d += v[static_cast<size_t>(j)] * u[static_cast<size_t>(j)];
            for (int64_t j = 0; j < dim; j++) v[static_cast<size_t>(j)] -= d * u[static_cast<size_t>(j)];
        }
        double norm = 0;
        for (double x : v) norm += x * x;
        norm = std::sqrt(std::max(norm, 1e-300));
        for (double& x : v) x /= norm;
        axes.push_back(std::move(v));
    }
    std::vector<double> proj(static_cast<size_t>(2 * n));
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            double s = 0;
            for (int64_t j = 0; j < dim; j++) s += (rows[i * dim + j] - mean[static_cast<size_t>(j)]) * axes[static_cast<size_t>(c)][static_cast<size_t>(j)];
            proj[static_cast<size_t>(2 * i + c)] = s;
        }
    std::vector<float> layout(static_cast<size_t>(2 * n));
    std::uniform_real_distribution<double> jitter(-1e-3, 1e-3);
    for (int c = 0; c < 2; c++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; i < n; i++) {
            lo = std::min(lo, proj[static_cast<size_t>(2 * i + c)]);
            hi = std::max(hi, proj[static_cast<size_t>(2 * i + c)]);
        }
        const double span = hi - lo > 1e-12 ? hi - lo : 1.0;
        // A little noise keeps identical vectors from starting on one spot (no gradient between them).
        for (int64_t i = 0; i < n; i++)
            layout[static_cast<size_t>(2 * i + c)] =
                static_cast<float>(10.0 * (proj[static_cast<size_t>(2 * i + c)] - lo) / span + jitter(rng));
    }
    return layout;
}

// New rows start at the cosine-weighted mean of their placed neighbours: first those with a neighbour on
// the old map, then, round by round, those next to rows placed so; any left (a new island with no way to
// the old map) start around the map's centre.
void place_new_rows(std::vector<float>& layout, const std::vector<char>& fixed, const std::vector<int64_t>& neighbour,
                    const std::vector<float>& score, int64_t n, int64_t k, uint64_t seed) {
    std::vector<char> placed(fixed.begin(), fixed.end());
    double cx = 0, cy = 0, spread = 0;
    int64_t kept = 0;
    for (int64_t i = 0; i < n; i++)
        if (fixed[static_cast<size_t>(i)]) {
            cx += layout[static_cast<size_t>(2 * i)];
            cy += layout[static_cast<size_t>(2 * i + 1)];
            kept++;
        }
    cx /= std::max<int64_t>(kept, 1);
    cy /= std::max<int64_t>(kept, 1);
    for (int64_t i = 0; i < n; i++)
        if (fixed[static_cast<size_t>(i)])
            spread = std::max(spread, std::hypot(layout[static_cast<size_t>(2 * i)] - cx, layout[static_cast<size_t>(2 * i + 1)] - cy));
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 20; round++) {
        std::vector<std::pair<int64_t, std::pair<float, float>>> now;
        for (int64_t i = 0; i < n; i++) {
            if (placed[static_cast<size_t>(i)]) continue;
            double x = 0, y = 0, w = 0;
            for (int64_t j = 0; j < k; j++) {
                const int64_t t = neighbour[static_cast<size_t>(i * k + j)];
                if (t < 0 || !placed[static_cast<size_t>(t)]) continue;
                const double s = std::max(1e-3, static_cast<double>(score[static_cast<size_t>(i * k + j)]));
                x += s * layout[static_cast<size_t>(2 * t)];
                y += s * layout[static_cast<size_t>(2 * t + 1)];
                w += s;
            }
            if (w > 0) now.push_back({i, {static_cast<float>(x / w), static_cast<float>(y / w)}});
        }
        if (now.empty()) break;
        for (const auto& [i, p] : now) {
            layout[static_cast<size_t>(2 * i)] = p.first;
            layout[static_cast<size_t>(2 * i + 1)] = p.second;
            placed[static_cast<size_t>(i)] = 1;
        }
    }
    std::uniform_real_distribution<double> around(-1.0, 1.0);
    const double r = std::max(spread * 0.1, 0.1);
    for (int64_t i = 0; i < n; i++)
        if (!placed[static_cast<size_t>(i)]) {
            layout[static_cast<size_t>(2 * i)] = static_cast<float>(cx + r * around(rng));
            layout[static_cast<size_t>(2 * i + 1)] = static_cast<float>(cy + r * around(rng));
        }
    // Two new rows with the same neighbours would start on one spot.
    std::uniform_real_distribution<double> jitter(-1e-3, 1e-3);
    for (int64_t i = 0; i < n; i++)
        if (!fixed[static_cast<size_t>(i)]) {
            layout[static_cast<size_t>(2 * i)] += static_cast<float>(jitter(rng));
            layout[static_cast<size_t>(2 * i + 1)] += static_cast<float>(jitter(rng));
        }
}

}  // namespace

map_report library_impl::map(const map_params& params) {
    check_params(params);
    if (params.store) check_writable("map");
    const int threads = params.threads > 0 ? params.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    map_report r;
    const catalog* made = reader();
    if (!made || models().empty()) return r;
    const catalog& c = *made;
    r.model_id = one_model(params.model_id, "to map");
    const catalog_vectors v = c.vectors(r.model_id);
    const int64_t n = static_cast<int64_t>(v.ids.size()), dim = v.dim;
    if (n == 0) return r;
    std::vector<uint64_t> hashes(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) hashes[static_cast<size_t>(i)] = vector_hash(v.data.data() + i * dim, dim);

    // The stored points still true to their tracks' vectors.
    std::vector<float> layout(static_cast<size_t>(2 * n), 0.0f);
    std::vector<char> fixed(static_cast<size_t>(n), 0);
    std::unordered_map<int64_t, int64_t> row_of;
    for (int64_t i = 0; i < n; i++) row_of[v.ids[static_cast<size_t>(i)]] = i;
    size_t kept = 0;
    if (!params.rebuild)
        for (const catalog::map_row& p : c.map_points(r.model_id)) {
            const auto it = row_of.find(p.id);
            if (it == row_of.end() || hashes[static_cast<size_t>(it->second)] != p.vector_hash) continue;
            layout[static_cast<size_t>(2 * it->second)] = static_cast<float>(p.x);
            layout[static_cast<size_t>(2 * it->second + 1)] = static_cast<float>(p.y);
            fixed[static_cast<size_t>(it->second)] = 1;
            kept++;
        }
    // Fewer than two points is no map to keep.
    r.rebuilt = kept < 2;
    if (r.rebuilt) {
        std::fill(fixed.begin(), fixed.end(), 0);
        kept = 0;
    }

    if (n > 1 && kept < static_cast<size_t>(n)) {
        auto start = std::chrono::steady_clock::now();
        if (params.progress) params.progress({"neighbours", 0, n});
        const std::shared_ptr<const vector_index> loaded = index_for(c, index_choice::automatic, r.model_id, threads);
        const vector_index& idx = *loaded;
        const size_t moving = static_cast<size_t>(n) - kept;
        const int64_t k = std::min<int64_t>(static_cast<int64_t>(params.neighbors), n - 1);
        std::vector<int64_t> neighbour(static_cast<size_t>(n * k), -1);
        std::vector<float> score(static_cast<size_t>(n * k), 0.0f);
        if (r.rebuilt || moving * 10 > static_cast<size_t>(n)) {
            // The whole kNN graph (one list join), in the catalog's row order.
            const vector_index::neighbour_graph g = idx.neighbours(k, threads, params.cancel);
            if (params.cancel && params.cancel->load()) throw error(error_kind::cancelled, "the map was cancelled: nothing was stored");
            if (static_cast<int64_t>(g.ids.size()) != n || g.k != k)
                throw error(error_kind::corrupt_file, "the vector index does not match the catalog: index the library again");
            for (size_t gi = 0; gi < g.ids.size(); gi++) {
                const int64_t i = row_of.at(g.ids[gi]);
                for (int64_t j = 0; j < k; j++) {
                    const int64_t id = g.neighbour[gi * static_cast<size_t>(k) + static_cast<size_t>(j)];
                    neighbour[static_cast<size_t>(i * k + j)] = id < 0 ? -1 : row_of.at(id);
                    score[static_cast<size_t>(i * k + j)] = g.score[gi * static_cast<size_t>(k) + static_cast<size_t>(j)];
                }
            }
        } else {
            // A few new tracks on an old map: only their own neighbours, one search each (the old points
            // do not move, so their edges are never sampled), as the reference's transform() does.
            std::vector<int64_t> rows;
            for (int64_t i = 0; i < n; i++)
                if (!fixed[static_cast<size_t>(i)]) rows.push_back(i);
            std::atomic<size_t> next{0};
            std::exception_ptr failed;
            std::mutex failed_mutex;
            on_threads(threads, [&] {
                try {
                    for (size_t t; (t = next++) < rows.size();) {
                        if (params.cancel && params.cancel->load()) return;
                        const int64_t i = rows[t];
                        const int64_t self = v.ids[static_cast<size_t>(i)];
                        int64_t j = 0;
                        for (const search_hit& h : idx.search(v.data.data() + i * dim, k + 1)) {
                            if (h.id == self || j == k) continue;
                            const auto it = row_of.find(h.id);
                            if (it == row_of.end()) continue;
                            neighbour[static_cast<size_t>(i * k + j)] = it->second;
                            score[static_cast<size_t>(i * k + j)] = h.score;
                            j++;
                        }
                    }
                } catch (...) {
                    std::lock_guard lock(failed_mutex);
                    if (!failed) failed = std::current_exception();
                }
            });
            if (failed) std::rethrow_exception(failed);
            if (params.cancel && params.cancel->load()) throw error(error_kind::cancelled, "the map was cancelled: nothing was stored");
        }
        r.neighbours_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (params.progress) params.progress({"neighbours", n, n});

        start = std::chrono::steady_clock::now();
        int epochs = params.epochs;
        if (epochs == 0) epochs = r.rebuilt ? (n <= 10000 ? 500 : 200) : (moving <= 10000 ? 100 : 30);
        const umap_graph graph = fuzzy_graph(neighbour.data(), score.data(), n, k, epochs);
        r.edges = graph.weight.size() / 2;
        if (r.rebuilt) layout = principal_layout(v.data.data(), n, dim, params.seed);
        else place_new_rows(layout, fixed, neighbour, score, n, k, params.seed);
        umap_layout_options o;
        o.curve = fit_umap_curve(params.min_dist, params.spread);
        o.epochs = epochs;
        o.seed = params.seed;
        o.cancel = params.cancel;
        if (params.progress) o.progress = [&](int e, int total) { params.progress({"layout", e, total}); };
        optimize_umap_layout(graph, layout, fixed, o);
        if (params.cancel && params.cancel->load()) throw error(error_kind::cancelled, "the map was cancelled: nothing was stored");
        r.layout_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } else if (n == 1 && kept == 0) {
        r.rebuilt = true;
    }

    r.kept = kept;
    r.placed = static_cast<size_t>(n) - kept;
    r.points.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++)
        r.points[static_cast<size_t>(i)] = {v.ids[static_cast<size_t>(i)], layout[static_cast<size_t>(2 * i)],
                                            layout[static_cast<size_t>(2 * i + 1)], !fixed[static_cast<size_t>(i)]};
    std::sort(r.points.begin(), r.points.end(), [](const map_point& a, const map_point& b) { return a.id < b.id; });

    if (params.store && r.placed > 0) {
        const library_lock writer(dir_, "map");
        std::vector<catalog::map_row> rows;
        for (int64_t i = 0; i < n; i++)
            if (!fixed[static_cast<size_t>(i)])
                rows.push_back({v.ids[static_cast<size_t>(i)], hashes[static_cast<size_t>(i)], layout[static_cast<size_t>(2 * i)],
                                layout[static_cast<size_t>(2 * i + 1)]});
        cat().put_map_points(r.model_id, rows, r.rebuilt);
    }
    return r;
}

}  // namespace sonavec
