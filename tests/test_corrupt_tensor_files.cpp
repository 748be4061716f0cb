// Every deliberately broken fixture (tests/data/corrupt, made by make_corrupt_fixtures.py) must be
// refused with a sonavec::error whose message says what is wrong and whose kind says damaged (corrupt_file)
// or well-formed but not handled (unsupported), never a crash.
#include <gtest/gtest.h>

#include "nn/tensor_file.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

namespace {

struct corrupt_case {
    const char* file;
    const char* message;  // a fragment the error must contain
    error_kind kind;      // unsupported: well-formed, but a feature this reader does not handle
};

const corrupt_case corrupt_cases[] = {
    // PyTorch zip checkpoints
    {"truncated.bin", "end-of-central-directory", error_kind::corrupt_file},
    {"truncated_end_record.bin", "end-of-central-directory", error_kind::corrupt_file},
    {"bad_cd_offset.bin", "central directory", error_kind::corrupt_file},
    {"bad_cd_size.bin", "central directory", error_kind::corrupt_file},
    {"too_many_entries.bin", "cannot fit", error_kind::corrupt_file},
    {"bad_zip64_locator.bin", "ZIP64 end record offset", error_kind::corrupt_file},
    {"bad_cd_offset_classic.bin", "central directory", error_kind::corrupt_file},
    {"bad_local_header_offset.bin", "no local header", error_kind::corrupt_file},
    {"local_name_mismatch.bin", "different entry", error_kind::corrupt_file},
    {"short_storage.bin", "holds 8 bytes, not 4 F32 elements", error_kind::corrupt_file},
    {"tensor_past_storage.bin", "run past the 4-element storage", error_kind::corrupt_file},
    {"missing_storage.bin", "missing zip entry 'archive/data/0'", error_kind::corrupt_file},
    {"compressed_entry.bin", "is compressed (method 8)", error_kind::unsupported},
    {"forbidden_global.bin", "refusing global 'os.system'", error_kind::unsupported},
    {"deep_marks.bin", "nesting deeper than", error_kind::corrupt_file},
    {"deep_tuples.bin", "is a tuple, not a tensor", error_kind::corrupt_file},
    {"negative_size.bin", "negative dimension", error_kind::corrupt_file},
    {"huge_size.bin", "overflows", error_kind::corrupt_file},
    {"huge_offset.bin", "run past the 4-element storage", error_kind::corrupt_file},
    {"negative_storage_numel.bin", "storage size -4 is negative", error_kind::corrupt_file},
    {"noncontiguous.bin", "not contiguous row-major", error_kind::unsupported},
    {"huge_string.bin", "too long", error_kind::corrupt_file},
    {"unknown_memo.bin", "memo entry 99 was never stored", error_kind::corrupt_file},
    {"unsupported_opcode.bin", "unsupported pickle opcode 0x81", error_kind::unsupported},
    {"mixed_storage_types.bin", "read as both F32 and I32", error_kind::corrupt_file},
    {"storage_numel_mismatch.bin", "given 8 elements here and 4 elsewhere", error_kind::corrupt_file},
    {"not_a_state_dict.bin", "not a state dict", error_kind::corrupt_file},
    {"big_endian.bin", "big-endian", error_kind::unsupported},
    // safetensors
    {"header_past_eof.safetensors", "exceeds the file size", error_kind::corrupt_file},
    {"too_short.safetensors", "shorter than its 8-byte header length", error_kind::corrupt_file},
    {"non_json_header.safetensors", "not a JSON object", error_kind::corrupt_file},
    {"header_not_object.safetensors", "not a JSON object", error_kind::corrupt_file},
    {"overlapping_offsets.safetensors", "overlap", error_kind::corrupt_file},
    {"offsets_out_of_range.safetensors", "fall outside", error_kind::corrupt_file},
    {"offsets_reversed.safetensors", "fall outside", error_kind::corrupt_file},
    {"wrong_byte_count.safetensors", "needs 16", error_kind::corrupt_file},
    {"huge_dims.safetensors", "overflows", error_kind::corrupt_file},
    {"implausible_dim.safetensors", "implausible", error_kind::corrupt_file},
    {"negative_dim.safetensors", "non-negative", error_kind::corrupt_file},
    {"unknown_dtype.safetensors", "unsupported dtype 'F128'", error_kind::unsupported},
};

class corrupt_file : public testing::TestWithParam<corrupt_case> {};

}  // namespace

TEST_P(corrupt_file, is_refused_with_a_clear_error) {
    const corrupt_case& c = GetParam();
    const auto path = test::data_dir() / "corrupt" / c.file;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    try {
        tensor_file::open(path);
        FAIL() << c.file << " was accepted";
    } catch (const sonavec::error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(c.message), std::string::npos) << c.file << ": " << message;
        EXPECT_STREQ(error_kind_name(e.kind()), error_kind_name(c.kind)) << c.file << ": " << message;
        EXPECT_NE(message.find(c.file), std::string::npos) << "the error should name the file: " << message;
    }
}

INSTANTIATE_TEST_SUITE_P(fixtures, corrupt_file, testing::ValuesIn(corrupt_cases),
                         [](const testing::TestParamInfo<corrupt_case>& info) {
                             std::string name = info.param.file;
                             for (char& ch : name)
                                 if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });
