// Linear probes: class-weighted, L2-regularised logistic regression fitted by Newton's method with
// conjugate-gradient steps (Hessian-vector products only, as liblinear's trust-region Newton does), then
// stratified k-fold cross-validation. The matrix-vector products go to BLAS in double precision.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "sonavec/error.h"
#include "sonavec/linear_probe.h"

namespace sonavec {

namespace {

// Examples as one double matrix with labels and class weights.
struct example_set {
    size_t dim = 0;
    std::vector<double> x;  // n x dim, row-major
    std::vector<double> y;  // 1 positive, 0 negative
    std::vector<double> c;  // class weight: n / (2 * that class's count)
    size_t size() const { return y.size(); }
};

example_set make_examples(std::span<const float> pos, const std::vector<size_t>& pos_rows, std::span<const float> neg,
                          const std::vector<size_t>& neg_rows, size_t dim) {
    example_set e;
    e.dim = dim;
    const size_t n = pos_rows.size() + neg_rows.size();
    e.x.reserve(n * dim);
    const double cp = static_cast<double>(n) / (2.0 * static_cast<double>(pos_rows.size()));
    const double cn = static_cast<double>(n) / (2.0 * static_cast<double>(neg_rows.size()));
    for (size_t r : pos_rows) {
        e.x.insert(e.x.end(), pos.begin() + static_cast<std::ptrdiff_t>(r * dim), pos.begin() + static_cast<std::ptrdiff_t>((r + 1) * dim));
        e.y.push_back(1);
        e.c.push_back(cp);
    }
    for (size_t r : neg_rows) {
        e.x.insert(e.x.end(), neg.begin() + static_cast<std::ptrdiff_t>(r * dim), neg.begin() + static_cast<std::ptrdiff_t>((r + 1) * dim));
        e.y.push_back(0);
        e.c.push_back(cn);
    }
    return e;
}

// log(1 + e^z) without overflow.
double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }
double sigmoid(double z) {
    if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
    const double ez = std::exp(z);
    return ez / (1.0 + ez);
}

// z = X w + b for theta = (w, b).
std::vector<double> margins(const example_set& e, const std::vector<double>& theta) {
    const size_t n = e.size();
    std::vector<double> z(n, theta[e.dim]);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), static_cast<int>(e.dim), 1.0, e.x.data(),
                static_cast<int>(e.dim), theta.data(), 1, 1.0, z.data(), 1);
    return z;
}

// The objective; with gradient, also its gradient and each example's curvature c_i s_i (1 - s_i).
double objective(const example_set& e, double l2, const std::vector<double>& theta, std::vector<double>* gradient,
                 std::vector<double>* curvature) {
    const size_t n = e.size(), dim = e.dim;
    const std::vector<double> z = margins(e, theta);
    double f = 0;
    std::vector<double> residual(n);  // c_i (s_i - y_i)
    if (curvature) curvature->assign(n, 0);
    for (size_t i = 0; i < n; i++) {
        f += e.c[i] * (softplus(z[i]) - e.y[i] * z[i]);
        const double s = sigmoid(z[i]);
        residual[i] = e.c[i] * (s - e.y[i]);
        if (curvature) (*curvature)[i] = e.c[i] * s * (1 - s);
    }
    double ww = 0;
    for (size_t d = 0; d < dim; d++) ww += theta[d] * theta[d];
    f += 0.5 * l2 * ww;
    if (gradient) {
        gradient->assign(dim + 1, 0);
        for (size_t d = 0; d < dim; d++) (*gradient)[d] = l2 * theta[d];
        cblas_dgemv(CblasRowMajor, CblasTrans, static_cast<int>(n), static_cast<int>(dim), 1.0, e.x.data(),
                    static_cast<int>(dim), residual.data(), 1, 1.0, gradient->data(), 1);
        (*gradient)[dim] = std::accumulate(residual.begin(), residual.end(), 0.0);
    }
    return f;
}

// H v for the Hessian at the point whose curvatures are given.
std::vector<double> hessian_times(const example_set& e, double l2, const std::vector<double>& curvature,
                                  const std::vector<double>& v) {
    std::vector<double> u = margins(e, v);  // X v_w + v_b
    for (size_t i = 0; i < u.size(); i++) u[i] *= curvature[i];
    std::vector<double> out(e.dim + 1);
    for (size_t d = 0; d < e.dim; d++) out[d] = l2 * v[d];
    cblas_dgemv(CblasRowMajor, CblasTrans, static_cast<int>(e.size()), static_cast<int>(e.dim), 1.0, e.x.data(),
                static_cast<int>(e.dim), u.data(), 1, 1.0, out.data(), 1);
    out[e.dim] = std::accumulate(u.begin(), u.end(), 0.0);
    return out;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); i++) s += a[i] * b[i];
    return s;
}

