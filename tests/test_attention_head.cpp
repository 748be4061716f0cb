// The fused attention head against softmax(scale * q k^T + bias + mask) v computed in double, for the
// Swin shape (64 tokens, head size 24: the blocked path), for sizes that take the other paths (no whole
// tile of 16, d not a multiple of 4), with and without a mask, on strided views of a q|k|v buffer.
#include <cmath>
#include <random>
#include <vector>
#include <gtest/gtest.h>

#include "nn/attention_head.h"

using namespace sonavec;

namespace {

struct head_case {
    int64_t n, d;
    bool mask;
};

void check(const head_case& hc) {
    const int64_t n = hc.n, d = hc.d, heads = 3, c = heads * d, ld = 3 * c, ldo = c + 5;
    std::mt19937 rng(static_cast<uint32_t>(n * 100 + d));
    std::normal_distribution<float> normal;
    std::vector<float> qkv(static_cast<size_t>(n * ld)), bias_t(static_cast<size_t>(n * n)), mask_t(static_cast<size_t>(n * n));
    for (auto& x : qkv) x = normal(rng);
    for (auto& x : bias_t) x = 0.5f * normal(rng);
    // A Swin-like mask: -100 between tokens of different regions.
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < n; i++) mask_t[j * n + i] = (i % 3 == j % 3) ? 0.0f : -100.0f;
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    const int64_t h = 1;  // the middle head: its views start inside the rows
    std::vector<float> out(static_cast<size_t>(n * ldo), 7.0f);
    const float* q = qkv.data() + h * d;
    attention_head(q, q + c, q + 2 * c, ld, n, d, scale, bias_t.data(), hc.mask ? mask_t.data() : nullptr,
                   out.data() + h * d, ldo);

    for (int64_t i = 0; i < n; i++) {
        std::vector<double> p(static_cast<size_t>(n));
        double mx = -1e300, sum = 0;
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t k = 0; k < d; k++) s += static_cast<double>(q[i * ld + k]) * q[j * ld + c + k];
            s = s * scale + bias_t[j * n + i] + (hc.mask ? mask_t[j * n + i] : 0.0f);
            p[j] = s;
            mx = std::max(mx, s);
        }
        for (auto& x : p) sum += (x = std::exp(x - mx));
        for (int64_t k = 0; k < d; k++) {
            double ref = 0;
            for (int64_t j = 0; j < n; j++) ref += p[j] / sum * q[j * ld + 2 * c + k];
            ASSERT_NEAR(out[i * ldo + h * d + k], ref, 2e-5 * (1 + std::fabs(ref)))
                << "n " << n << " d " << d << " mask " << hc.mask << " at " << i << "," << k;
        }
        // Only this head's columns are written.
        for (int64_t k = 0; k < ldo; k++) {
            if (k < h * d || k >= (h + 1) * d) {
                ASSERT_EQ(out[i * ldo + k], 7.0f);
            }
        }
    }
}

}  // namespace

TEST(attention_head, swin_window_matches_double_reference) {
    check({64, 24, false});
    check({64, 24, true});
}

TEST(attention_head, other_sizes_match_double_reference) {
    for (head_case hc : {head_case{16, 8, true}, head_case{64, 6, true}, head_case{49, 32, true},
                         head_case{12, 64, false}, head_case{1, 5, false}, head_case{80, 3, true}})
        check(hc);
}
