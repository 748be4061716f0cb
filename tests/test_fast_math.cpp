// The vectorised exp / GELU / softmax kernels against libm in double precision.
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
    gelu_fast_inplace(y.data(), static_cast<int64_t>(y.size()));
    double worst = 0;
    for (size_t i = 0; i < x.size(); i++) {
        const double v = x[i];
        const double ref = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
        worst = std::max(worst, std::fabs(y[i] - ref) / (1.0 + std::fabs(v)));
    }
    EXPECT_LT(worst, 1e-6);
    float big[] = {-1e30f, 1e30f, 0.0f};
    gelu_fast_inplace(big, 3);
    EXPECT_EQ(big[0], -0.0f);
    EXPECT_EQ(big[1], 1e30f);
    EXPECT_EQ(big[2], 0.0f);
}

TEST(fast_math, softmax_matches_reference) {
    const int rows = 7, cols = 65;
    std::vector<float> x(rows * cols);
    for (int i = 0; i < rows * cols; i++) x[i] = std::sin(0.37f * static_cast<float>(i)) * 12.0f - (i % 5 == 0 ? 100.0f : 0.0f);
    auto y = x;
    softmax_rows_fast(y.data(), rows, cols);
    for (int r = 0; r < rows; r++) {
        double mx = -1e300, sum = 0;
        for (int c = 0; c < cols; c++) mx = std::max(mx, static_cast<double>(x[r * cols + c]));
        for (int c = 0; c < cols; c++) sum += std::exp(x[r * cols + c] - mx);
        for (int c = 0; c < cols; c++) {
            const double ref = std::exp(x[r * cols + c] - mx) / sum;
            EXPECT_NEAR(y[r * cols + c], ref, 1e-7 + 1e-6 * ref);
        }
    }
}

TEST(fast_math, softmax_with_added_bias_and_mask_matches_adding_first) {
    const int rows = 5, cols = 64;
    std::vector<float> x(rows * cols), bias(rows * cols), mask(rows * cols);
    for (int i = 0; i < rows * cols; i++) {
        x[i] = std::sin(0.37f * static_cast<float>(i)) * 8.0f;
        bias[i] = std::cos(0.11f * static_cast<float>(i));
        mask[i] = i % 7 == 0 ? -100.0f : 0.0f;
    }
    for (const bool masked : {false, true}) {
        auto expected = x;
        for (int i = 0; i < rows * cols; i++) expected[i] += bias[i] + (masked ? mask[i] : 0.0f);
        softmax_rows_fast(expected.data(), rows, cols);
        auto y = x;
        softmax_rows_added(y.data(), rows, cols, bias.data(), masked ? mask.data() : nullptr);
        for (int i = 0; i < rows * cols; i++) EXPECT_NEAR(y[i], expected[i], 1e-7 + 1e-6 * expected[i]);
    }
}

TEST(fast_math, gelu_with_bias_matches_adding_first) {
    const int n = 100;
    std::vector<float> x(n), bias(n);
    for (int i = 0; i < n; i++) {
        x[i] = std::sin(0.29f * static_cast<float>(i)) * 6.0f;
        bias[i] = std::cos(0.13f * static_cast<float>(i)) * 2.0f;
    }
    auto expected = x;
    for (int i = 0; i < n; i++) expected[i] += bias[i];
    gelu_fast_range(expected.data(), 0, n);
    gelu_fast_biased(x.data(), bias.data(), n);
    for (int i = 0; i < n; i++) EXPECT_EQ(x[i], expected[i]);
}
