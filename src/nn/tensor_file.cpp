#include "nn/tensor_file.h"

#include <cstring>
#include <limits>

#include "nn/pytorch_checkpoint.h"
#include "nn/safetensors.h"
#include "sonavec/error.h"

namespace sonavec {

size_t dtype_size(dtype t) {
    switch (t) {
        case dtype::f64: case dtype::i64: return 8;
        case dtype::f32: case dtype::i32: return 4;
        case dtype::f16: case dtype::bf16: case dtype::i16: return 2;
        case dtype::i8: case dtype::u8: case dtype::boolean: return 1;
    }
    return 0;
}

const char* dtype_name(dtype t) {
    switch (t) {
        case dtype::f32: return "F32";
        case dtype::f16: return "F16";
        case dtype::bf16: return "BF16";
        case dtype::f64: return "F64";
        case dtype::i64: return "I64";
        case dtype::i32: return "I32";
        case dtype::i16: return "I16";
        case dtype::i8: return "I8";
        case dtype::u8: return "U8";
        case dtype::boolean: return "BOOL";
    }
    return "?";
}

int64_t tensor_view::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); i++) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

int64_t checked_numel(const std::vector<int64_t>& shape, const std::string& what) {
    if (shape.size() > 8)
        throw error(error_kind::unsupported, what + ": too many dimensions (" + std::to_string(shape.size()) + ")");
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) throw error(error_kind::corrupt_file, what + ": negative dimension in shape " + shape_string(shape));
        if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
            throw error(error_kind::corrupt_file, what + ": shape " + shape_string(shape) + " overflows");
        n *= d;
    }
    return n;
}

const tensor_view* tensor_file::find(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
}

std::unique_ptr<tensor_file> tensor_file::open(const std::filesystem::path& path) {
    auto file = std::make_unique<mapped_file>(path);
    // PyTorch zip checkpoints start with a local file header "PK\3\4"; anything else is tried as safetensors.
    if (file->size() >= 4 && std::memcmp(file->data(), "PK\x03\x04", 4) == 0)
        return std::make_unique<pytorch_checkpoint>(std::move(file));
    return std::make_unique<safetensors_file>(std::move(file));
}

}  // namespace sonavec
