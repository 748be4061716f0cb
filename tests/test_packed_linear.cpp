// packed_linear against y = x W^T + b computed here in double: fp32 tightly, bf16 and int8 within bounds
// derived from their rounding steps; the pool's row and column splits against the serial product bit
// for bit; packing from a weight_store, whose file must come out of release_pages unchanged.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "hub_server.h"  // test::temp_dir
#include "nn/onednn_matmul.h"
#include "nn/packed_linear.h"
#include "nn/thread_pool.h"
#include "nn/safetensors_writer.h"
#include "nn/tensor_file.h"
#include "nn/weights.h"
#include "util/mapped_file.h"

using namespace sonavec;

namespace {

// The precisions this CPU runs (an AVX2-only CPU has fp32 alone: test_reduced_precision checks the error).
const std::vector<precision> all_precisions = [] {
    std::vector<precision> v;
    for (precision p : {precision::fp32, precision::bf16, precision::int8})
        if (precision_available(p)) v.push_back(p);
    return v;
}();

std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& f : v) f = dist(rng);
    return v;
}

// One nn.Linear layer with random weights and bias.
struct layer {
    int64_t in, out;
    std::vector<float> w, b;
    layer(int64_t in_, int64_t out_, uint32_t seed)
        : in(in_), out(out_), w(random_floats(in_ * out_, seed, 0.1f)), b(random_floats(out_, seed + 1)) {}
    packed_linear pack(precision p, bool with_bias = true) const {
        return packed_linear({{w.data(), with_bias ? b.data() : nullptr, out}}, in, p);
    }
};

// The product in double, with sum_k |x_k| |w_k| per element (the scale of the rounding errors) and the
// int8 quantization error bound: with steps sw = max|w row| / 127 and sx = max|x row| / 127 (a
// quantization over the row's own range, (max - min) / 255, is never coarser), every quantized element
// is off by at most half a step, so |error| <= sum_k |x_k| sw/2 + |w_k| sx/2 + sx sw/4.
struct reference {
    std::vector<double> y, magnitude, int8_bound;
};

reference reference_product(const float* x, int64_t rows, const float* w, const float* bias, int64_t in,
                            int64_t out) {
    reference r;
    const size_t n = static_cast<size_t>(rows * out);
    r.y.resize(n);
    r.magnitude.resize(n);
    r.int8_bound.resize(n);
    std::vector<double> sw(static_cast<size_t>(out));
    for (int64_t j = 0; j < out; j++) {
        double m = 0;
        for (int64_t k = 0; k < in; k++) m = std::max(m, std::fabs(double{w[j * in + k]}));
        sw[static_cast<size_t>(j)] = m / 127;
    }
    for (int64_t i = 0; i < rows; i++) {
        const float* xi = x + i * in;
        double mx = 0;
        for (int64_t k = 0; k < in; k++) mx = std::max(mx, std::fabs(double{xi[k]}));
        const double sx = mx / 127;
        for (int64_t j = 0; j < out; j++) {
            const float* wj = w + j * in;
            const double s = sw[static_cast<size_t>(j)];
            double sum = bias ? bias[j] : 0.0, mag = 0, q = 0;
            for (int64_t k = 0; k < in; k++) {
                sum += double{xi[k]} * wj[k];
                mag += std::fabs(double{xi[k]} * wj[k]);
                q += std::fabs(double{xi[k]}) * s / 2 + std::fabs(double{wj[k]}) * sx / 2 + sx * s / 4;
            }
            const size_t e = static_cast<size_t>(i * out + j);
            r.y[e] = sum;
            r.magnitude[e] = mag;
            // Plus float32 slack: the int32 sums pass through float (exact below 2^24) and are scaled in float.
            r.int8_bound[e] = q + 4 * sx * s + 1e-5 * mag + 1e-6;
        }
    }
    return r;
}

// Largest error bound each precision is allowed, per element.
double allowed_error(precision p, const reference& r, size_t e, int64_t in) {
    const double fp32_sum = (1e-6 + static_cast<double>(in) * 0x1p-24) * r.magnitude[e];
    switch (p) {
        case precision::fp32: return fp32_sum + 1e-6 * std::fabs(r.y[e]) + 1e-6;
        // x and w each rounded to 8 significant bits (relative error <= 2^-8), summed in float32.
        case precision::bf16: return 2 * 0x1p-8 * r.magnitude[e] + fp32_sum + 1e-6 * std::fabs(r.y[e]) + 1e-6;
        case precision::int8: return r.int8_bound[e];
    }
    return 0;
}

