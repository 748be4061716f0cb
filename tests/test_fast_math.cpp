// The vectorised exp and GELU kernels against libm in double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/fast_math.h"

using namespace sonavec;

namespace {

std::vector<float> sweep(float lo, float hi, int n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * static_cast<float>(i) / static_cast<float>(n - 1);
    return x;
}

}  // namespace

TEST(fast_math, exp_matches_libm) {
    auto x = sweep(-87.0f, 88.0f, 200001);
    std::vector<float> y(x.size());
    exp_fast(x.data(), y.data(), static_cast<int64_t>(x.size()));
    double worst = 0;
    for (size_t i = 0; i < x.size(); i++) {
        const double ref = std::exp(static_cast<double>(x[i]));
        worst = std::max(worst, std::fabs(y[i] - ref) / ref);
    }
    EXPECT_LT(worst, 3e-7);
    const float extremes[] = {-1000.0f, -100.0f, -87.5f, 0.0f, -0.0f};
    float out[5];
    exp_fast(extremes, out, 5);
    EXPECT_EQ(out[0], 0.0f);
    EXPECT_EQ(out[1], 0.0f);
    EXPECT_EQ(out[2], 0.0f);
    EXPECT_EQ(out[3], 1.0f);
    EXPECT_EQ(out[4], 1.0f);
    // In place (its own loop) gives the same values.
    std::vector<float> same = x;
    exp_fast(same.data(), same.data(), static_cast<int64_t>(same.size()));
    EXPECT_EQ(same, y);
}

TEST(fast_math, gelu_matches_exact_erf_gelu) {
    auto x = sweep(-20.0f, 20.0f, 400001);
    auto y = x;
    gelu_fast_range(y.data(), 0, static_cast<int64_t>(y.size()));
    double worst = 0;
    for (size_t i = 0; i < x.size(); i++) {
        const double v = x[i];
        const double ref = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
        worst = std::max(worst, std::fabs(y[i] - ref) / (1.0 + std::fabs(v)));
    }
    EXPECT_LT(worst, 1e-6);
    float big[] = {-1e30f, 1e30f, 0.0f};
    gelu_fast_range(big, 0, 3);
    EXPECT_EQ(big[0], -0.0f);
    EXPECT_EQ(big[1], 1e30f);
    EXPECT_EQ(big[2], 0.0f);
}
