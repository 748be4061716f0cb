#include <gtest/gtest.h>

#include <cstring>

#include "nn/pytorch_checkpoint.h"
#include "nn/safetensors.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

namespace {

std::unique_ptr<tensor_file> open_fixture(const std::string& name) {
    return tensor_file::open(test::data_dir() / "pytorch" / name);
}

}  // namespace

TEST(pytorch_checkpoint, matches_safetensors_exactly) {
    auto pt = tensor_file::open(test::golden_dir() / "model/pytorch_model.bin");
    auto st = tensor_file::open(test::golden_dir() / "model/model.safetensors");
    ASSERT_NE(dynamic_cast<pytorch_checkpoint*>(pt.get()), nullptr);
    ASSERT_EQ(pt->tensors().size(), st->tensors().size());
    size_t i64_count = 0, scalar_count = 0;
    for (const auto& [name, expected] : st->tensors()) {
        const tensor_view* actual = pt->find(name);
        ASSERT_NE(actual, nullptr) << name;
        EXPECT_EQ(actual->type, expected.type) << name;
        EXPECT_EQ(actual->shape, expected.shape) << name;
        ASSERT_EQ(actual->nbytes, expected.nbytes) << name;
        EXPECT_EQ(std::memcmp(actual->data, expected.data, expected.nbytes), 0) << name;
        i64_count += expected.type == dtype::i64;
        scalar_count += expected.shape.empty();
    }
    EXPECT_GT(i64_count, 0u);  // position_ids and the like
    const tensor_view* scale = pt->find("logit_scale_a");
    ASSERT_NE(scale, nullptr);
    EXPECT_TRUE(scale->shape.empty());
    EXPECT_EQ(scale->nbytes, 4u);
    EXPECT_GT(scalar_count, 0u);
}

TEST(pytorch_checkpoint, storage_views_point_into_the_map_and_are_aligned) {
    auto pt = tensor_file::open(test::golden_dir() / "model/pytorch_model.bin");
    for (const auto& [name, v] : pt->tensors())
        EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data) % dtype_size(v.type), 0u) << name;
}

TEST(pytorch_checkpoint, shared_storage_views) {
    // Three tensors viewing one 12-float storage at offsets 0, 4 and 6, plus a _rebuild_parameter.
    auto f = open_fixture("shared_storage.bin");
    const tensor_view* a = f->find("a");
    const tensor_view* b = f->find("b");
    const tensor_view* c = f->find("c");
    const tensor_view* p = f->find("param");
    ASSERT_TRUE(a && b && c && p);
    EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(b->shape, (std::vector<int64_t>{2}));
    EXPECT_EQ(c->shape, (std::vector<int64_t>{3, 1, 2}));
    EXPECT_EQ(b->data, a->data + 4 * sizeof(float));
    EXPECT_EQ(c->data, a->data + 6 * sizeof(float));
    float values[6];
    std::memcpy(values, c->data, sizeof values);
    for (int i = 0; i < 6; i++) EXPECT_EQ(values[i], static_cast<float>(6 + i));
    EXPECT_EQ(p->type, dtype::f16);
    EXPECT_EQ(p->shape, (std::vector<int64_t>{3}));
}

TEST(pytorch_checkpoint, reads_zip_without_zip64_records_and_protocol_4) {
    auto f = open_fixture("plain_zip_protocol4.bin");
    const tensor_view* t = f->find("weight");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, dtype::bf16);
    EXPECT_EQ(t->shape, (std::vector<int64_t>{2, 3}));
}

TEST(pytorch_checkpoint, reads_zip64_extra_fields) {
    // Every size and offset is escaped to 0xffffffff and carried in ZIP64 extra fields, as in large files.
    auto f = open_fixture("zip64_extra.bin");
    const tensor_view* t = f->find("ids");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, dtype::i64);
    EXPECT_EQ(t->shape, (std::vector<int64_t>{4}));
    int64_t ids[4];
    std::memcpy(ids, t->data, sizeof ids);
    EXPECT_EQ(ids[3], -3);
}
