// Branch-free float32 exp, GELU and softmax that the compiler vectorises. The towers spend millions
// of calls per window in exp (attention softmax) and erf (GELU); libm's scalar versions cost more
// than the matrix products around them. Each kernel is checked against libm in tests/test_fast_math.cpp.
#pragma once
#include <cstdint>

namespace sonavec {

// y[i] = exp(x[i]), relative error below 3e-7 for x in [-87, 88]; underflows to 0 below -87.3. y may be x.
void exp_fast(const float* x, float* y, int64_t n);

// Exact-erf GELU, 0.5 * x * (1 + erf(x / sqrt 2)), absolute error below 1e-6 * (1 + |x|).
// Split over the compute pool for long inputs.
void gelu_fast_inplace(float* x, int64_t n);
void gelu_fast_range(float* x, int64_t begin, int64_t end);  // elements [begin, end), on this thread
void gelu_fast_biased(float* x, const float* bias, int64_t n);  // x[i] = gelu(x[i] + bias[i]), one pass

// Sum of x[0, n) in 16 float lanes, which the compiler keeps in one vector register (a single float
// accumulator does not vectorise without -ffast-math).
float sum_fast(const float* x, int64_t n);

// Numerically stable softmax of each row of x[rows, cols], in place, using exp_fast.
void softmax_rows_fast(float* x, int64_t rows, int64_t cols);

// softmax(x + bias + mask) by rows in one pass per row (attention scores: the add stays in registers).
// bias and mask are [rows, cols]; mask may be null.
void softmax_rows_added(float* x, int64_t rows, int64_t cols, const float* bias, const float* mask);

}  // namespace sonavec