// Checks y (rows ldy apart) against the reference; returns the largest |error|.
double expect_within_bound(precision p, const std::vector<float>& y, int64_t ldy, const reference& r, int64_t rows,
                           int64_t in, int64_t out, const std::string& what) {
    double worst = 0;
    int failures = 0;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < out; j++) {
            const size_t e = static_cast<size_t>(i * out + j);
            const double err = std::fabs(y[static_cast<size_t>(i * ldy + j)] - r.y[e]);
            worst = std::max(worst, err);
            if (err > allowed_error(p, r, e, in) && failures++ < 5)
                ADD_FAILURE() << what << " " << precision_name(p) << " [" << i << "," << j << "]: got "
                              << y[static_cast<size_t>(i * ldy + j)] << ", reference " << r.y[e] << ", bound "
                              << allowed_error(p, r, e, in);
        }
    EXPECT_EQ(failures, 0) << what << " " << precision_name(p) << ": elements out of bound";
    return worst;
}

// Packs the layer, multiplies rows random rows with apply() and checks each precision's bound.
void check_shape(int64_t in, int64_t out, int64_t rows, uint32_t seed) {
    const layer l(in, out, seed);
    const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), seed + 2);
    const reference r = reference_product(x.data(), rows, l.w.data(), l.b.data(), in, out);
    const std::string what = std::to_string(rows) + "x" + std::to_string(in) + " -> " + std::to_string(out);
    std::vector<float> fp32;
    for (precision p : all_precisions) {
        const packed_linear pl = l.pack(p);
        ASSERT_EQ(pl.in(), in);
        ASSERT_EQ(pl.out(), out);
        std::vector<float> y(static_cast<size_t>(rows * out));
        pl.apply(x.data(), rows, y.data(), out);
        expect_within_bound(p, y, out, r, rows, in, out, what);
        // The reduced formats must really reach the product: they cannot give float32's result.
        if (p == precision::fp32) fp32 = y;
        else EXPECT_NE(y, fp32) << what << " " << precision_name(p) << " gives the float32 result";
    }
}

// Layers packed and applied on a pool of two threads, the test thread's current pool.
class packed_linear_test : public ::testing::Test {
protected:
    packed_linear_test() : pool_(2), scope_(&pool_) {}
    thread_pool pool_;
    pool_scope scope_;
};

TEST_F(packed_linear_test, many_rows_split_by_rows) { check_shape(96, 288, 4096, 1); }

TEST_F(packed_linear_test, few_rows_split_by_columns) {
    // The column split needs a layout cut into whole column blocks, at least one per thread.
    size_t block_bytes = 0;
    const int64_t block = packed_matmul_column_block(matmul_type::f32, 2304, 768, block_bytes);
    // Without AVX-512 oneDNN's fp32 layout is plain (not blocked): products split by rows alone.
    if (block == 0 && !precision_available(precision::bf16)) GTEST_SKIP() << "no blocked fp32 layout on this CPU";
    ASSERT_GT(block, 0);
    ASSERT_GE(2304 / block, 2);
    check_shape(768, 2304, 12, 2);
}

TEST_F(packed_linear_test, odd_widths) {
    check_shape(70, 200, 33, 3);  // out neither a multiple of 16 nor of 64
    check_shape(70, 200, 1, 4);
    check_shape(5, 3, 7, 5);
    check_shape(768, 2304, 1, 6);  // one text query
}

TEST_F(packed_linear_test, int8_zero_row_and_outlier) {
    const int64_t in = 64, out = 48, rows = 4;
    const layer l(in, out, 10);
    std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 11);
    std::fill(x.begin() + in, x.begin() + 2 * in, 0.0f);  // row 1: all zero
    x[2 * in + 17] = 1e4f;                                // row 2: one outlier crushes the others' steps
    const reference r = reference_product(x.data(), rows, l.w.data(), l.b.data(), in, out);
    for (precision p : all_precisions) {
        std::vector<float> y(static_cast<size_t>(rows * out));
        l.pack(p).apply(x.data(), rows, y.data(), out);
        expect_within_bound(p, y, out, r, rows, in, out, "zero row and outlier");
        // A zero row gives exactly the bias: no offset or scale leaks into it.
        for (int64_t j = 0; j < out; j++) EXPECT_EQ(y[static_cast<size_t>(out + j)], l.b[static_cast<size_t>(j)]);
    }
}

