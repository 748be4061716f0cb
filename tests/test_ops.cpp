// Every kernel in src/nn/ops.h against a plain reference loop, on one thread and split over the pool,
// with a normalised error bound (ggml test-backend-ops style); and the pool's own guarantees.
#include <atomic>
#include <cmath>
#include <gtest/gtest.h>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "nn/ops.h"
#include "nn/thread_pool.h"
#include "test_data.h"

using namespace sonavec;

namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

// Normalised error: max |a - b| / (1 + max |b|).
double normalised_error(const std::vector<float>& a, const std::vector<float>& b) {
    return test::max_abs_diff(a.data(), b.data(), a.size()) / (1.0 + test::max_abs(b.data(), b.size()));
}

void reference_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                    const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t p = 0; p < k; p++) s += double(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
            c[i * ldc + j] = static_cast<float>(alpha * s + beta * c[i * ldc + j]);
        }
}

// Each kernel on a pool of GetParam() threads, the test thread's current pool.
class ops_threads : public ::testing::TestWithParam<int> {
protected:
    ops_threads() : pool_(GetParam()), scope_(&pool_) {}
    thread_pool pool_;
    pool_scope scope_;
};

}  // namespace

TEST_P(ops_threads, gemm_matches_reference_for_every_transpose_and_split) {
    // Tall (rows split), wide (columns split, like a short text query) and small (one thread) shapes.
    const int64_t shapes[][3] = {{300, 70, 90}, {12, 768, 256}, {5, 7, 3}};
    uint32_t seed = 1;
    for (auto& s : shapes)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                const int64_t m = s[0], n = s[1], k = s[2];
                auto a = random_values(size_t(m * k), seed++), b = random_values(size_t(k * n), seed++);
                auto c = random_values(size_t(m * n), seed++), expected = c;
                const int64_t lda = ta ? m : k, ldb = tb ? k : n;
                gemm(ta, tb, m, n, k, 0.5f, a.data(), lda, b.data(), ldb, 0.25f, c.data(), n);
                reference_gemm(ta, tb, m, n, k, 0.5f, a.data(), lda, b.data(), ldb, 0.25f, expected.data(), n);
                EXPECT_LE(normalised_error(c, expected), 1e-5) << m << "x" << n << "x" << k << " ta " << ta << " tb " << tb;
            }
}

TEST_P(ops_threads, linear_layer_norm_softmax_match_reference) {
    const int64_t rows = 257, in = 64, out = 48;
    auto x = random_values(size_t(rows * in), 11), w = random_values(size_t(out * in), 12), bias = random_values(size_t(out), 13);
    std::vector<float> y(size_t(rows * out)), expected(size_t(rows * out));
    linear(x.data(), rows, in, w.data(), bias.data(), out, y.data());
    for (int64_t r = 0; r < rows; r++)
        for (int64_t o = 0; o < out; o++) {
            double s = bias[o];
            for (int64_t i = 0; i < in; i++) s += double(x[r * in + i]) * w[o * in + i];
            expected[r * out + o] = static_cast<float>(s);
        }
    EXPECT_LE(normalised_error(y, expected), 1e-5);

    auto gamma = random_values(size_t(in), 14), beta = random_values(size_t(in), 15);
    std::vector<float> normed(x.size()), ln_expected(x.size());
    layer_norm(x.data(), rows, in, gamma.data(), beta.data(), 1e-5f, normed.data());
    for (int64_t r = 0; r < rows; r++) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < in; i++) mean += x[r * in + i];
        mean /= in;
        for (int64_t i = 0; i < in; i++) var += (x[r * in + i] - mean) * (x[r * in + i] - mean);
        var /= in;
        for (int64_t i = 0; i < in; i++)
            ln_expected[r * in + i] = static_cast<float>((x[r * in + i] - mean) / std::sqrt(var + 1e-5) * gamma[i] + beta[i]);
    }
    EXPECT_LE(normalised_error(normed, ln_expected), 1e-5);

    auto sm = x, sm_expected = x;
    softmax_rows(sm.data(), rows, in);
    for (int64_t r = 0; r < rows; r++) {
        double mx = -1e30, sum = 0;
        for (int64_t i = 0; i < in; i++) mx = std::max(mx, double(x[r * in + i]));
        for (int64_t i = 0; i < in; i++) sum += std::exp(x[r * in + i] - mx);
        for (int64_t i = 0; i < in; i++) sm_expected[r * in + i] = static_cast<float>(std::exp(x[r * in + i] - mx) / sum);
    }
    EXPECT_LE(normalised_error(sm, sm_expected), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(threads, ops_threads, ::testing::Values(1, 2, 3));

TEST(ops, l2_normalize_gives_unit_norm_and_keeps_zero_vectors_finite) {
    std::vector<float> v = {3.0f, 4.0f};
    EXPECT_FLOAT_EQ(l2_normalize(v.data(), 2), 5.0f);
    EXPECT_FLOAT_EQ(v[0], 0.6f);
    EXPECT_FLOAT_EQ(v[1], 0.8f);
    std::vector<float> zero(4, 0.0f);
    l2_normalize(zero.data(), 4);
    for (float z : zero) EXPECT_EQ(z, 0.0f);
}

TEST(thread_pool, covers_the_range_exactly_once_and_nests_inline) {
    thread_pool pool(3);
    std::vector<std::atomic<int>> hits(1000);
    std::atomic<int> inner_calls{0};
    pool.parallel_for(1000, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) hits[size_t(i)]++;
        pool.parallel_for(10, 1, [&](int64_t ib, int64_t ie) { inner_calls += int(ie - ib); });
    });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
    EXPECT_EQ(inner_calls.load(), 10 * 3);  // three chunks, each ran the nested loop over all 10 inline
}

