// The RoBERTa text tower and get_text_features against the Hugging Face reference on the tiny golden model.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "models/projection.h"
#include "models/roberta.h"
#include "nn/ops.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

namespace {

nlohmann::json read_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    return nlohmann::json::parse(in);
}

nlohmann::json golden_config() { return read_json(test::golden_dir() / "model/config.json"); }

struct golden_text_model {
    explicit golden_text_model(const std::string& weights_file = "model.safetensors")
        : weights(std::make_unique<weight_store>(tensor_file::open(test::golden_dir() / "model" / weights_file))) {}

    std::unique_ptr<weight_store> weights;
    nlohmann::json config = golden_config();
    roberta_hparams hp = roberta_hparams::from_json(config["text_config"]);
    roberta_encoder encoder{hp, *weights};
    projection_layer projection{*weights, "text_projection", hp.hidden_size,
                                config["projection_dim"].get<int64_t>()};

    // ref: modeling_clap.py ClapModel.get_text_features (projection of pooler_output, then F.normalize)
    tensor text_features(const std::vector<int64_t>& ids, const std::vector<int64_t>& mask, int64_t batch,
                         int64_t seq, tensor* projected = nullptr, roberta_trace* trace = nullptr) const {
        tensor y = projection.forward(encoder.forward(ids, mask, batch, seq, trace));
        if (projected) *projected = y;
        const int64_t dim = projection.out_dim;
        for (int64_t b = 0; b < batch; b++) l2_normalize(y.ptr() + b * dim, dim);
        return y;
    }
};

double diff_to(const float* actual, const tensor_view& reference) {
    auto ref = test::floats(reference);
    return test::max_abs_diff(actual, ref.data(), ref.size());
}

}  // namespace

TEST(roberta, hparams_from_golden_and_full_configs) {
    auto tiny = roberta_hparams::from_json(golden_config()["text_config"]);
    EXPECT_EQ(tiny.vocab_size, 50261);
    EXPECT_EQ(tiny.hidden_size, 32);
    EXPECT_EQ(tiny.num_hidden_layers, 2);
    EXPECT_EQ(tiny.num_attention_heads, 2);
    EXPECT_EQ(tiny.intermediate_size, 64);
    EXPECT_EQ(tiny.max_position_embeddings, 514);
    EXPECT_EQ(tiny.type_vocab_size, 1);
    EXPECT_EQ(tiny.pad_token_id, 1);
    EXPECT_FLOAT_EQ(tiny.layer_norm_eps, 1e-12f);
    EXPECT_EQ(tiny.max_sequence_length(), 512);

    auto full = roberta_hparams::from_json(
        read_json(test::golden_dir() / "full-architecture/config.json")["text_config"]);
    EXPECT_EQ(full.vocab_size, 50265);
    EXPECT_EQ(full.hidden_size, 768);
    EXPECT_EQ(full.num_hidden_layers, 12);
    EXPECT_EQ(full.num_attention_heads, 12);
    EXPECT_EQ(full.intermediate_size, 3072);
    EXPECT_EQ(full.head_size(), 64);

    // An empty text_config is ClapTextConfig(): RoBERTa-base.
    auto defaults = roberta_hparams::from_json(nlohmann::json::object());
    EXPECT_EQ(defaults.hidden_size, 768);
    EXPECT_EQ(defaults.vocab_size, 50265);
}

TEST(roberta, hparams_reject_nonsense) {
    const nlohmann::json good = golden_config()["text_config"];
    auto with = [&](const char* key, nlohmann::json value) {
        nlohmann::json c = good;
        c[key] = std::move(value);
        return c;
    };
    EXPECT_THROW(roberta_hparams::from_json(with("hidden_size", 31)), sonavec::error);  // not a multiple of 2 heads
    EXPECT_THROW(roberta_hparams::from_json(with("num_attention_heads", 3)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("vocab_size", 0)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("vocab_size", -5)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("hidden_size", int64_t{1} << 40)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("num_hidden_layers", 0)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("pad_token_id", 50261)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("max_position_embeddings", 2)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("type_vocab_size", 0)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("layer_norm_eps", -1.0)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("hidden_size", "32")), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("hidden_size", 32.5)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("hidden_act", "relu")), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("position_embedding_type", "relative_key")), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(with("is_decoder", true)), sonavec::error);
    EXPECT_THROW(roberta_hparams::from_json(nlohmann::json::array()), sonavec::error);
}