TEST_F(packed_linear_test, accumulate_adds_to_old_output) {
    for (auto [rows, in, out] : {std::tuple<int64_t, int64_t, int64_t>{12, 768, 2304}, {300, 96, 288}, {3, 70, 200}})
        for (precision p : all_precisions) {
            const layer l(in, out, 20);
            const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 21);
            const std::vector<float> old = random_floats(static_cast<size_t>(rows * out), 22, 10.0f);
            const packed_linear pl = l.pack(p);
            std::vector<float> fresh(old.size()), acc = old, acc_serial = old;
            pl.apply(x.data(), rows, fresh.data(), out);
            pl.apply(x.data(), rows, acc.data(), out, true);
            pl.apply_serial(x.data(), rows, acc_serial.data(), out, true);
            for (size_t e = 0; e < old.size(); e++) {
                // One float32 addition apart at most.
                const double tol = 1e-6 * (std::fabs(old[e]) + std::fabs(fresh[e])) + 1e-7;
                ASSERT_NEAR(acc[e], double{old[e]} + fresh[e], tol) << precision_name(p) << " rows " << rows << " at " << e;
                ASSERT_NEAR(acc_serial[e], double{old[e]} + fresh[e], tol) << precision_name(p) << " rows " << rows;
            }
        }
}

TEST_F(packed_linear_test, null_bias) {
    const int64_t in = 70, out = 200, rows = 9;
    const layer l(in, out, 30);
    const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 31);
    const reference r = reference_product(x.data(), rows, l.w.data(), nullptr, in, out);
    for (precision p : all_precisions) {
        std::vector<float> y(static_cast<size_t>(rows * out));
        l.pack(p, false).apply(x.data(), rows, y.data(), out);
        expect_within_bound(p, y, out, r, rows, in, out, "no bias");
    }
}

TEST_F(packed_linear_test, parts_concatenate_like_one_matrix) {
    // query | key | value as three parts (the middle one without bias) == one [3*out, in] matrix.
    const int64_t in = 96, out = 96;
    const layer q(in, out, 40), k(in, out, 41), v(in, out, 42);
    std::vector<float> w, b;
    for (const layer* l : {&q, &k, &v}) {
        w.insert(w.end(), l->w.begin(), l->w.end());
        if (l == &k) b.insert(b.end(), static_cast<size_t>(out), 0.0f);
        else b.insert(b.end(), l->b.begin(), l->b.end());
    }
    for (int64_t rows : {5, 12, 700})
        for (precision p : all_precisions) {
            const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 43);
            const packed_linear parts({{q.w.data(), q.b.data(), out}, {k.w.data(), nullptr, out}, {v.w.data(), v.b.data(), out}},
                                      in, p);
            const packed_linear whole({{w.data(), b.data(), 3 * out}}, in, p);
            ASSERT_EQ(parts.out(), 3 * out);
            std::vector<float> y1(static_cast<size_t>(rows * 3 * out)), y2(y1.size());
            parts.apply(x.data(), rows, y1.data(), 3 * out);
            whole.apply(x.data(), rows, y2.data(), 3 * out);
            EXPECT_EQ(y1, y2) << precision_name(p) << " rows " << rows;
            const reference r = reference_product(x.data(), rows, w.data(), b.data(), in, 3 * out);
            expect_within_bound(p, y1, 3 * out, r, rows, in, 3 * out, "parts");
        }
}

TEST_F(packed_linear_test, wider_output_rows_keep_other_columns) {
    // ldy > out: a column slice of a wider output; the columns outside it keep their sentinel.
    constexpr float sentinel = -12345.5f;
    for (auto [rows, in, out] : {std::tuple<int64_t, int64_t, int64_t>{12, 768, 2304}, {600, 96, 288}, {3, 70, 200}})
        for (precision p : all_precisions)
            for (bool accumulate : {false, true}) {
                const int64_t ldy = out + 37;
                const layer l(in, out, 50);
                const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 51);
                const packed_linear pl = l.pack(p);
                std::vector<float> dense(static_cast<size_t>(rows * out), accumulate ? 1.0f : 0.0f);
                pl.apply(x.data(), rows, dense.data(), out, accumulate);
                std::vector<float> wide(static_cast<size_t>(rows * ldy), sentinel);
                for (int64_t i = 0; i < rows; i++)
                    std::fill_n(wide.begin() + i * ldy, out, accumulate ? 1.0f : 0.0f);
                pl.apply(x.data(), rows, wide.data(), ldy, accumulate);
                for (int64_t i = 0; i < rows; i++) {
                    for (int64_t j = 0; j < out; j++)
                        ASSERT_NEAR(wide[static_cast<size_t>(i * ldy + j)], dense[static_cast<size_t>(i * out + j)],
                                    1e-6 * (1 + std::fabs(dense[static_cast<size_t>(i * out + j)])))
                            << precision_name(p) << " rows " << rows << " [" << i << "," << j << "]";
                    for (int64_t j = out; j < ldy; j++)
                        ASSERT_EQ(wide[static_cast<size_t>(i * ldy + j)], sentinel)
                            << precision_name(p) << " rows " << rows << " wrote column " << j;
                }
            }
}

