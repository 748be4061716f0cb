#include "nn/fast_math.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sonavec {

namespace {

// Cephes expf: 2^n * exp(r) with |r| <= ln2/2 and a degree-6 polynomial; n rounded with the 1.5*2^23
// trick so the whole body is straight-line code.
inline float exp_one(float x) {
    const float in = std::min(std::max(x, -87.3f), 88.3f);
    const float magic = 12582912.0f;
    const float t = in * 1.44269504088896341f + magic;
    const float n = t - magic;
    const int32_t ni = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(magic);
    const float r = (in - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const float scale = std::bit_cast<float>((ni + 127) << 23);
    return x < -87.3f ? 0.0f : p * scale;
}

}  // namespace

void exp_fast(const float* x, float* y, int64_t n) {
    // In place gets a loop of its own: the compiler's overlap check sends y == x to its scalar loop.
    if (x == y) {
        for (int64_t i = 0; i < n; i++) y[i] = exp_one(y[i]);
        return;
    }
    for (int64_t i = 0; i < n; i++) y[i] = exp_one(x[i]);
}

namespace {

// erfc(|z|) from Numerical Recipes' Chebyshev fit (relative error below 1.2e-7 for every z), so
// 1 + erf(z) is 2 - erfc(z) for z >= 0 and erfc(-z) for z < 0, with no cancellation in the tail.
inline float gelu_one(float v) {
    const float z = std::fabs(v) * 0.70710678118654752f;
    const float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    const float erfc_z = t * exp_one(p - z * z);
    const float one_plus_erf = v >= 0.0f ? 2.0f - erfc_z : erfc_z;
    return 0.5f * v * one_plus_erf;
}

}  // namespace

void gelu_fast_range(float* x, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) x[i] = gelu_one(x[i]);
}

float sum_fast(const float* x, int64_t n) {
    constexpr int64_t lanes = 16;
    const int64_t whole = n - n % lanes;
    float part[lanes] = {};
    for (int64_t i = 0; i < whole; i += lanes)
        for (int64_t j = 0; j < lanes; j++) part[j] += x[i + j];
    float sum = 0;
    for (int64_t i = whole; i < n; i++) sum += x[i];
    for (int64_t j = 0; j < lanes; j++) sum += part[j];
    return sum;
}

}  // namespace sonavec
