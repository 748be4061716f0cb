// The HTSAT audio tower against the Hugging Face reference on the tiny golden model: every
// intermediate, the projection and the embedding, one case at a time and batched.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>

#include "models/htsat.h"
#include "models/projection.h"
#include "nn/ops.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

namespace {

nlohmann::json golden_config() {
    std::ifstream in(test::golden_dir() / "model/config.json");
    return nlohmann::json::parse(in);
}

struct golden_model {
    std::unique_ptr<weight_store> weights;
    htsat_hparams hp;
    std::unique_ptr<htsat_encoder> encoder;
    std::unique_ptr<projection_layer> projection;

    explicit golden_model(const std::string& weights_file) {
        weights = std::make_unique<weight_store>(tensor_file::open(test::golden_dir() / "model" / weights_file));
        const auto config = golden_config();
        hp = htsat_hparams::from_json(config.at("audio_config"));
        encoder = std::make_unique<htsat_encoder>(hp, *weights);
        projection = std::make_unique<projection_layer>(*weights, "audio_projection", hp.hidden_size, hp.projection_dim);
    }
};

// The same weights from either file format: both readers must give the same tower.
const golden_model& model(const std::string& weights_file = "model.safetensors") {
    static const golden_model from_safetensors("model.safetensors"), from_pytorch("pytorch_model.bin");
    return weights_file == "pytorch_model.bin" ? from_pytorch : from_safetensors;
}

// [batch, 1, time, mel] golden input as the encoder's [batch, time, mel] tensor.
tensor features_of(const tensor_view& v) {
    tensor t({v.shape[0], v.shape[2], v.shape[3]});
    t.data = test::floats(v);
    return t;
}

// Worst max |diff| and the share of the golden bound it used, per tensor name, over all cases.
struct worst_diff {
    double diff = 0, share = 0;
};
std::map<std::string, worst_diff>& worst() {
    static std::map<std::string, worst_diff> w;
    return w;
}

void check(const std::string& name, const tensor& actual, const tensor_view& reference, const std::string& where) {
    ASSERT_EQ(actual.numel(), reference.numel()) << where << " " << name << ": element count";
    test::expect_intermediate_close(actual.ptr(), reference, where + " " + name);
    const auto ref = test::floats(reference);
    const double diff = test::max_abs_diff(actual.ptr(), ref.data(), ref.size());
    const double bound = 1e-3 * (1.0 + test::max_abs(ref.data(), ref.size()));
    auto& w = worst()[name];
    w.diff = std::max(w.diff, diff);
    w.share = std::max(w.share, diff / bound);
}

const char* const cases[] = {"chirp_10s", "chord_7s", "noise_3s", "blip_0p5s", "silence_10s", "odd_4p321s"};

}  // namespace

class htsat_from_file : public ::testing::TestWithParam<std::string> {};

TEST_P(htsat_from_file, matches_reference_intermediates_and_embeddings) {
    const auto& m = model(GetParam());
    for (const char* name : cases) {
        SCOPED_TRACE(name);
        auto golden = test::open_golden(std::string("audio/") + name + ".safetensors");
        htsat_trace trace;
        const tensor pooled = m.encoder->forward(features_of(*golden->find("input_features")), &trace);

        check("batchnorm_out", trace.batchnorm_out, *golden->find("batchnorm_out"), name);
        check("mel_image", trace.mel_image, *golden->find("mel_image"), name);
        check("patch_embed", trace.patch_embed, *golden->find("patch_embed"), name);
        ASSERT_EQ(trace.stages.size(), 4u);
        for (size_t k = 0; k < trace.stages.size(); k++) {
            const std::string stage = "stage" + std::to_string(k);
            check(stage, trace.stages[k], *golden->find(stage), name);
        }
        check("final_norm", trace.final_norm, *golden->find("final_norm"), name);
        check("pooler_output", pooled, *golden->find("pooler_output"), name);

        tensor projected = m.projection->forward(pooled);
        check("projection", projected, *golden->find("projection"), name);
        l2_normalize(projected.ptr(), projected.numel());
        test::expect_embedding_close(projected.ptr(), *golden->find("embedding"), std::string(name) + " embedding");
        const auto ref = test::floats(*golden->find("embedding"));
        auto& w = worst()["embedding"];
        w.diff = std::max(w.diff, test::max_abs_diff(projected.ptr(), ref.data(), ref.size()));
        w.share = std::max(w.share, w.diff / 1e-4);
    }
    for (const auto& [tensor_name, w] : worst())
        std::cout << "  worst " << tensor_name << ": max |diff| " << w.diff << " (" << 100 * w.share
                  << "% of the bound)\n";
}

INSTANTIATE_TEST_SUITE_P(weights, htsat_from_file, ::testing::Values("model.safetensors", "pytorch_model.bin"));

