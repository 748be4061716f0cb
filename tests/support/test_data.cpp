#include "test_data.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>

namespace sonavec::test {

std::filesystem::path data_dir() { return SONAVEC_TEST_DATA; }
std::filesystem::path golden_dir() { return data_dir() / "golden"; }
std::filesystem::path cli_path() { return SONAVEC_CLI; }

std::unique_ptr<tensor_file> open_golden(const std::string& relative) {
    return tensor_file::open(golden_dir() / relative);
}

std::vector<float> floats(const tensor_view& v) {
    std::vector<float> out(static_cast<size_t>(v.numel()));
    for (size_t i = 0; i < out.size(); i++) {
        if (v.type == dtype::f32) {
            std::memcpy(&out[i], v.data + 4 * i, 4);
        } else if (v.type == dtype::i64) {
            int64_t x;
            std::memcpy(&x, v.data + 8 * i, 8);
            out[i] = static_cast<float>(x);
        } else {
            ADD_FAILURE() << "unexpected dtype " << dtype_name(v.type);
            break;
        }
    }
    return out;
}

std::vector<int64_t> ints(const tensor_view& v) {
    std::vector<int64_t> out(static_cast<size_t>(v.numel()));
    EXPECT_EQ(v.type, dtype::i64);
    if (v.type == dtype::i64) std::memcpy(out.data(), v.data, out.size() * 8);
    return out;
}

double max_abs(const float* x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = std::max(m, std::fabs(static_cast<double>(x[i])));
    return m;
}

double max_abs_diff(const float* a, const float* b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
    return m;
}

double cosine(const float* a, const float* b, size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += static_cast<double>(a[i]) * b[i];
        aa += static_cast<double>(a[i]) * a[i];
        bb += static_cast<double>(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb + 1e-300);
}

void expect_intermediate_close(const float* actual, const tensor_view& reference, const std::string& what) {
    auto ref = floats(reference);
    const double bound = 1e-3 * (1.0 + max_abs(ref.data(), ref.size()));
    const double diff = max_abs_diff(actual, ref.data(), ref.size());
    EXPECT_LE(diff, bound) << what << ": max |diff| " << diff << " over bound " << bound;
}

void expect_embedding_close(const float* actual, const tensor_view& reference, const std::string& what) {
    auto ref = floats(reference);
    const double cos = cosine(actual, ref.data(), ref.size());
    const double diff = max_abs_diff(actual, ref.data(), ref.size());
    EXPECT_GE(cos, 0.99999) << what << ": cosine " << cos;
    EXPECT_LE(diff, 1e-4) << what << ": max |diff| " << diff;
}

std::unique_ptr<engine> golden_engine(int threads) {
    engine_params p = engine_default_params();
    p.model_dir = golden_dir() / "model";
    p.threads = threads;
    return engine::open(p);
}

}  // namespace sonavec::test
