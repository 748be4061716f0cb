// Numeric kernels shared by the model towers. Row-major float32 throughout; products with an nn.Linear
// weight (A plain, B transposed, alpha 1, beta 0 or 1) go through oneDNN, the rest through BLAS.
// Each kernel has a plain reference twin in tests/test_ops.cpp.
#pragma once
#include <cstdint>

namespace sonavec {

// Kernels split their work over the calling thread's current pool (src/nn/thread_pool.h); without one
// they run on the calling thread.

// BLAS runs single-threaded from the first call on (once per process): the pools split the work, so no
// second set of threads spins. Called before each BLAS product.
void single_threaded_blas();

// C[M,N] = alpha * op(A) * op(B) + beta * C, with op = transpose when the flag is set.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// The same on the calling thread only, for callers that already split the work over the pool.
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// y[rows,out] = x[rows,in] * w[out,in]^T + bias[out]   (PyTorch nn.Linear layout; bias may be null)
void linear(const float* x, int64_t rows, int64_t in, const float* w, const float* bias, int64_t out, float* y);

// Normalises each row of x[rows,dim] over dim, then scales by gamma and shifts by beta. y may equal x.
void layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta, float eps,
                float* y);

// The same for rows [first_row, end_row) only, on the calling thread (for callers that split work).
void layer_norm_rows(const float* x, int64_t first_row, int64_t end_row, int64_t dim, const float* gamma,
                     const float* beta, float eps, float* y);

void relu_inplace(float* x, int64_t n);
void tanh_inplace(float* x, int64_t n);
void softmax_rows(float* x, int64_t rows, int64_t cols);  // numerically stable, in place
void add_inplace(float* x, const float* y, int64_t n);    // x += y
float l2_normalize(float* x, int64_t n);                  // returns the norm before scaling; F.normalize eps 1e-12

}  // namespace sonavec
