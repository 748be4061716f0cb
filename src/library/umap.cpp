// umap.h: the fuzzy graph's bandwidth search, the fuzzy union, and the sampled gradient descent.
#include "library/umap.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "sonavec/error.h"

namespace sonavec {

umap_curve fit_umap_curve(double min_dist, double spread) {
    if (!(spread > 0) || !(min_dist >= 0) || min_dist >= 3 * spread)
        throw error(error_kind::invalid_input, "the map's minimum distance must be at least 0 and below 3 x its spread");
    constexpr int samples = 300;
    std::vector<double> x(samples), y(samples);
    for (int i = 0; i < samples; i++) {
        x[i] = 3 * spread * i / (samples - 1);
        y[i] = x[i] < min_dist ? 1.0 : std::exp(-(x[i] - min_dist) / spread);
    }
    auto loss = [&](double a, double b) {
        double e = 0;
        for (int i = 0; i < samples; i++) {
            const double d = 1.0 / (1.0 + a * std::pow(x[i], 2 * b)) - y[i];
            e += d * d;
        }
        return e;
    };
    // A coarse grid over log a and b, then a finer one around the best, four times: two smooth parameters
    // need no more.
    double la = 0, b = 1, step_a = 2.5, step_b = 0.8, best = loss(1, 1);
    for (int round = 0; round < 5; round++) {
        const double ca = la, cb = b;
        for (int i = -10; i <= 10; i++)
            for (int j = -10; j <= 10; j++) {
                const double ta = ca + step_a * i / 10, tb = cb + step_b * j / 10;
                if (tb <= 0.05) continue;
                const double e = loss(std::exp(ta), tb);
                if (e < best) {
                    best = e;
                    la = ta;
                    b = tb;
                }
            }
        step_a /= 5;
        step_b /= 5;
    }
    return {std::exp(la), b};
}

umap_graph fuzzy_graph(const int64_t* neighbour, const float* cosine, int64_t n, int64_t k, double prune_below_fraction) {
    const double target = std::log2(static_cast<double>(std::max<int64_t>(k, 2)));
    // (smaller row, larger row, weight): each directed membership once, both directions of a pair together
    // after sorting.
    std::vector<std::tuple<int64_t, int64_t, float>> directed;
    directed.reserve(static_cast<size_t>(n * k));
    std::vector<double> d(static_cast<size_t>(k));
    double mean_all = 0;
    int64_t counted = 0;
    for (int64_t i = 0; i < n * k; i++)
        if (neighbour[i] >= 0) {
            mean_all += std::max(0.0, 1.0 - static_cast<double>(cosine[i]));
            counted++;
        }
    mean_all = counted ? mean_all / static_cast<double>(counted) : 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t m = 0;
        for (int64_t j = 0; j < k && neighbour[i * k + j] >= 0; j++)
            d[static_cast<size_t>(m++)] = std::max(0.0, 1.0 - static_cast<double>(cosine[i * k + j]));
        if (m == 0) continue;
        // rho: the nearest non-zero distance (local connectivity 1): every point is fully joined to its
        // nearest neighbour.
        double rho = 0;
        for (int64_t j = 0; j < m; j++)
            if (d[static_cast<size_t>(j)] > 0) {
                rho = d[static_cast<size_t>(j)];
                break;
            }
        double lo = 0, hi = INFINITY, sigma = 1;
        for (int it = 0; it < 64; it++) {
            double sum = 0;
            for (int64_t j = 0; j < m; j++) {
                const double e = d[static_cast<size_t>(j)] - rho;
                sum += e > 0 ? std::exp(-e / sigma) : 1.0;
            }
            if (std::fabs(sum - target) < 1e-5) break;
            if (sum > target) {
                hi = sigma;
                sigma = (lo + hi) / 2;
            } else {
                lo = sigma;
                sigma = std::isinf(hi) ? sigma * 2 : (lo + hi) / 2;
            }
        }
        // The reference's floor on sigma: a thousandth of the mean neighbour distance.
        double mean_i = 0;
        for (int64_t j = 0; j < m; j++) mean_i += d[static_cast<size_t>(j)];
        mean_i /= static_cast<double>(m);
        sigma = std::max(sigma, 1e-3 * (rho > 0 ? mean_i : mean_all));
        if (!(sigma > 0)) sigma = 1e-12;
        for (int64_t j = 0; j < m; j++) {
            const int64_t t = neighbour[i * k + j];
            const double e = d[static_cast<size_t>(j)] - rho;
            const float w = static_cast<float>(e > 0 ? std::exp(-e / sigma) : 1.0);
            directed.emplace_back(std::min(i, t), std::max(i, t), w);
        }
    }
    std::sort(directed.begin(), directed.end());
    // Fuzzy union: a + b - a b for a pair seen from both ends (t-conorm, section 3.1).
    std::vector<std::tuple<int64_t, int64_t, float>> edges;
    float strongest = 0;
    for (size_t e = 0; e < directed.size();) {
        const auto [a, b, w] = directed[e];
        float u = w;
        size_t f = e + 1;
        if (f < directed.size() && std::get<0>(directed[f]) == a && std::get<1>(directed[f]) == b) {
            const float v = std::get<2>(directed[f]);
            u = w + v - w * v;
            f++;
        }
        while (f < directed.size() && std::get<0>(directed[f]) == a && std::get<1>(directed[f]) == b) f++;
        if (a != b) {
            edges.emplace_back(a, b, u);
            edges.emplace_back(b, a, u);
            strongest = std::max(strongest, u);
        }
        e = f;
    }
    std::sort(edges.begin(), edges.end());
    umap_graph g;
    g.n = n;
    const float floor = prune_below_fraction > 0 ? static_cast<float>(strongest / prune_below_fraction) : 0.0f;
    for (const auto& [a, b, w] : edges)
        if (w >= floor && w > 0) {
            g.head.push_back(a);
            g.tail.push_back(b);
            g.weight.push_back(w);
        }
    return g;
}