// The minimiser (w, b) of the objective. Strictly convex (l2 > 0 on w; the bias's curvature is
// positive), so Newton's method with a backtracking line search converges from zero.
std::vector<double> fit(const example_set& e, const probe_params& params) {
    const size_t m = e.dim + 1;
    std::vector<double> theta(m, 0.0), g, curvature;
    double f = objective(e, params.l2, theta, &g, &curvature);
    const double g_start = std::sqrt(dot(g, g));
    const double g_goal = params.tolerance * std::max(1.0, g_start);
    bool converged = false;
    for (int it = 0; it < params.max_iterations; it++) {
        const double g_norm = std::sqrt(dot(g, g));
        if (g_norm <= g_goal) {
            converged = true;
            break;
        }
        // Conjugate gradients on H d = -g, to a relative accuracy that tightens near the optimum.
        std::vector<double> d(m, 0.0), r(m), p(m);
        for (size_t k = 0; k < m; k++) r[k] = p[k] = -g[k];
        double rr = dot(r, r);
        const double cg_goal = std::min(0.5, std::sqrt(g_norm)) * g_norm;
        for (size_t k = 0; k < std::min<size_t>(m, 500); k++) {
            const std::vector<double> hp = hessian_times(e, params.l2, curvature, p);
            const double php = dot(p, hp);
            if (!(php > 0)) break;
            const double alpha = rr / php;
            for (size_t j = 0; j < m; j++) {
                d[j] += alpha * p[j];
                r[j] -= alpha * hp[j];
            }
            const double rr_next = dot(r, r);
            if (std::sqrt(rr_next) <= cg_goal) break;
            for (size_t j = 0; j < m; j++) p[j] = r[j] + (rr_next / rr) * p[j];
            rr = rr_next;
        }
        const double slope = dot(g, d);
        if (!(slope < 0)) break;  // no descent direction left: at the optimum to rounding
        // Backtracking (Armijo) line search.
        bool moved = false;
        std::vector<double> trial(m);
        for (double t = 1; t > 1e-12; t *= 0.5) {
            for (size_t j = 0; j < m; j++) trial[j] = theta[j] + t * d[j];
            if (objective(e, params.l2, trial, nullptr, nullptr) <= f + 1e-4 * t * slope) {
                moved = true;
                break;
            }
        }
        if (!moved) break;
        theta = trial;
        f = objective(e, params.l2, theta, &g, &curvature);
    }
    if (!converged && std::sqrt(dot(g, g)) > 1e3 * g_goal)
        log_message(log_level::warning, "linear probe: the fit stopped short of the optimum (gradient " +
                                            std::to_string(std::sqrt(dot(g, g))) + ")");
    return theta;
}

// A fixed pseudo-random order of 0..n-1 (splitmix64 and Fisher-Yates, the same on every machine and
// standard library), so that folds do not follow the order examples were listed in (folders, albums).
std::vector<size_t> fixed_shuffle(size_t n, uint64_t seed) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    uint64_t state = seed;
    for (size_t i = n; i > 1; i--) {
        state += 0x9e3779b97f4a7c15ULL;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        std::swap(order[i - 1], order[static_cast<size_t>(z % i)]);
    }
    return order;
}

void check_matrix(std::span<const float> m, size_t rows, size_t dim, const char* what) {
    if (rows > m.size() / dim || m.size() != rows * dim)
        throw error(error_kind::invalid_input, std::string(what) + ": " + std::to_string(m.size()) + " floats for " +
                                                   std::to_string(rows) + " rows of " + std::to_string(dim));
    for (float x : m)
        if (!std::isfinite(x)) throw error(error_kind::invalid_input, std::string(what) + " hold a non-finite value");
}

void check_params(const probe_params& p) {
    if (!(p.l2 > 0) || !std::isfinite(p.l2))
        throw error(error_kind::invalid_input, "the L2 penalty must be a positive number, got " + std::to_string(p.l2));
    if (p.folds < 2) throw error(error_kind::invalid_input, "cross-validation needs at least 2 folds, got " + std::to_string(p.folds));
    if (p.max_iterations < 1) throw error(error_kind::invalid_input, "max_iterations must be at least 1");
    if (!(p.tolerance > 0) || !std::isfinite(p.tolerance)) throw error(error_kind::invalid_input, "tolerance must be positive");
}

