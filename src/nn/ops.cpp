#include "nn/ops.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <mutex>

#include "nn/fast_math.h"
#include "nn/onednn_matmul.h"
#include "nn/thread_pool.h"

namespace sonavec {

namespace {

// Below this many multiply-adds a product runs on one thread: splitting costs more than it saves.
constexpr int64_t parallel_gemm_min_work = 1 << 18;

// Products of activations by nn.Linear weights (A plain, B transposed) go to oneDNN: its brgemm
// kernels use AVX-512 where this OpenBLAS build runs its AVX2 kernel, about twice the speed at the
// towers' shapes on this CPU (120-140 vs 55-65 GFLOP/s per core). Everything else stays on BLAS.
void transposed_b_matmul(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                         const float* bias, bool accumulate, float* c, int64_t ldc) {
    matmul_shape shape{m, n, k, lda, ldb, ldc};
    shape.accumulate = accumulate;
    shape.bias = bias != nullptr;
    onednn_matmul(shape, a, b, bias, c);
}

}  // namespace

void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    if (!trans_a && trans_b && alpha == 1.0f && (beta == 0.0f || beta == 1.0f) && m > 0 && n > 0 && k > 0) {
        transposed_b_matmul(m, n, k, a, lda, b, ldb, nullptr, beta == 1.0f, c, ldc);
        return;
    }
    single_threaded_blas();
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
                static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

void single_threaded_blas() {
    static std::once_flag set;
    std::call_once(set, [] { openblas_set_num_threads(1); });
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    thread_pool* pool = current_pool();
    if (!pool || pool->size() == 1 || m * n * k < parallel_gemm_min_work) {
        gemm_serial(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (m >= n) {
        // Split the rows of C: row i of op(A) starts at a + i*lda, or at a + i when A is transposed.
        parallel_for(m, 16, [&](int64_t r0, int64_t r1) {
            const float* a0 = trans_a ? a + r0 : a + r0 * lda;
            gemm_serial(trans_a, trans_b, r1 - r0, n, k, alpha, a0, lda, b, ldb, beta, c + r0 * ldc, ldc);
        });
    } else {
        // Few rows (a short text query): split the columns of C, so each thread reads its own share of B.
        parallel_for(n, 16, [&](int64_t c0, int64_t c1) {
            const float* b0 = trans_b ? b + c0 * ldb : b + c0;
            gemm_serial(trans_a, trans_b, m, c1 - c0, k, alpha, a, lda, b0, ldb, beta, c + c0, ldc);
        });
    }
}

void linear(const float* x, int64_t rows, int64_t in, const float* w, const float* bias, int64_t out, float* y) {
    // oneDNN adds the bias in its output pass, so y is written once and never read.
    const auto part = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
        transposed_b_matmul(r1 - r0, c1 - c0, in, x + r0 * in, in, w + c0 * in, in, bias ? bias + c0 : nullptr, false,
                            y + r0 * out + c0, out);
    };
    thread_pool* pool = current_pool();
    if (rows <= 0 || out <= 0) return;
    if (!pool || pool->size() == 1 || rows * out * in < parallel_gemm_min_work) part(0, rows, 0, out);
    else if (rows >= out) parallel_for(rows, 16, [&](int64_t r0, int64_t r1) { part(r0, r1, 0, out); });
    else parallel_for(out, 16, [&](int64_t c0, int64_t c1) { part(0, rows, c0, c1); });
}

void layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta, float eps,
                float* y) {
    parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dim)), [&](int64_t r0, int64_t r1) {
        layer_norm_rows(x, r0, r1, dim, gamma, beta, eps, y);
    });
}

void layer_norm_rows(const float* x, int64_t first_row, int64_t end_row, int64_t dim, const float* gamma,
                     const float* beta, float eps, float* y) {
    // Float sums in vector lanes (sum_fast); two passes keep the variance free of cancellation.
    constexpr int64_t lanes = 16;
    const int64_t whole = dim - dim % lanes;
    for (int64_t r = first_row; r < end_row; r++) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        const float mean = sum_fast(xr, dim) / static_cast<float>(dim);
        float sq[lanes] = {};
        for (int64_t i = 0; i < whole; i += lanes)
            for (int64_t j = 0; j < lanes; j++) sq[j] += (xr[i + j] - mean) * (xr[i + j] - mean);
        float var = 0;
        for (int64_t i = whole; i < dim; i++) var += (xr[i] - mean) * (xr[i] - mean);
        for (int64_t j = 0; j < lanes; j++) var += sq[j];
        const float inv = 1.0f / std::sqrt(var / static_cast<float>(dim) + eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
    }
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
