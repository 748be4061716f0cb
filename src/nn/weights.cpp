#include "nn/weights.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "sonavec/error.h"
#include "sonavec/model.h"

namespace sonavec {

namespace {

float half_to_float(uint16_t h) {
    const uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: renormalise
            int e = -1;
            uint32_t m = mant;
            do { e++; m <<= 1; } while ((m & 0x400u) == 0);
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (m & 0x3ffu) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

}  // namespace

weight_store::weight_store(std::unique_ptr<tensor_file> file) : file_(std::move(file)) {}

std::unique_ptr<weight_store> weight_store::open_model_dir(const std::filesystem::path& dir) {
    for (const char* name : {"model.safetensors", "pytorch_model.bin"}) {
        auto p = dir / name;
        if (std::filesystem::exists(p)) return std::make_unique<weight_store>(tensor_file::open(p));
    }
    throw error(error_kind::not_found,
                "no weights in " + dir.string() + ": expected model.safetensors or pytorch_model.bin");
}

std::unique_ptr<weight_store> weight_store::recorder() { return std::make_unique<weight_store>(nullptr); }

const float* weight_store::f32(const std::string& name, const std::vector<int64_t>& shape) {
    if (!file_) {
        std::lock_guard<std::mutex> lock(mutex_);
        recorded_.emplace_back(name, shape);
        // calloc: zero pages cost no memory until touched, so recording a 600 MB model is cheap.
        const size_t n = static_cast<size_t>(std::max<int64_t>(1, checked_numel(shape, name)));
        auto* p = static_cast<float*>(std::calloc(n, sizeof(float)));
        if (!p) throw error(error_kind::io, "out of memory recording tensor '" + name + "'");
        zeros_.emplace_back(p, std::free);
        return p;
    }
    const tensor_view* v = file_->find(name);
    if (!v)
        throw error(error_kind::corrupt_file,
                    "weights " + file_->path().string() + ": missing tensor '" + name + "' (expected shape " +
                        shape_string(shape) + ")");
    if (v->shape != shape)
        throw error(error_kind::corrupt_file,
                    "weights " + file_->path().string() + ": tensor '" + name + "' has shape " +
                        shape_string(v->shape) + ", expected " + shape_string(shape));
    std::lock_guard<std::mutex> lock(mutex_);
    used_.insert(name);
    const bool aligned = reinterpret_cast<uintptr_t>(v->data) % alignof(float) == 0;
    if (v->type == dtype::f32 && aligned) return reinterpret_cast<const float*>(v->data);
    auto it = converted_.find(name);
    if (it != converted_.end()) return it->second.data();
    std::vector<float> out(static_cast<size_t>(v->numel()));
    for (size_t i = 0; i < out.size(); i++) {
        const std::byte* p = v->data + i * dtype_size(v->type);
        switch (v->type) {
            case dtype::f32: std::memcpy(&out[i], p, 4); break;  // misaligned in the file: copy once
            case dtype::f16: { uint16_t h; std::memcpy(&h, p, 2); out[i] = half_to_float(h); break; }
            case dtype::bf16: {
                uint16_t h; std::memcpy(&h, p, 2);
                uint32_t bits = static_cast<uint32_t>(h) << 16;
                std::memcpy(&out[i], &bits, 4);
                break;
            }
            case dtype::f64: { double d; std::memcpy(&d, p, 8); out[i] = static_cast<float>(d); break; }
            default:
                throw error(error_kind::unsupported,
                            "weights: tensor '" + name + "' has dtype " + dtype_name(v->type) +
                                ", expected a floating-point type");
        }
    }
    return converted_.emplace(name, std::move(out)).first->second.data();
}

void weight_store::release_pages(const std::string& name) {
    const tensor_view* v = find(name);
    if (!v) return;
    std::lock_guard<std::mutex> lock(mutex_);
    converted_.erase(name);
    file_->release(*v);
}

std::vector<std::string> weight_store::unused(const std::string& prefix) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    if (!file_) return out;
    for (auto& [name, view] : file_->tensors())
        if (name.rfind(prefix, 0) == 0 && !used_.count(name)) out.push_back(name);
    return out;
}

// f32 only: the common case, and the only type the towers use in place.
int64_t count_non_finite_weights(const std::filesystem::path& model_dir) {
    const auto store = weight_store::open_model_dir(model_dir);
    int64_t bad = 0;
    for (const auto& [name, v] : store->file().tensors()) {
        if (v.type != dtype::f32) continue;
        for (int64_t i = 0; i < v.numel(); i++) {
            float x;
            std::memcpy(&x, v.data + i * 4, 4);
            if (!std::isfinite(x)) bad++;
        }
    }
    return bad;
}

}  // namespace sonavec
