// An owned float32 activation tensor: shape plus row-major data. Model code passes these between
// blocks; kernels take raw pointers.
#pragma once
#include <cstdint>
#include <vector>

namespace sonavec {

struct tensor {
    std::vector<int64_t> shape;
    std::vector<float> data;

    tensor() = default;
    explicit tensor(std::vector<int64_t> s) : shape(std::move(s)), data(static_cast<size_t>(count(shape))) {}

    int64_t numel() const { return static_cast<int64_t>(data.size()); }
    float* ptr() { return data.data(); }
    const float* ptr() const { return data.data(); }

    static int64_t count(const std::vector<int64_t>& s) {
        int64_t n = 1;
        for (int64_t d : s) n *= d;
        return n;
    }
};

}  // namespace sonavec
