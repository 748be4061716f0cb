#include "nn/ops.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>

namespace sonavec {

namespace {
int g_threads = 1;
}

void set_compute_threads(int n) {
    g_threads = std::max(1, n);
    openblas_set_num_threads(g_threads);
}

int compute_threads() { return g_threads; }

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
                static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

void linear(const float* x, int64_t rows, int64_t in, const float* w, const float* bias, int64_t out, float* y) {
    if (bias) {
        for (int64_t r = 0; r < rows; r++) std::copy(bias, bias + out, y + r * out);
    }
    gemm(false, true, rows, out, in, 1.0f, x, in, w, in, bias ? 1.0f : 0.0f, y, out);
}

void layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta, float eps,
                float* y) {
    for (int64_t r = 0; r < rows; r++) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        double mean = 0;
        for (int64_t i = 0; i < dim; i++) mean += xr[i];
        mean /= static_cast<double>(dim);
        double var = 0;
        for (int64_t i = 0; i < dim; i++) {
            double d = xr[i] - mean;
            var += d * d;
        }
        var /= static_cast<double>(dim);
        const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
        const float m = static_cast<float>(mean);
        for (int64_t i = 0; i < dim; i++) yr[i] = (xr[i] - m) * inv * gamma[i] + beta[i];
    }
}

void gelu_inplace(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678118654752f));
}

void relu_inplace(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = std::max(x[i], 0.0f);
}

void tanh_inplace(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = std::tanh(x[i]);
}

void softmax_rows(float* x, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        float* xr = x + r * cols;
        float mx = xr[0];
        for (int64_t i = 1; i < cols; i++) mx = std::max(mx, xr[i]);
        float sum = 0;
        for (int64_t i = 0; i < cols; i++) {
            xr[i] = std::exp(xr[i] - mx);
            sum += xr[i];
        }
        const float inv = 1.0f / sum;
        for (int64_t i = 0; i < cols; i++) xr[i] *= inv;
    }
}

void add_inplace(float* x, const float* y, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] += y[i];
}

float l2_normalize(float* x, int64_t n) {
    double ss = 0;
    for (int64_t i = 0; i < n; i++) ss += static_cast<double>(x[i]) * x[i];
    const float norm = static_cast<float>(std::sqrt(ss));
    const float inv = 1.0f / std::max(norm, 1e-12f);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
    return norm;
}

}  // namespace sonavec
