// sonavec/model.h's checks through the public headers alone: count_non_finite_weights on a
// safetensors file written here byte by byte (the format's own layout, not our writer), and
// model_chosen's reading of $SONAVEC_MODEL.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "cli_run.h"
#include "sonavec/model.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

// An 8-byte little-endian header length, the JSON header, then the tensors' bytes.
std::string safetensors_file(const std::string& header, const std::string& data) {
    std::string out;
    for (int b = 0; b < 8; b++) out += static_cast<char>((header.size() >> (8 * b)) & 0xff);
    return out + header + data;
}

std::string float_bytes(const std::vector<float>& v) {
    std::string out(v.size() * 4, '\0');
    std::memcpy(out.data(), v.data(), out.size());  // the test machine is little-endian, as the format
    return out;
}

// Restores an environment variable when the test ends.
struct saved_env {
    std::string name;
    bool had;
    std::string value;
    explicit saved_env(std::string n) : name(std::move(n)), had(std::getenv(name.c_str()) != nullptr) {
        if (had) value = std::getenv(name.c_str());
    }
    ~saved_env() {
        if (had) setenv(name.c_str(), value.c_str(), 1);
        else unsetenv(name.c_str());
    }
};

}  // namespace

TEST(public_model_api, count_non_finite_weights_counts_nan_and_infinities_in_f32_tensors) {
    const float inf = std::numeric_limits<float>::infinity();
    const std::string f32 = float_bytes({1.5f, std::nanf(""), inf, -inf, 0.0f, -2.0f});
    const std::string f32_clean = float_bytes({0.25f, 3.0f});
    const std::string f16_nan = std::string("\x00\x7e\x00\x7c", 4);  // NaN and +inf as F16: not counted
    const size_t a = f32.size(), b = a + f32_clean.size(), c = b + f16_nan.size();
    const std::string header = "{\"w.bad\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0," + std::to_string(a) +
                               "]},\"w.clean\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" +
                               std::to_string(a) + "," + std::to_string(b) +
                               "]},\"w.half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[" + std::to_string(b) +
                               "," + std::to_string(c) + "]}}";
    const fs::path dir = test::scratch_dir() / "nan_model";
    fs::create_directories(dir);
    test::write_file(dir / "model.safetensors", safetensors_file(header, f32 + f32_clean + f16_nan));
    EXPECT_EQ(count_non_finite_weights(dir), 3);

    const fs::path clean = test::scratch_dir() / "clean_model";
    fs::create_directories(clean);
    const std::string clean_header =
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0," + std::to_string(f32_clean.size()) + "]}}";
    test::write_file(clean / "model.safetensors", safetensors_file(clean_header, f32_clean));
    EXPECT_EQ(count_non_finite_weights(clean), 0);
}

TEST(public_model_api, model_chosen_by_argument_or_environment) {
    saved_env keep("SONAVEC_MODEL");
    unsetenv("SONAVEC_MODEL");
    EXPECT_FALSE(model_chosen(""));
    EXPECT_TRUE(model_chosen("/some/model"));
    setenv("SONAVEC_MODEL", "", 1);
    EXPECT_FALSE(model_chosen("")) << "an empty SONAVEC_MODEL chooses nothing";
    setenv("SONAVEC_MODEL", "/env/model", 1);
    EXPECT_TRUE(model_chosen(""));
}
