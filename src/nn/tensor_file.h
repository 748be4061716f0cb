// What every weight-file reader (safetensors, PyTorch zip checkpoint) yields: named, typed, shaped
// views into a memory-mapped file. Readers validate every size and offset before exposing a view.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "util/mapped_file.h"

namespace sonavec {

enum class dtype { f32, f16, bf16, f64, i64, i32, i16, i8, u8, boolean };

size_t dtype_size(dtype t);
const char* dtype_name(dtype t);

struct tensor_view {
    dtype type = dtype::f32;
    std::vector<int64_t> shape;
    const std::byte* data = nullptr;  // points into the mapped file; contiguous, row-major
    size_t nbytes = 0;

    int64_t numel() const;
};

std::string shape_string(const std::vector<int64_t>& shape);

// A file of named tensors. Keeps its mapping alive for as long as views are used.
class tensor_file {
public:
    virtual ~tensor_file() = default;
    const std::map<std::string, tensor_view>& tensors() const { return tensors_; }
    const tensor_view* find(const std::string& name) const;
    const std::filesystem::path& path() const { return file_->path(); }
    // Drops the view's mapped pages from memory (see mapped_file::release).
    void release(const tensor_view& v) const { file_->release(v.data, v.nbytes); }

    // Opens model.safetensors or pytorch_model.bin, choosing the reader by content.
    static std::unique_ptr<tensor_file> open(const std::filesystem::path& path);

protected:
    std::unique_ptr<mapped_file> file_;
    std::map<std::string, tensor_view> tensors_;
};

// Product of dims with overflow and negativity checks; throws sonavec::error on hostile shapes.
int64_t checked_numel(const std::vector<int64_t>& shape, const std::string& what);

}  // namespace sonavec
