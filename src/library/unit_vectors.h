// Arithmetic on the library's unit vectors (recommendations, paths), in double for the sums.
#pragma once
#include <cmath>
#include <span>
#include <vector>

#include "sonavec/error.h"

namespace sonavec {

inline double dot(std::span<const float> a, std::span<const float> b) {
    double s = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); i++) s += static_cast<double>(a[i]) * b[i];
    return s;
}

// v scaled to unit length; invalid_input, saying `what`, when it is (nearly) zero.
inline std::vector<float> normalised(const std::vector<double>& v, const char* what) {
    double n = 0;
    for (double x : v) n += x * x;
    n = std::sqrt(n);
    if (!(n > 1e-9)) throw error(error_kind::invalid_input, what);
    std::vector<float> out(v.size());
    for (size_t i = 0; i < v.size(); i++) out[i] = static_cast<float>(v[i] / n);
    return out;
}

}  // namespace sonavec
