// Opens a weight file with the reader tensor_file::open would choose and checks that every view it
// exposes lies inside the mapped bytes and matches its dtype and shape. Used by the mutation test and
// the fuzzers: a reader may refuse any input (sonavec::error propagates), but what it accepts must be sound.
#pragma once
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "nn/pytorch_checkpoint.h"
#include "nn/safetensors.h"

namespace sonavec::test {

// Returns "" when every view is sound, else a description of the first that is not.
inline std::string open_and_check_views(const std::filesystem::path& path) {
    auto file = std::make_unique<mapped_file>(path);
    const std::byte* begin = file->data();
    const std::byte* end = begin + file->size();
    const bool zip = file->size() >= 4 && std::memcmp(begin, "PK\x03\x04", 4) == 0;
    std::unique_ptr<tensor_file> reader;
    if (zip)
        reader = std::make_unique<pytorch_checkpoint>(std::move(file));
    else
        reader = std::make_unique<safetensors_file>(std::move(file));
    for (const auto& [name, v] : reader->tensors()) {
        const int64_t numel = checked_numel(v.shape, name);
        if (v.nbytes != static_cast<size_t>(numel) * dtype_size(v.type))
            return name + ": nbytes does not match shape and dtype";
        if (v.data < begin || v.data > end || v.nbytes > static_cast<size_t>(end - v.data))
            return name + ": view lies outside the mapped file";
    }
    return "";
}

}  // namespace sonavec::test