namespace {

// xorshift64*: fast, and the same stream for the same seed everywhere.
struct fast_random {
    uint64_t s;
    explicit fast_random(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL) {
        if (s == 0) s = 1;
    }
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1DULL;
    }
};

float clip(float g) { return std::clamp(g, -4.0f, 4.0f); }

}  // namespace

void optimize_umap_layout(const umap_graph& graph, std::vector<float>& layout, const std::vector<char>& fixed,
                          const umap_layout_options& options) {
    const int64_t n = graph.n;
    if (static_cast<int64_t>(layout.size()) != 2 * n)
        throw error(error_kind::invalid_input, "map layout: the starting positions do not match the graph");
    if (!fixed.empty() && static_cast<int64_t>(fixed.size()) != n)
        throw error(error_kind::invalid_input, "map layout: the fixed flags do not match the graph");
    if (n < 2 || graph.weight.empty() || options.epochs <= 0) return;
    auto is_fixed = [&](int64_t r) { return !fixed.empty() && fixed[static_cast<size_t>(r)] != 0; };
    // Only edges whose head may move are sampled; each moves its head, and its tail when that may move too.
    std::vector<size_t> live;
    float strongest = 0;
    for (size_t e = 0; e < graph.weight.size(); e++)
        if (!is_fixed(graph.head[e])) {
            live.push_back(e);
            strongest = std::max(strongest, graph.weight[e]);
        }
    if (live.empty()) return;
    const size_t m = live.size();
    // An edge is sampled every strongest / weight epochs (weight in proportion), each time with
    // negative_rate negative samples.
    std::vector<double> every(m), next_sample(m), every_negative(m), next_negative(m);
    for (size_t i = 0; i < m; i++) {
        every[i] = strongest / graph.weight[live[i]];
        next_sample[i] = every[i];
        every_negative[i] = every[i] / options.negative_rate;
        next_negative[i] = every_negative[i];
    }
    const float a = static_cast<float>(options.curve.a), b = static_cast<float>(options.curve.b);
    const float gamma = static_cast<float>(options.repulsion);
    fast_random rng(options.seed);
    float* y = layout.data();
    for (int epoch = 0; epoch < options.epochs; epoch++) {
        if (options.cancel && options.cancel->load()) return;
        const float alpha = 1.0f - static_cast<float>(epoch) / static_cast<float>(options.epochs);
        const double now = epoch;
        for (size_t i = 0; i < m; i++) {
            if (next_sample[i] > now) continue;
            const size_t e = live[i];
            const int64_t h = graph.head[e], t = graph.tail[e];
            float* p = y + 2 * h;
            float* q = y + 2 * t;
            {
                const float dx = p[0] - q[0], dy = p[1] - q[1];
                const float d2 = dx * dx + dy * dy;
                if (d2 > 0) {
                    const float pw = std::pow(d2, b);
                    const float c = -2.0f * a * b * (pw / d2) / (a * pw + 1.0f);
                    const float gx = clip(c * dx) * alpha, gy = clip(c * dy) * alpha;
                    p[0] += gx;
                    p[1] += gy;
                    if (!is_fixed(t)) {
                        q[0] -= gx;
                        q[1] -= gy;
                    }
                }
            }
            next_sample[i] += every[i];
            const int negatives = static_cast<int>((now - next_negative[i]) / every_negative[i]);
            for (int s = 0; s < negatives; s++) {
                const int64_t o = static_cast<int64_t>(rng.next() % static_cast<uint64_t>(n));
                if (o == h) continue;
                const float* r = y + 2 * o;
                const float dx = p[0] - r[0], dy = p[1] - r[1];
                const float d2 = dx * dx + dy * dy;
                if (d2 <= 0) continue;
                const float c = 2.0f * gamma * b / ((0.001f + d2) * (a * std::pow(d2, b) + 1.0f));
                p[0] += clip(c * dx) * alpha;
                p[1] += clip(c * dy) * alpha;
            }
            next_negative[i] += negatives * every_negative[i];
        }
        if (options.progress) options.progress(epoch + 1, options.epochs);
    }
}

}  // namespace sonavec
