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

uint16_t float_to_half(float v) { return std::bit_cast<uint16_t>(static_cast<_Float16>(v)); }

float half_to_float(uint16_t h) { return static_cast<float>(std::bit_cast<_Float16>(h)); }

}  // namespace sonavec
