// bf16 and int8 products against float32: every golden audio and text case, embedded through the
// public engine, must keep cosine >= 0.999 with the reference implementation's float32 embedding (the
// accuracy bar of --precision), and with this engine's own fp32 result.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "nn/tensor_file.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

namespace {

const char* audio_cases[] = {"chirp_10s", "chord_7s", "noise_3s", "blip_0p5s", "silence_10s", "odd_4p321s"};
constexpr double min_cosine = 0.999;

std::unique_ptr<engine> open_engine(precision p) {
    engine_params params = engine_default_params();
    params.model_dir = test::golden_dir() / "model";
    params.threads = 2;
    params.products = p;
    return engine::open(params);
}

double cosine(const float* a, const std::vector<float>& b) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < b.size(); i++) {
        dot += static_cast<double>(a[i]) * b[i];
        na += static_cast<double>(a[i]) * a[i];
        nb += static_cast<double>(b[i]) * b[i];
    }
    return dot / std::sqrt(na * nb);
}

// Lowest cosine over the golden cases against the reference, and against this engine at fp32.
struct agreement {
    double vs_reference = 1, vs_fp32 = 1;
};

agreement audio_agreement(precision p) {
    auto reduced = open_engine(p);
    auto exact = open_engine(precision::fp32);
    agreement a;
    for (const char* name : audio_cases) {
        auto ref = test::open_golden(std::string("audio/") + name + ".safetensors");
        const auto wave = test::floats(*ref->find("waveform"));
        const auto reference = test::floats(*ref->find("embedding"));
        const auto got = reduced->embed_audio_windows({std::span<const float>(wave)});
        const auto fp32 = exact->embed_audio_windows({std::span<const float>(wave)});
        EXPECT_EQ(got.size(), reference.size());
        a.vs_reference = std::min(a.vs_reference, cosine(got.data(), reference));
        a.vs_fp32 = std::min(a.vs_fp32, cosine(got.data(), fp32));
    }
    return a;
}

agreement text_agreement(precision p) {
    auto reduced = open_engine(p);
    auto exact = open_engine(precision::fp32);
    agreement a;
    auto index = nlohmann::json::parse(std::ifstream(test::golden_dir() / "index.json"));
    for (auto& c : index["text_cases"]) {
        auto ref = test::open_golden("text/" + c["file"].get<std::string>());
        const auto reference = test::floats(*ref->find("embedding"));
        const std::string text = c["text"].get<std::string>();
        const auto got = reduced->embed_texts({text});
        const auto fp32 = exact->embed_texts({text});
        a.vs_reference = std::min(a.vs_reference, cosine(got.data(), reference));
        a.vs_fp32 = std::min(a.vs_fp32, cosine(got.data(), fp32));
    }
    return a;
}

void check(const char* what, precision p, const agreement& a) {
    std::printf("%s %s: lowest cosine vs reference %.6f, vs fp32 %.6f\n", what, precision_name(p), a.vs_reference,
                a.vs_fp32);
    EXPECT_GE(a.vs_reference, min_cosine) << what << " " << precision_name(p);
    EXPECT_GE(a.vs_fp32, min_cosine) << what << " " << precision_name(p);
    // Reduced precision must change something, or the setting did not reach the products.
    EXPECT_LT(a.vs_fp32, 1.0 - 1e-9) << what << " " << precision_name(p) << " gave the fp32 result";
}

}  // namespace

#define SKIP_UNLESS_AVAILABLE(p) \
    if (!precision_available(p)) GTEST_SKIP() << precision_name(p) << " is not available on this CPU (see unavailable_precision_is_a_clear_error)"

TEST(reduced_precision, bf16_audio_keeps_cosine) {
    SKIP_UNLESS_AVAILABLE(precision::bf16);
    check("audio", precision::bf16, audio_agreement(precision::bf16));
}
TEST(reduced_precision, int8_audio_keeps_cosine) {
    SKIP_UNLESS_AVAILABLE(precision::int8);
    check("audio", precision::int8, audio_agreement(precision::int8));
}
TEST(reduced_precision, bf16_text_keeps_cosine) {
    SKIP_UNLESS_AVAILABLE(precision::bf16);
    check("text", precision::bf16, text_agreement(precision::bf16));
}
TEST(reduced_precision, int8_text_keeps_cosine) {
    SKIP_UNLESS_AVAILABLE(precision::int8);
    check("text", precision::int8, text_agreement(precision::int8));
}

// fp32 runs everywhere; a precision the CPU lacks is an unsupported error naming it, when the engine opens.
TEST(reduced_precision, unavailable_precision_is_a_clear_error) {
    EXPECT_TRUE(precision_available(precision::fp32));
    for (precision p : {precision::bf16, precision::int8}) {
        if (precision_available(p)) {
            auto eng = open_engine(p);
            EXPECT_EQ(eng->embed_texts({"rain"}).size(), static_cast<size_t>(eng->dim())) << precision_name(p);
            continue;
        }
        try {
            open_engine(p)->embed_texts({"rain"});
            ADD_FAILURE() << precision_name(p) << " ran although precision_available says it cannot";
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::unsupported) << e.what();
            EXPECT_NE(std::string(e.what()).find(std::string("precision ") + precision_name(p) + " is not available on this CPU"),
                      std::string::npos) << e.what();
        }
    }
}

TEST(reduced_precision, names_round_trip_and_unknown_is_an_error) {
    for (precision p : {precision::fp32, precision::bf16, precision::int8})
        EXPECT_EQ(parse_precision(precision_name(p)), p);
    EXPECT_THROW(parse_precision("fp16"), std::runtime_error);
    EXPECT_THROW(parse_precision(""), std::runtime_error);
}
