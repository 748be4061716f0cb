// Writes float32 tensors as a safetensors file, streaming each tensor's data from a callback so a
// 600 MB model never sits in memory twice.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sonavec {

struct tensor_to_write {
    std::string name;
    std::vector<int64_t> shape;
};

// fill(index, out) writes tensor `index`'s numel floats into out.
void write_safetensors(const std::filesystem::path& path, const std::vector<tensor_to_write>& tensors,
                       const std::function<void(size_t, float*)>& fill);

}  // namespace sonavec
