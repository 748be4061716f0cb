// A model's weights, looked up by their exact checkpoint names, in one place. Float32 tensors are
// used in place in the mapped file; other float types are converted once on first use.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "nn/tensor_file.h"

namespace sonavec {

class weight_store {
public:
    explicit weight_store(std::unique_ptr<tensor_file> file);

    // A store backed by no file: every f32() lookup is recorded and answered with zeros. Building the
    // towers on it tells `model random` exactly which tensors an architecture needs.
    static std::unique_ptr<weight_store> recorder();
    const std::vector<std::pair<std::string, std::vector<int64_t>>>& recorded() const { return recorded_; }
    bool recording() const { return !file_; }

    // model.safetensors if present, else pytorch_model.bin.
    static std::unique_ptr<weight_store> open_model_dir(const std::filesystem::path& dir);

    // The tensor as float32, after checking it exists and has exactly this shape.
    // Throws sonavec::error naming the tensor and both shapes otherwise.
    const float* f32(const std::string& name, const std::vector<int64_t>& shape);
    // For a tensor that was packed into a copy of its own: frees its converted float32 copy, if any, and
    // drops its mapped pages from memory. Pointers f32() returned for it must not be used after.
    void release_pages(const std::string& name);

    bool has(const std::string& name) const { return find(name) != nullptr; }
    const tensor_view* find(const std::string& name) const { return file_ ? file_->find(name) : nullptr; }
    const tensor_file& file() const { return *file_; }

    // Names under `prefix` that no f32() call asked for: tensors the model code does not know.
    std::vector<std::string> unused(const std::string& prefix) const;

private:
    std::unique_ptr<tensor_file> file_;
    mutable std::mutex mutex_;
    std::set<std::string> used_;
    std::map<std::string, std::vector<float>> converted_;
    std::vector<std::pair<std::string, std::vector<int64_t>>> recorded_;
    std::vector<std::unique_ptr<float, void (*)(void*)>> zeros_;
};

}  // namespace sonavec
