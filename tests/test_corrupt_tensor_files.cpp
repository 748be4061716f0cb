// Every deliberately broken fixture (tests/data/corrupt, made by make_corrupt_fixtures.py) must be
// refused with a sonavec::error whose message says what is wrong, never a crash.
#include <gtest/gtest.h>

#include "nn/tensor_file.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

namespace {

struct corrupt_case {
    const char* file;
    const char* message;  // a fragment the error must contain
};

const corrupt_case corrupt_cases[] = {
    // PyTorch zip checkpoints
    {"truncated.bin", "end-of-central-directory"},
    {"truncated_end_record.bin", "end-of-central-directory"},
    {"bad_cd_offset.bin", "central directory"},
    {"bad_cd_size.bin", "central directory"},
    {"too_many_entries.bin", "cannot fit"},
    {"bad_zip64_locator.bin", "ZIP64 end record offset"},
    {"bad_cd_offset_classic.bin", "central directory"},
    {"bad_local_header_offset.bin", "no local header"},
    {"local_name_mismatch.bin", "different entry"},
    {"short_storage.bin", "holds 8 bytes, not 4 F32 elements"},
    {"tensor_past_storage.bin", "run past the 4-element storage"},
    {"missing_storage.bin", "missing zip entry 'archive/data/0'"},
    {"compressed_entry.bin", "is compressed (method 8)"},
    {"forbidden_global.bin", "refusing global 'os.system'"},
    {"deep_marks.bin", "nesting deeper than"},
    {"deep_tuples.bin", "is a tuple, not a tensor"},
    {"negative_size.bin", "negative dimension"},
    {"huge_size.bin", "overflows"},
    {"huge_offset.bin", "run past the 4-element storage"},
    {"negative_storage_numel.bin", "storage size -4 is negative"},
    {"noncontiguous.bin", "not contiguous row-major"},
    {"huge_string.bin", "too long"},
    {"unknown_memo.bin", "memo entry 99 was never stored"},
    {"unsupported_opcode.bin", "unsupported pickle opcode 0x81"},
    {"mixed_storage_types.bin", "read as both F32 and I32"},
    {"storage_numel_mismatch.bin", "given 8 elements here and 4 elsewhere"},
    {"not_a_state_dict.bin", "not a state dict"},
    {"big_endian.bin", "big-endian"},
    // safetensors
    {"header_past_eof.safetensors", "exceeds the file size"},
    {"too_short.safetensors", "shorter than its 8-byte header length"},
    {"non_json_header.safetensors", "not a JSON object"},
    {"header_not_object.safetensors", "not a JSON object"},
    {"overlapping_offsets.safetensors", "overlap"},
    {"offsets_out_of_range.safetensors", "fall outside"},
    {"offsets_reversed.safetensors", "fall outside"},
    {"wrong_byte_count.safetensors", "needs 16"},
    {"huge_dims.safetensors", "overflows"},
    {"implausible_dim.safetensors", "implausible"},
    {"negative_dim.safetensors", "non-negative"},
    {"unknown_dtype.safetensors", "unsupported dtype 'F128'"},
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
