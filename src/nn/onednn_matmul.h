// Matrix products through oneDNN, compiled once per shape and run on the calling thread: the compute
// pool has already split the work. Used by ops.cpp (float products with a transposed B) and by
// packed_linear (weights packed at load in float32, bfloat16 or int8).
#pragma once
#include <compare>
#include <cstddef>
#include <cstdint>

namespace sonavec {

// Element types of A and B; C is always float32. u8s8: A unsigned, B signed 8-bit integers.
enum class matmul_type { f32, bf16, u8s8 };

// C[m,n] (rows ldc apart) = A[m,k] (rows lda apart) * B + bias[n] (when bias) + C (when accumulate).
// B is either plain, B^T stored as [n,k] rows ldb apart (packed_b false), or packed with
// pack_matmul_weights (packed_b true, ldb unused). For u8s8, C receives the exact integer sums as
// floats and bias must be false: the caller applies its scales. A packed C must be dense (ldc == n) for
// oneDNN's packed kernels; other strides work through a slower path.
struct matmul_shape {
    int64_t m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
    matmul_type type = matmul_type::f32;
    bool packed_b = false, accumulate = false, bias = false;
    bool gelu = false;  // exact-erf GELU of the result after the bias (not with accumulate)
    auto operator<=>(const matmul_shape&) const = default;
};

void onednn_matmul(const matmul_shape& shape, const void* a, const void* b, const float* bias, float* c);

// Bytes of B [n,k] (an nn.Linear weight) in oneDNN's packed layout for this type; the layout does not
// depend on m, so one packed copy serves every batch size.
size_t packed_matmul_weights_size(matmul_type type, int64_t n, int64_t k);
// Packs weight [n,k] (row-major, elements of B's type) into `packed` (packed_matmul_weights_size bytes,
// 64-byte aligned).
// When the packed layout stores whole blocks of columns one after another, the width of a block (and
// its bytes through block_bytes): then columns [j*width, j*width + w) of a packed B, at byte offset
// j*block_bytes, are themselves a packed B of w columns. 0 when the layout does not allow that.
int64_t packed_matmul_column_block(matmul_type type, int64_t n, int64_t k, size_t& block_bytes);
void pack_matmul_weights(matmul_type type, int64_t n, int64_t k, const void* weight, void* packed);

}  // namespace sonavec