TEST(htsat, batching_does_not_change_embeddings) {
    const auto& m = model();
    auto golden = test::open_golden("audio/batch3.safetensors");
    const tensor features = features_of(*golden->find("input_features"));
    ASSERT_EQ(features.shape[0], 3);
    tensor projected = m.projection->forward(m.encoder->forward(features));
    const int64_t dim = m.hp.projection_dim;
    for (int64_t b = 0; b < 3; b++) l2_normalize(projected.ptr() + b * dim, dim);
    test::expect_embedding_close(projected.ptr(), *golden->find("embedding"), "batch3 embedding");

    // Each row equals the same window run alone.
    const int64_t per = features.numel() / 3;
    for (int64_t b = 0; b < 3; b++) {
        tensor one({1, features.shape[1], features.shape[2]});
        std::copy(features.data.begin() + b * per, features.data.begin() + (b + 1) * per, one.data.begin());
        tensor single = m.projection->forward(m.encoder->forward(one));
        l2_normalize(single.ptr(), dim);
        EXPECT_LE(test::max_abs_diff(single.ptr(), projected.ptr() + b * dim, static_cast<size_t>(dim)), 1e-5);
    }
}

TEST(htsat, accepts_the_reference_input_layout) {
    const auto& m = model();
    auto golden = test::open_golden("audio/chirp_10s.safetensors");
    const tensor three = features_of(*golden->find("input_features"));
    tensor four({1, 1, three.shape[1], three.shape[2]});
    four.data = three.data;
    const tensor a = m.encoder->forward(three), b = m.encoder->forward(four);
    EXPECT_EQ(a.data, b.data);
}

TEST(htsat, rejects_features_of_the_wrong_shape) {
    const auto& m = model();
    EXPECT_THROW(m.encoder->forward(tensor({1, 1001, 63})), sonavec::error);
    EXPECT_THROW(m.encoder->forward(tensor({1, 1025, 64})), sonavec::error);
    EXPECT_THROW(m.encoder->forward(tensor({1001, 64})), sonavec::error);
    EXPECT_THROW(m.encoder->forward(tensor({1, 2, 1001, 64})), sonavec::error);
    EXPECT_THROW(m.encoder->forward(tensor({0, 1001, 64})), sonavec::error);
}

TEST(htsat, full_architecture_config_parses) {
    std::ifstream in(test::golden_dir() / "full-architecture/config.json");
    const auto hp = htsat_hparams::from_json(nlohmann::json::parse(in).at("audio_config"));
    EXPECT_EQ(hp.hidden_size, 768);
    EXPECT_EQ(hp.patch_embeds_hidden_size, 96);
    EXPECT_EQ(hp.depths, (std::vector<int64_t>{2, 2, 6, 2}));
    EXPECT_EQ(hp.num_attention_heads, (std::vector<int64_t>{4, 8, 16, 32}));
    EXPECT_EQ(hp.spec_width(), 1024);
    EXPECT_EQ(hp.projection_dim, 512);
}

TEST(htsat, config_rejects_nonsense) {
    const auto base = golden_config().at("audio_config");
    const auto rejects = [&](const char* key, const nlohmann::json& value) {
        auto c = base;
        c[key] = value;
        EXPECT_THROW(htsat_hparams::from_json(c), sonavec::error) << key << " = " << value.dump();
    };
    rejects("enable_fusion", true);
    rejects("hidden_act", "relu");
    rejects("num_mel_bins", 0);
    rejects("num_mel_bins", 60);       // spec_size not a multiple
    rejects("spec_size", -256);
    rejects("window_size", 0);
    rejects("window_size", 16);        // larger than the last stage's 8x8 map
    rejects("depths", nlohmann::json::array({1, 1, 2}));
    rejects("depths", nlohmann::json::array({1, 0, 2, 1}));
    rejects("num_attention_heads", nlohmann::json::array({1, 3, 4, 8}));
    rejects("hidden_size", 96);
    rejects("patch_stride", nlohmann::json::array({4, 5}));
    rejects("patch_size", 2);
    rejects("mlp_ratio", -1.0);
    rejects("layer_norm_eps", 0.0);
    rejects("patch_embeds_hidden_size", "16");
    rejects("projection_dim", 0);
}

TEST(htsat, weight_of_the_wrong_shape_names_it) {
    auto weights = std::make_unique<weight_store>(tensor_file::open(test::golden_dir() / "model/model.safetensors"));
    auto hp = htsat_hparams::from_json(golden_config().at("audio_config"));
    hp.window_size = 4;  // a valid architecture whose position-bias tables are smaller than the file's
    try {
        htsat_encoder encoder(hp, *weights);
        FAIL() << "expected an error";
    } catch (const sonavec::error& e) {
        EXPECT_NE(std::string(e.what()).find("relative_position_bias_table"), std::string::npos) << e.what();
    }
}