std::vector<size_t> all_rows(size_t n) {
    std::vector<size_t> r(n);
    std::iota(r.begin(), r.end(), size_t{0});
    return r;
}

double probability(const std::vector<double>& theta, const float* v, size_t dim) {
    double z = theta[dim];
    for (size_t d = 0; d < dim; d++) z += theta[d] * v[d];
    return sigmoid(z);
}

}  // namespace

double probe_objective(std::span<const float> positives, size_t n_pos, std::span<const float> negatives, size_t n_neg,
                       size_t dim, double l2, std::span<const double> w_and_bias, std::vector<double>* gradient) {
    if (dim == 0) throw error(error_kind::invalid_input, "a probe needs vectors of at least one dimension");
    check_matrix(positives, n_pos, dim, "the positive examples");
    check_matrix(negatives, n_neg, dim, "the negative examples");
    if (n_pos == 0 || n_neg == 0) throw error(error_kind::invalid_input, "the objective needs examples of both classes");
    if (w_and_bias.size() != dim + 1) throw error(error_kind::invalid_input, "w_and_bias must hold dim + 1 values");
    const example_set e = make_examples(positives, all_rows(n_pos), negatives, all_rows(n_neg), dim);
    const std::vector<double> theta(w_and_bias.begin(), w_and_bias.end());
    return objective(e, l2, theta, gradient, nullptr);
}

linear_probe train_probe(std::span<const float> positives, size_t n_pos, std::span<const float> negatives, size_t n_neg,
                         size_t dim, const probe_params& params) {
    check_params(params);
    if (n_pos < 2 || n_neg < 2)
        throw error(error_kind::invalid_input, "a probe needs at least 2 positive and 2 negative examples (to cross-validate), got " +
                                                   std::to_string(n_pos) + " positive and " + std::to_string(n_neg) + " negative");
    if (dim == 0 || dim > (1u << 20)) throw error(error_kind::invalid_input, "vectors of " + std::to_string(dim) + " dimensions");
    check_matrix(positives, n_pos, dim, "the positive examples");
    check_matrix(negatives, n_neg, dim, "the negative examples");

    linear_probe probe;
    probe.regularization = params.l2;
    probe.positives = n_pos;
    probe.negatives = n_neg;
    probe.folds = static_cast<int>(std::min<size_t>({static_cast<size_t>(params.folds), n_pos, n_neg}));

    // Stratified folds: each class dealt round-robin in its fixed shuffled order.
    const auto k = static_cast<size_t>(probe.folds);
    const std::vector<size_t> pos_order = fixed_shuffle(n_pos, 1), neg_order = fixed_shuffle(n_neg, 2);
    size_t pos_hits = 0, neg_hits = 0;
    for (size_t fold = 0; fold < k; fold++) {
        std::vector<size_t> train_pos, train_neg, test_pos, test_neg;
        for (size_t j = 0; j < n_pos; j++) (j % k == fold ? test_pos : train_pos).push_back(pos_order[j]);
        for (size_t j = 0; j < n_neg; j++) (j % k == fold ? test_neg : train_neg).push_back(neg_order[j]);
        const std::vector<double> theta = fit(make_examples(positives, train_pos, negatives, train_neg, dim), params);
        for (size_t r : test_pos) pos_hits += probability(theta, positives.data() + r * dim, dim) >= probe.threshold;
        for (size_t r : test_neg) neg_hits += probability(theta, negatives.data() + r * dim, dim) < probe.threshold;
    }
    probe.cv_accuracy = 0.5 * (static_cast<double>(pos_hits) / static_cast<double>(n_pos) +
                               static_cast<double>(neg_hits) / static_cast<double>(n_neg));

    const std::vector<double> theta = fit(make_examples(positives, all_rows(n_pos), negatives, all_rows(n_neg), dim), params);
    probe.weights.resize(dim);
    for (size_t d = 0; d < dim; d++) probe.weights[d] = static_cast<float>(theta[d]);
    probe.bias = static_cast<float>(theta[dim]);
    return probe;
}

double probe_probability(const linear_probe& probe, std::span<const float> v) {
    if (v.size() != probe.weights.size())
        throw error(error_kind::invalid_input, "a vector of " + std::to_string(v.size()) + " dimensions for a probe of " +
                                                   std::to_string(probe.weights.size()));
    double z = probe.bias;
    for (size_t d = 0; d < v.size(); d++) z += static_cast<double>(probe.weights[d]) * v[d];
    return sigmoid(z);
}

}  // namespace sonavec
