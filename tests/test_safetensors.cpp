#include <gtest/gtest.h>

#include "nn/safetensors.h"
#include "nn/weights.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

TEST(safetensors, reads_golden_model) {
    auto f = tensor_file::open(test::golden_dir() / "model/model.safetensors");
    const tensor_view* q = f->find("audio_model.audio_encoder.layers.0.blocks.0.attention.self.query.weight");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->type, dtype::f32);
    EXPECT_EQ(q->shape, (std::vector<int64_t>{16, 16}));
}

TEST(safetensors, wrong_shape_error_names_both_shapes) {
    weight_store w(tensor_file::open(test::golden_dir() / "model/model.safetensors"));
    try {
        w.f32("audio_model.audio_encoder.layers.0.blocks.0.attention.self.query.weight", {16, 17});
        FAIL() << "expected an error";
    } catch (const sonavec::error& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("[16, 16]"), std::string::npos) << msg;
        EXPECT_NE(msg.find("[16, 17]"), std::string::npos) << msg;
    }
    EXPECT_THROW(w.f32("no.such.tensor", {1}), sonavec::error);
}

TEST(safetensors, float32_weights_are_used_in_place_not_copied) {
    weight_store w(tensor_file::open(test::golden_dir() / "model/model.safetensors"));
    const std::string name = "audio_projection.linear1.weight";
    const float* p = w.f32(name, {48, 128});
    EXPECT_EQ(static_cast<const void*>(p), static_cast<const void*>(w.find(name)->data));
}

TEST(safetensors, recorder_lists_what_the_model_asks_for) {
    auto rec = weight_store::recorder();
    const float* p = rec->f32("a.weight", {3, 4});
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 12; i++) EXPECT_EQ(p[i], 0.0f);
    rec->f32("b.bias", {4});
    ASSERT_EQ(rec->recorded().size(), 2u);
    EXPECT_EQ(rec->recorded()[0].first, "a.weight");
    EXPECT_EQ(rec->recorded()[0].second, (std::vector<int64_t>{3, 4}));
}