// apply over the pool must give the serial product bit for bit, and so must a layer packed for one thread.
void check_pool_matches_serial(int64_t in, int64_t out, int64_t rows, bool accumulate) {
    const layer l(in, out, 60);
    const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 61);
    const std::vector<float> old = random_floats(static_cast<size_t>(rows * out), 62);
    ASSERT_EQ(current_threads(), 2);
    for (precision p : all_precisions) {
        std::vector<float> y1 = old;
        {
            const serial_scope one_thread;
            const packed_linear one = l.pack(p);
            one.apply(x.data(), rows, y1.data(), out, accumulate);
        }
        const packed_linear two = l.pack(p);
        std::vector<float> y2 = old, serial = old;
        two.apply(x.data(), rows, y2.data(), out, accumulate);
        two.apply_serial(x.data(), rows, serial.data(), out, accumulate);
        const std::string what = std::string(precision_name(p)) + " rows " + std::to_string(rows) +
                                 (accumulate ? " accumulate" : "");
        size_t block_bytes = 0;
        if (packed_matmul_column_block(matmul_type::f32, out, in, block_bytes) == 0) {
            // A plain layout (no AVX-512) runs oneDNN's gemm, whose sums depend on the rows in a call:
            // the same to float32 rounding, not bit for bit.
            for (size_t i = 0; i < y2.size(); i++) {
                ASSERT_NEAR(y2[i], serial[i], 1e-5f * (1 + std::fabs(serial[i]))) << what << ": pool and serial differ";
                ASSERT_NEAR(y1[i], y2[i], 1e-5f * (1 + std::fabs(y2[i]))) << what << ": 1 and 2 threads differ";
            }
            continue;
        }
        EXPECT_EQ(y2, serial) << what << ": pool and serial differ";
        EXPECT_EQ(y1, y2) << what << ": 1 and 2 threads differ";
    }
}

TEST_F(packed_linear_test, pool_matches_serial_row_split) {
    check_pool_matches_serial(96, 288, 4096, false);
    check_pool_matches_serial(96, 288, 1000, true);
}

TEST_F(packed_linear_test, pool_matches_serial_column_split) {
    check_pool_matches_serial(768, 2304, 12, false);
    check_pool_matches_serial(768, 2304, 12, true);
    check_pool_matches_serial(768, 2304, 1, false);
}

TEST_F(packed_linear_test, empty_layer_throws) {
    const std::vector<float> w(4, 1.0f);
    EXPECT_ANY_THROW(packed_linear({{w.data(), nullptr, 0}}, 4, precision::fp32));
    EXPECT_ANY_THROW(packed_linear({{nullptr, nullptr, 1}}, 4, precision::fp32));
    EXPECT_ANY_THROW(packed_linear({{w.data(), nullptr, 1}}, 0, precision::fp32));
}

// Reads a whole file's bytes.
std::vector<std::byte> file_bytes(const std::filesystem::path& path) {
    mapped_file m(path);
    return {m.data(), m.data() + m.size()};
}

