#include "library/segment_codes.h"

#include <cmath>
#include <algorithm>
#include <bit>
#include <cstring>

namespace sonavec {

void encode_int8(const float* v, int64_t dim, float& scale, int8_t* codes) {
    float peak = 0;
    for (int64_t i = 0; i < dim; i++) peak = std::max(peak, std::fabs(v[i]));
    scale = peak / 127.0f;
    const float inverse = peak > 0 ? 127.0f / peak : 0.0f;
    for (int64_t i = 0; i < dim; i++) {
        const float q = std::nearbyint(v[i] * inverse);
        codes[i] = static_cast<int8_t>(std::fmax(-127.0f, std::fmin(127.0f, q)));
    }
}

void decode_int8(float scale, const int8_t* codes, int64_t dim, float* out) {
    for (int64_t i = 0; i < dim; i++) out[i] = static_cast<float>(codes[i]) * scale;
}

std::vector<unsigned char> int8_code_blob(const float* v, const float* centre, int64_t dim) {
    std::vector<unsigned char> blob(int8_code_bytes(dim));
    std::vector<float> residual(static_cast<size_t>(dim));
    for (int64_t i = 0; i < dim; i++) residual[static_cast<size_t>(i)] = v[i] - centre[i];
    float scale = 0;
    encode_int8(residual.data(), dim, scale, reinterpret_cast<int8_t*>(blob.data() + sizeof(float)));
    std::memcpy(blob.data(), &scale, sizeof scale);
    return blob;
}

bool decode_int8_blob(const void* blob, size_t bytes, const float* centre, int64_t dim, float* out) {
    if (dim < 1 || bytes != int8_code_bytes(dim)) return false;
    float scale = 0;
    std::memcpy(&scale, blob, sizeof scale);
    if (!std::isfinite(scale) || scale < 0) return false;
    decode_int8(scale, reinterpret_cast<const int8_t*>(static_cast<const unsigned char*>(blob) + sizeof(float)), dim, out);
    for (int64_t i = 0; i < dim; i++) out[i] += centre[i];
    return true;
}

// IEEE 754 binary16 by hand (round to nearest, ties to even): GCC's _Float16 is not in clang 14 on
// x86-64, which the fuzz build uses.
uint16_t float_to_half(float v) {
    const uint32_t x = std::bit_cast<uint32_t>(v);
    const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000);
    const uint32_t magnitude = x & 0x7fffffff;
    if (magnitude > 0x7f800000) return static_cast<uint16_t>(sign | 0x7e00);  // NaN
    if (magnitude >= 0x477ff000) return static_cast<uint16_t>(sign | 0x7c00);  // rounds past 65504: infinity
    if (magnitude < 0x38800000) {  // below 2^-14: a subnormal half, or zero
        if (magnitude < 0x33000000) return sign;  // under half the smallest subnormal (ties go to even: 0)
        const uint32_t mantissa = (magnitude & 0x7fffff) | 0x800000;
        // A subnormal half counts units of 2^-24: the 24-bit mantissa shifted right by 126 - exponent.
        const int shift = 126 - static_cast<int>(magnitude >> 23);
        const uint32_t half = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1), midpoint = 1u << (shift - 1);
        return static_cast<uint16_t>(sign | (half + (rest > midpoint || (rest == midpoint && (half & 1)))));
    }
    const uint32_t rebased = magnitude - 0x38000000;  // the exponent from float's bias (127) to half's (15)
    const uint32_t half = rebased >> 13, rest = rebased & 0x1fff;
    return static_cast<uint16_t>(sign | (half + (rest > 0x1000 || (rest == 0x1000 && (half & 1)))));
}

float half_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000 | (mantissa << 13));  // infinity, NaN
    if (exponent == 0) return std::bit_cast<float>(sign) + (sign ? -1.0f : 1.0f) * std::ldexp(static_cast<float>(mantissa), -24);
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

}  // namespace sonavec
