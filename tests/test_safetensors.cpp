#include <gtest/gtest.h>

#include "nn/safetensors.h"
#include "nn/weights.h"
#include "util/error.h"
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