TEST_F(packed_linear_test, pack_from_weight_store_leaves_file_intact) {
    // in * 4 bytes per row: the weights span many whole pages, so release_pages really drops some.
    const int64_t in = 256, out = 96, rows = 7;
    const layer q(in, out, 70), k(in, out, 71), fc(in, out, 72);
    const std::vector<std::pair<std::string, const std::vector<float>*>> tensors = {
        {"attn.q.weight", &q.w}, {"attn.q.bias", &q.b}, {"attn.k.weight", &k.w},
        {"attn.k.bias", &k.b},   {"fc.weight", &fc.w},  {"fc.bias", &fc.b}};
    std::vector<tensor_to_write> specs;
    for (auto& [name, data] : tensors)
        specs.push_back({name, name.ends_with(".bias") ? std::vector<int64_t>{out} : std::vector<int64_t>{out, in}});
    test::temp_dir dir;
    const auto path = dir.path / "model.safetensors";
    write_safetensors(path, specs, [&](size_t i, float* dst) {
        std::copy(tensors[i].second->begin(), tensors[i].second->end(), dst);
    });
    const std::vector<std::byte> before = file_bytes(path);
    const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 73);

    for (precision p : all_precisions) {
        packed_linear one, two;
        {
            weight_store store(tensor_file::open(path));
            one = pack_linear(store, "fc", in, out, p);
            two = pack_linears(store, {"attn.q", "attn.k"}, in, out, p);
            // Released pages read back from the file: the store's own view still holds the weights.
            const tensor_view* v = store.find("fc.weight");
            ASSERT_NE(v, nullptr);
            EXPECT_EQ(std::memcmp(v->data, fc.w.data(), fc.w.size() * 4), 0) << precision_name(p);
        }  // the store and its map are gone: the packed layers must hold copies of their own

        std::vector<float> y(static_cast<size_t>(rows * out));
        one.apply(x.data(), rows, y.data(), out);
        expect_within_bound(p, y, out, reference_product(x.data(), rows, fc.w.data(), fc.b.data(), in, out), rows,
                            in, out, "fc from file");
        std::vector<float> qk(static_cast<size_t>(rows * 2 * out));
        two.apply(x.data(), rows, qk.data(), 2 * out);
        std::vector<float> w = q.w, b = q.b;
        w.insert(w.end(), k.w.begin(), k.w.end());
        b.insert(b.end(), k.b.begin(), k.b.end());
        expect_within_bound(p, qk, 2 * out, reference_product(x.data(), rows, w.data(), b.data(), in, 2 * out),
                            rows, in, 2 * out, "q|k from file");

        // A second store on the same file sees every tensor as written.
        weight_store again(tensor_file::open(path));
        for (auto& [name, data] : tensors) {
            const tensor_view* v = again.find(name);
            ASSERT_NE(v, nullptr) << name;
            ASSERT_EQ(v->nbytes, data->size() * 4) << name;
            EXPECT_EQ(std::memcmp(v->data, data->data(), v->nbytes), 0) << name << " changed on disk";
        }
    }
    EXPECT_EQ(file_bytes(path), before);
}

TEST_F(packed_linear_test, pack_without_bias_reads_no_bias) {
    const int64_t in = 32, out = 16, rows = 3;
    const layer l(in, out, 80);
    test::temp_dir dir;
    const auto path = dir.path / "model.safetensors";
    write_safetensors(path, {{"proj.weight", {out, in}}}, [&](size_t, float* dst) { std::copy(l.w.begin(), l.w.end(), dst); });
    weight_store store(tensor_file::open(path));
    EXPECT_ANY_THROW(pack_linear(store, "proj", in, out, precision::fp32));       // no proj.bias
    EXPECT_ANY_THROW(pack_linear(store, "proj", out, in, precision::fp32, false)); // wrong shape
    const packed_linear pl = pack_linear(store, "proj", in, out, precision::fp32, false);
    const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 81);
    std::vector<float> y(static_cast<size_t>(rows * out));
    pl.apply(x.data(), rows, y.data(), out);
    expect_within_bound(precision::fp32, y, out, reference_product(x.data(), rows, l.w.data(), nullptr, in, out), rows,
                        in, out, "no bias from file");
}

TEST_F(packed_linear_test, mapped_file_release_ignores_ranges_outside_its_map) {
    test::temp_dir dir;
    const auto path = dir.path / "data.bin";
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const std::vector<float> values = random_floats(4 * page / 4, 90);
    write_safetensors(path, {{"t", {static_cast<int64_t>(values.size())}}},
                      [&](size_t, float* dst) { std::copy(values.begin(), values.end(), dst); });
    const std::vector<std::byte> before = file_bytes(path);
    const mapped_file m(path);

    // Memory of our own, page aligned: were release() to madvise it, its bytes would read back as zeros.
    const size_t own_bytes = 3 * page;
    auto* own = static_cast<std::byte*>(std::aligned_alloc(page, own_bytes));
    ASSERT_NE(own, nullptr);
    std::memset(own, 0x5a, own_bytes);
    m.release(own, own_bytes);
    m.release(m.data() + m.size() - 10, 100);  // starts inside, ends past the map
    m.release(m.data(), m.size() + 1);
    m.release(m.data() + m.size() + page, page);
    m.release(m.data() - page, 2 * page);       // starts before the map
    for (size_t i = 0; i < own_bytes; i++) ASSERT_EQ(own[i], std::byte{0x5a}) << "own memory released at " << i;
    std::free(own);

    // Inside the map: the pages go, and reading them again gives the file's bytes.
    m.release(m.data(), m.size());
    EXPECT_EQ(std::memcmp(m.data(), before.data(), before.size()), 0);
    EXPECT_EQ(file_bytes(path), before);
}

}  // namespace
