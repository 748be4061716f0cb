// Branch-free float32 exp and GELU that the compiler vectorises. The towers spend millions of calls
// per window in exp (attention softmax) and erf (GELU); libm's scalar versions cost more than the
// matrix products around them. Each kernel is checked against libm in tests/test_fast_math.cpp.
#pragma once
#include <cstdint>

namespace sonavec {

// y[i] = exp(x[i]), relative error below 3e-7 for x in [-87, 88]; underflows to 0 below -87.3. y may be x.
void exp_fast(const float* x, float* y, int64_t n);

// Exact-erf GELU of elements [begin, end), in place, on this thread: 0.5 * x * (1 + erf(x / sqrt 2)),
// absolute error below 1e-6 * (1 + |x|).
void gelu_fast_range(float* x, int64_t begin, int64_t end);

// Sum of x[0, n) in 16 float lanes, which the compiler keeps in one vector register (a single float
// accumulator does not vectorise without -ffast-math).
float sum_fast(const float* x, int64_t n);

}  // namespace sonavec