TEST(thread_pool, rethrows_a_chunk_error_and_stays_usable) {
    thread_pool pool(2);
    EXPECT_THROW(pool.parallel_for(100, 1, [](int64_t b, int64_t) { if (b > 0) throw std::runtime_error("x"); }),
                 std::runtime_error);
    std::atomic<int64_t> sum{0};
    pool.parallel_for(100, 1, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; i++) sum += i; });
    EXPECT_EQ(sum.load(), 4950);
}

TEST(thread_pool, concurrent_callers_all_complete) {
    thread_pool pool(2);
    std::atomic<int64_t> total{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; t++)
        callers.emplace_back([&] {
            for (int rep = 0; rep < 50; rep++)
                pool.parallel_for(64, 1, [&](int64_t b, int64_t e) { total += e - b; });
        });
    for (auto& c : callers) c.join();
    EXPECT_EQ(total.load(), 4 * 50 * 64);
}

TEST(pool_scope, sets_the_calling_threads_pool_and_puts_the_previous_one_back) {
    thread_pool two(2), three(3);
    EXPECT_EQ(current_pool(), nullptr);
    EXPECT_EQ(current_threads(), 1);
    {
        const pool_scope outer(&two);
        EXPECT_EQ(current_pool(), &two);
        {
            const pool_scope inner(&three);
            EXPECT_EQ(current_threads(), 3);
            // Another thread keeps its own: none.
            std::thread([] { EXPECT_EQ(current_pool(), nullptr); }).join();
        }
        EXPECT_EQ(current_pool(), &two);
    }
    EXPECT_EQ(current_pool(), nullptr);
}

TEST(pool_scope, parallel_for_runs_on_the_current_pool_or_on_the_calling_thread) {
    thread_pool pool(2);
    const auto threads_used = [] {
        std::mutex m;
        std::set<std::thread::id> seen;
        std::atomic<int64_t> covered{0};
        parallel_for(1 << 16, 1, [&](int64_t b, int64_t e) {
            covered += e - b;
            // A chunk's nested loop runs inline, and the pool's own thread sees its pool.
            EXPECT_EQ(current_threads(), 2);
            std::lock_guard lock(m);
            seen.insert(std::this_thread::get_id());
        });
        EXPECT_EQ(covered.load(), 1 << 16);
        return seen;
    };
    const auto caller = std::this_thread::get_id();
    {
        const pool_scope scope(&pool);
        const auto seen = threads_used();
        EXPECT_EQ(seen.size(), 2u);
        EXPECT_EQ(seen.count(caller), 1u);
    }
    std::atomic<int64_t> covered{0};
    parallel_for(100, 1, [&](int64_t b, int64_t e) {
        EXPECT_EQ(std::this_thread::get_id(), caller);
        EXPECT_EQ(b, 0);
        covered += e - b;
    });
    EXPECT_EQ(covered.load(), 100);
}

TEST(serial_scope, wins_over_pool_scopes_inside_it_unless_one_overrides_it) {
    thread_pool pool(2);
    const pool_scope outer(&pool);
    {
        const serial_scope serial;
        EXPECT_EQ(current_pool(), nullptr);
        {
            const pool_scope engine_call(&pool);
            EXPECT_EQ(current_pool(), nullptr);
        }
        {
            const pool_scope loading(&pool, pool_scope::inside_serial::use_pool);
            EXPECT_EQ(current_pool(), &pool);
        }
        EXPECT_EQ(current_pool(), nullptr);
    }
    EXPECT_EQ(current_pool(), &pool);
}
