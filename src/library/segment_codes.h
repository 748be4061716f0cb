// The compact form of a segment window's vector (library::find): int8 codes with one float32 scale per
// vector, a quarter of float32's bytes, of the window's difference from its recording's own vector (the
// track's unit vector, stored beside it). A recording's windows lie close together, so the difference is
// small and the codes spend their 8 bits on what tells one window from the next; coding the windows
// themselves lost a seventh of the nearest neighbours on the random model's tightly packed vectors
// (BENCHMARKS.md "Finding moments: the storage" measures int8, this residual int8 and float16 against
// float32; float16 is kept here for that measurement).
//
// Stored layout (the windows table's vector BLOB of a segments-plan row): the scale as little-endian
// float32, then dim int8 codes; value i is centre[i] + codes[i] x scale. Its size, dim + 4 bytes, never
// equals a float32 vector's 4 x dim, so a row's BLOB says which form it holds.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sonavec {

// A catalog row's window_plan label (window_plan_label) of the segments plan: "segments", "segments hop=2 s".
inline bool is_segments_plan(const std::string& label) { return label == "segments" || label.rfind("segments ", 0) == 0; }

inline size_t int8_code_bytes(int64_t dim) { return static_cast<size_t>(dim) + sizeof(float); }

// scale = max |v_i| / 127 (0 for a zero vector), codes = round(v_i / scale): each value within scale / 2.
void encode_int8(const float* v, int64_t dim, float& scale, int8_t* codes);
void decode_int8(float scale, const int8_t* codes, int64_t dim, float* out);

// The BLOB layout above: v - centre, coded.
std::vector<unsigned char> int8_code_blob(const float* v, const float* centre, int64_t dim);
// false when the blob is not dim + 4 bytes or its scale is not finite and non-negative.
bool decode_int8_blob(const void* blob, size_t bytes, const float* centre, int64_t dim, float* out);

// IEEE binary16, round to nearest even: the storage compared against int8 in the benchmark.
uint16_t float_to_half(float v);
float half_to_float(uint16_t h);

}  // namespace sonavec