TEST(roberta, missing_or_misshapen_weights_are_errors) {
    auto weights = weight_store::open_model_dir(test::golden_dir() / "model");
    auto hp = roberta_hparams::from_json(golden_config()["text_config"]);
    auto deeper = hp;
    deeper.num_hidden_layers = 3;  // the checkpoint has two
    EXPECT_THROW(roberta_encoder(deeper, *weights), sonavec::error);
    auto wider = hp;
    wider.intermediate_size = 65;
    EXPECT_THROW(roberta_encoder(wider, *weights), sonavec::error);
}

// The same weights from either file format: both readers must give the same tower.
class roberta_from_file : public ::testing::TestWithParam<std::string> {};

TEST_P(roberta_from_file, matches_reference_for_every_text) {
    golden_text_model model(GetParam());
    std::map<std::string, double> worst;
    for (int n = 0; n <= 8; n++) {
        const std::string name = "text" + std::to_string(n);
        auto ref = test::open_golden("text/" + name + ".safetensors");
        const tensor_view& ids_view = *ref->find("input_ids");
        ASSERT_EQ(ids_view.shape.size(), 2u);
        const int64_t batch = ids_view.shape[0], seq = ids_view.shape[1];
        auto ids = test::ints(ids_view);
        auto mask = test::ints(*ref->find("attention_mask"));

        roberta_trace trace;
        tensor projected;
        tensor embedding = model.text_features(ids, mask, batch, seq, &projected, &trace);

        ASSERT_EQ(trace.embeddings.shape, (std::vector<int64_t>{batch, seq, model.hp.hidden_size}));
        ASSERT_EQ(trace.layers.size(), 2u);
        ASSERT_EQ(trace.pooler_output.shape, (std::vector<int64_t>{batch, model.hp.hidden_size}));

        const std::pair<const char*, const float*> intermediates[] = {
            {"embeddings", trace.embeddings.ptr()},
            {"layer0", trace.layers[0].ptr()},
            {"layer1", trace.layers[1].ptr()},
            {"pooler_output", trace.pooler_output.ptr()},
            {"projection", projected.ptr()},
        };
        for (auto [key, actual] : intermediates) {
            const tensor_view& expected = *ref->find(key);
            test::expect_intermediate_close(actual, expected, name + " " + key);
            worst[key] = std::max(worst[key], diff_to(actual, expected));
        }
        test::expect_embedding_close(embedding.ptr(), *ref->find("embedding"), name + " embedding");
        worst["embedding"] = std::max(worst["embedding"], diff_to(embedding.ptr(), *ref->find("embedding")));
    }
    for (const auto& [key, diff] : worst) std::cout << "worst max|diff| " << key << ": " << diff << "\n";
}

INSTANTIATE_TEST_SUITE_P(weights, roberta_from_file, ::testing::Values("model.safetensors", "pytorch_model.bin"));

TEST(roberta, padded_batch_matches_reference_and_single_runs) {
    golden_text_model model;
    auto ref = test::open_golden("text/batch3.safetensors");
    const tensor_view& ids_view = *ref->find("input_ids");
    const int64_t batch = ids_view.shape[0], seq = ids_view.shape[1];
    auto ids = test::ints(ids_view);
    auto mask = test::ints(*ref->find("attention_mask"));
    ASSERT_EQ(batch, 3);
    EXPECT_NE(std::count(mask.begin(), mask.end(), 0), 0) << "batch3 should exercise padding";

    tensor batched = model.text_features(ids, mask, batch, seq);
    test::expect_embedding_close(batched.ptr(), *ref->find("embedding"), "batch3 embedding");
    std::cout << "batch3 embedding max|diff| " << diff_to(batched.ptr(), *ref->find("embedding")) << "\n";

    const int64_t dim = model.projection.out_dim;
    for (int64_t b = 0; b < batch; b++) {
        // The unpadded row: the tokens the mask keeps.
        std::vector<int64_t> row_ids, row_mask;
        for (int64_t s = 0; s < seq; s++) {
            if (mask[static_cast<size_t>(b * seq + s)] == 0) continue;
            row_ids.push_back(ids[static_cast<size_t>(b * seq + s)]);
            row_mask.push_back(1);
        }
        const auto len = static_cast<int64_t>(row_ids.size());
        tensor single = model.text_features(row_ids, row_mask, 1, len);
        const double diff = test::max_abs_diff(single.ptr(), batched.ptr() + b * dim, static_cast<size_t>(dim));
        EXPECT_LE(diff, 1e-5) << "row " << b << " padded vs unpadded";
    }
}

TEST(roberta, extra_padding_does_not_change_the_result) {
    golden_text_model model;
    auto ref = test::open_golden("text/text0.safetensors");
    auto ids = test::ints(*ref->find("input_ids"));
    auto mask = test::ints(*ref->find("attention_mask"));
    const auto seq = static_cast<int64_t>(ids.size());
    tensor plain = model.encoder.forward(ids, mask, 1, seq);

    for (int i = 0; i < 5; i++) {
        ids.push_back(model.hp.pad_token_id);
        mask.push_back(0);
    }
    tensor padded = model.encoder.forward(ids, mask, 1, seq + 5);
    EXPECT_LE(test::max_abs_diff(plain.ptr(), padded.ptr(), plain.data.size()), 1e-5);
}

TEST(roberta, rejects_bad_inputs) {
    golden_text_model model;
    const int64_t vocab = model.hp.vocab_size;
    std::vector<int64_t> ids = {0, 68, 3294, 2}, mask = {1, 1, 1, 1};
    EXPECT_NO_THROW(model.encoder.forward(ids, mask, 1, 4));

    auto with_id = [&](int64_t bad) {
        auto v = ids;
        v[2] = bad;
        return v;
    };
    EXPECT_THROW(model.encoder.forward(with_id(vocab), mask, 1, 4), sonavec::error);
    EXPECT_THROW(model.encoder.forward(with_id(-1), mask, 1, 4), sonavec::error);
    EXPECT_THROW(model.encoder.forward(with_id(int64_t{1} << 40), mask, 1, 4), sonavec::error);
    EXPECT_NO_THROW(model.encoder.forward(with_id(vocab - 1), mask, 1, 4));

    EXPECT_THROW(model.encoder.forward(ids, {1, 1, 2, 1}, 1, 4), sonavec::error);  // mask must be 0/1
    EXPECT_THROW(model.encoder.forward(ids, {1, 1, 1}, 1, 4), sonavec::error);     // mask length
    EXPECT_THROW(model.encoder.forward(ids, mask, 2, 4), sonavec::error);          // ids length
    EXPECT_THROW(model.encoder.forward(ids, mask, 1, 0), sonavec::error);
    EXPECT_THROW(model.encoder.forward({}, {}, 0, 4), sonavec::error);

    // Positions start after pad_token_id, so the table of 514 rows fits 512 tokens.
    const int64_t longest = model.hp.max_sequence_length();
    std::vector<int64_t> long_ids(static_cast<size_t>(longest), 5), long_mask(long_ids.size(), 1);
    EXPECT_NO_THROW(model.encoder.forward(long_ids, long_mask, 1, longest));
    long_ids.push_back(5);
    long_mask.push_back(1);
    EXPECT_THROW(model.encoder.forward(long_ids, long_mask, 1, longest + 1), sonavec::error);
}

TEST(roberta, concurrent_forwards_agree) {
    golden_text_model model;
    auto ref = test::open_golden("text/text2.safetensors");
    auto ids = test::ints(*ref->find("input_ids"));
    auto mask = test::ints(*ref->find("attention_mask"));
    const auto seq = static_cast<int64_t>(ids.size());
    tensor expected = model.encoder.forward(ids, mask, 1, seq);

    std::vector<tensor> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results) threads.emplace_back([&] { r = model.encoder.forward(ids, mask, 1, seq); });
    for (auto& t : threads) t.join();
    for (const auto& r : results) EXPECT_EQ(r.data, expected.data);
}
