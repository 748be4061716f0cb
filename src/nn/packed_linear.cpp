#include "nn/packed_linear.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <sys/mman.h>

#include "nn/fast_math.h"
#include "nn/onednn_matmul.h"
#include "nn/thread_pool.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// Below this many multiply-adds a product runs on one thread: splitting costs more than it saves.
constexpr int64_t parallel_min_work = 1 << 18;
constexpr float int8_max = 127.0f;
constexpr float uint8_max = 255.0f;

matmul_type element_type(precision p) {
    switch (p) {
        case precision::fp32: return matmul_type::f32;
        case precision::bf16: return matmul_type::bf16;
        case precision::int8: return matmul_type::u8s8;
    }
    return matmul_type::f32;
}

size_t element_size(precision p) { return p == precision::fp32 ? 4 : p == precision::bf16 ? 2 : 1; }

inline uint16_t to_bf16(float v) {
    const uint32_t bits = std::bit_cast<uint32_t>(v);
    return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// Nearest integer, ties to even, for |v| < 2^22 (the 1.5 * 2^23 trick; vectorises, unlike lrintf).
inline float round_even(float v) {
    const float magic = 12582912.0f;
    return (v + magic) - magic;
}

// In 16 float lanes: a float min or max over one accumulator does not vectorise without -ffast-math.
void min_max(const float* x, int64_t n, float& lo, float& hi) {
    constexpr int64_t lanes = 16;
    float l[lanes], h[lanes];
    for (int64_t j = 0; j < lanes; j++) l[j] = h[j] = x[0];
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int64_t j = 0; j < lanes; j++) {
            l[j] = std::min(l[j], x[i + j]);
            h[j] = std::max(h[j], x[i + j]);
        }
    lo = hi = x[0];
    for (; i < n; i++) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    for (int64_t j = 0; j < lanes; j++) {
        lo = std::min(lo, l[j]);
        hi = std::max(hi, h[j]);
    }
}

// Symmetric int8 of one row: q = round(x / scale), scale = max|x| / 127 (1 for an all-zero row).
float quantize_row(const float* x, int64_t n, int8_t* q) {
    float lo, hi;
    min_max(x, n, lo, hi);
    const float m = std::max(-lo, hi);
    const float scale = m > 0.0f ? m / int8_max : 1.0f;
    const float inv = m > 0.0f ? int8_max / m : 0.0f;
    for (int64_t i = 0; i < n; i++)
        q[i] = static_cast<int8_t>(static_cast<int32_t>(std::min(std::max(round_even(x[i] * inv), -int8_max), int8_max)));
    return scale;
}

// An activation row as unsigned bytes over its own range: x ~ low + step * q, q in [0, 255]. The
// range fits the row (GELU outputs are mostly positive), so it wastes no codes, unlike a symmetric one.
void quantize_row_range(const float* x, int64_t n, uint8_t* q, float& step, float& low) {
    float hi;
    min_max(x, n, low, hi);
    step = hi > low ? (hi - low) / uint8_max : 1.0f;
    const float inv = hi > low ? uint8_max / (hi - low) : 0.0f;
    for (int64_t i = 0; i < n; i++)
        q[i] = static_cast<uint8_t>(
            static_cast<int32_t>(std::min(std::max(round_even((x[i] - low) * inv), 0.0f), uint8_max)));
}

// Packed weights live in large chunks on transparent huge pages: far fewer page faults while packing
// and TLB misses while streaming the weights (a text query reads all of them once). Each layer holds
// its chunk alive; the chunk being filled is also held here, for the next layer.
constexpr size_t huge_page = size_t{2} << 20;
constexpr size_t arena_chunk = size_t{32} << 20;

std::shared_ptr<std::byte> huge_page_chunk(size_t bytes) {
    auto* p = static_cast<std::byte*>(std::aligned_alloc(huge_page, bytes));
    if (!p) throw error(error_kind::io, "out of memory packing weights (" + std::to_string(bytes) + " bytes)");
    ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without THP the chunk is ordinary memory
    return std::shared_ptr<std::byte>(p, std::free);
}

std::shared_ptr<std::byte> arena_bytes(size_t n) {
    static std::mutex mutex;
    static std::shared_ptr<std::byte> chunk;
    static size_t used = 0, capacity = 0;
    n = (std::max<size_t>(n, 1) + 63) / 64 * 64;
    std::lock_guard<std::mutex> lock(mutex);
    if (n > arena_chunk / 2) return huge_page_chunk((n + huge_page - 1) / huge_page * huge_page);
    if (!chunk || capacity - used < n) {
        chunk = huge_page_chunk(arena_chunk);
        used = 0;
        capacity = arena_chunk;
    }
    std::shared_ptr<std::byte> piece(chunk, chunk.get() + used);
    used += n;
    return piece;
}

}  // namespace

packed_linear::packed_linear(const std::vector<part>& parts, int64_t in, precision p, bool gelu)
    : in_(in), precision_(p), gelu_(gelu) {
    bool any_bias = false;
    for (const part& pt : parts) {
        if (pt.out < 1 || !pt.weight) throw error(error_kind::invalid_input, "packed_linear: empty layer");
        out_ += pt.out;
        any_bias = any_bias || pt.bias;
    }
    if (in_ < 1 || out_ < 1) throw error(error_kind::invalid_input, "packed_linear: empty layer");
    // W's rows in output order across the parts, and the bias.
    std::vector<const float*> row(static_cast<size_t>(out_));
    if (any_bias) bias_.assign(static_cast<size_t>(out_), 0.0f);
    int64_t r = 0;
    for (const part& pt : parts)
        for (int64_t i = 0; i < pt.out; i++, r++) {
            row[static_cast<size_t>(r)] = pt.weight + i * in_;
            if (pt.bias) bias_[static_cast<size_t>(r)] = pt.bias[i];
        }

    const matmul_type type = element_type(p);
    try {
        packed_ = arena_bytes(packed_matmul_weights_size(type, out_, in_));
        block_cols_ = packed_matmul_column_block(type, out_, in_, block_bytes_);
    } catch (const dnnl::error& e) {
        throw error(
            error_kind::unsupported,
            std::string("precision ") + precision_name(p) + " is not available on this CPU (oneDNN: " + e.what() + ")");
    }

    // One range of whole blocks per thread; a range must itself pack as the narrower matrix it is.
    const int64_t threads = current_threads();
    if (block_cols_ > 0 && threads > 1) {
        const int64_t blocks = (out_ + block_cols_ - 1) / block_cols_;
        for (int64_t t = 0; t < std::min(threads, blocks); t++) {
            const int64_t b0 = blocks * t / std::min(threads, blocks), b1 = blocks * (t + 1) / std::min(threads, blocks);
            const column_range c{b0 * block_cols_, std::min(out_, b1 * block_cols_) - b0 * block_cols_};
            size_t bytes = 0;
            if (packed_matmul_column_block(type, c.cols, in_, bytes) != block_cols_ || bytes != block_bytes_) {
                thread_columns_.clear();
                break;
            }
            thread_columns_.push_back(c);
        }
    }

    // W as plain [out, in] rows of the element type, then packed.
    const size_t esize = element_size(p);
    const float* first_row = row[0];
    bool contiguous = true;
    for (int64_t j = 1; j < out_ && contiguous; j++) contiguous = row[static_cast<size_t>(j)] == first_row + j * in_;
    if (p == precision::fp32 && contiguous) {  // already one [out, in] matrix in the mapped file
        pack(first_row);
        return;
    }
    // Not zero-filled (a vector would be): every byte is written below.
    const std::unique_ptr<std::byte[]> staging(new std::byte[static_cast<size_t>(out_ * in_) * esize]);
    std::byte* const plain = staging.get();
    if (p == precision::int8) {
        scale_.resize(static_cast<size_t>(out_));
        weight_sums_.resize(static_cast<size_t>(out_));
    }
    parallel_for(out_, 64, [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; j++) {
            const float* w = row[static_cast<size_t>(j)];
            std::byte* dst = plain + static_cast<size_t>(j * in_) * esize;
            if (p == precision::fp32) {
                std::memcpy(dst, w, static_cast<size_t>(in_) * 4);
            } else if (p == precision::bf16) {
                auto* d = reinterpret_cast<uint16_t*>(dst);
                for (int64_t i = 0; i < in_; i++) d[i] = to_bf16(w[i]);
            } else {
                auto* q = reinterpret_cast<int8_t*>(dst);
                scale_[static_cast<size_t>(j)] = quantize_row(w, in_, q);
                int64_t sum = 0;
                for (int64_t i = 0; i < in_; i++) sum += q[i];
                weight_sums_[static_cast<size_t>(j)] = static_cast<float>(sum);
            }
        }
    });
    pack(plain);
}

void packed_linear::pack(const void* plain) {
    const matmul_type type = element_type(precision_);
    if (thread_columns_.empty()) {
        pack_matmul_weights(type, out_, in_, plain, packed_.get());
        return;
    }
    // Each thread's columns pack on their own, in parallel (a packed column range is a matrix of its own).
    const size_t row_bytes = static_cast<size_t>(in_) * element_size(precision_);
    parallel_for(static_cast<int64_t>(thread_columns_.size()), 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) {
            const column_range& c = thread_columns_[static_cast<size_t>(t)];
            pack_matmul_weights(type, c.cols, in_, static_cast<const std::byte*>(plain) + c.first * row_bytes,
                                const_cast<std::byte*>(columns_at(c.first)));
        }
    });
}

matmul_shape packed_linear::product(int64_t rows, int64_t cols) const {
    matmul_shape shape;
    shape.m = rows;
    shape.n = cols;
    shape.k = in_;
    shape.lda = in_;
    shape.ldc = cols;
    shape.type = element_type(precision_);
    shape.packed_b = true;
    return shape;
}

const void* packed_linear::convert(const float* x, int64_t rows, std::vector<std::byte>& buffer,
                                   std::vector<float>& row_range) const {
    if (precision_ == precision::fp32) return x;
    buffer.resize(static_cast<size_t>(rows * in_) * element_size(precision_));
    if (precision_ == precision::bf16) {
        auto* d = reinterpret_cast<uint16_t*>(buffer.data());
        for (int64_t i = 0; i < rows * in_; i++) d[i] = to_bf16(x[i]);
    } else {
        row_range.resize(static_cast<size_t>(2 * rows));
        auto* q = reinterpret_cast<uint8_t*>(buffer.data());
        for (int64_t r = 0; r < rows; r++)
            quantize_row_range(x + r * in_, in_, q + r * in_, row_range[static_cast<size_t>(2 * r)],
                               row_range[static_cast<size_t>(2 * r + 1)]);
    }
    return buffer.data();
}

namespace {

// One row of finish(), with the choices made outside the loop so it vectorises.
template <bool int8, bool with_bias, bool accumulate>
void finish_row(const float* src, int64_t n, float step, float low, const float* __restrict scale,
                const float* __restrict weight_sum, const float* __restrict bias, float* dst) {
    for (int64_t j = 0; j < n; j++) {
        float v = src[j];
        // sum_k (low + step q_k) * scale_j w_jk = scale_j (step * sum_k q_k w_jk + low * sum_k w_jk)
        if constexpr (int8) v = (v * step + low * weight_sum[j]) * scale[j];
        if constexpr (with_bias) v += bias[j];
        if constexpr (accumulate) dst[j] += v;
        else dst[j] = v;
    }
}

}  // namespace

void packed_linear::finish(const float* sums, int64_t ld, int64_t rows, column_range c, const float* row_range,
                           float* y, int64_t ldy, bool accumulate, bool bias_and_gelu) const {
    const float* bias = bias_and_gelu && !bias_.empty() ? bias_.data() + c.first : nullptr;
    const bool int8 = precision_ == precision::int8;
    const float* scale = int8 ? scale_.data() + c.first : nullptr;
    const float* weight_sum = int8 ? weight_sums_.data() + c.first : nullptr;
    using row_fn = void (*)(const float*, int64_t, float, float, const float*, const float*, const float*, float*);
    static constexpr row_fn variants[8] = {
        finish_row<false, false, false>, finish_row<false, false, true>, finish_row<false, true, false>,
        finish_row<false, true, true>,   finish_row<true, false, false>, finish_row<true, false, true>,
        finish_row<true, true, false>,   finish_row<true, true, true>};
    const row_fn row = variants[(int8 ? 4 : 0) + (bias ? 2 : 0) + (accumulate ? 1 : 0)];
    // In place (src == dst) is fine: each element is read before it is written.
    for (int64_t r = 0; r < rows; r++) {
        float* dst = y + r * ldy + c.first;
        row(sums + r * ld, c.cols, int8 ? row_range[2 * r] : 1.0f, int8 ? row_range[2 * r + 1] : 0.0f, scale, weight_sum,
            bias, dst);
        if (gelu_ && bias_and_gelu) gelu_fast_range(dst, 0, c.cols);  // while the row is in L1
    }
}

void packed_linear::run_columns(const void* x, const float* row_range, int64_t rows, column_range c, float* y,
                                int64_t ldy, bool accumulate) const {
    matmul_shape shape = product(rows, c.cols);
    // Float products add the bias and GELU in oneDNN's output pass, as the dense path does, so a row's
    // result does not depend on which path ran it.
    const bool int8 = precision_ == precision::int8;
    shape.bias = !int8 && !bias_.empty();
    shape.gelu = !int8 && gelu_;
    thread_local std::vector<float> sums;
    sums.resize(static_cast<size_t>(rows * c.cols));
    onednn_matmul(shape, x, columns_at(c.first), shape.bias ? bias_.data() + c.first : nullptr, sums.data());
    finish(sums.data(), c.cols, rows, c, row_range, y, ldy, accumulate, int8);
}

void packed_linear::apply_serial(const float* x, int64_t rows, float* y, int64_t ldy, bool accumulate) const {
    if (rows <= 0) return;
    if (accumulate && gelu_)
        throw error(error_kind::invalid_input, "packed_linear: a GELU layer cannot accumulate into its output");
    thread_local std::vector<std::byte> buffer;
    thread_local std::vector<float> row_range;
    const void* xc = convert(x, rows, buffer, row_range);
    const column_range all{0, out_};
    // The packed kernels want a dense output; int8 sums are scaled after, so they are written raw.
    if (ldy != out_ || (precision_ == precision::int8 && accumulate)) {
        run_columns(xc, row_range.data(), rows, all, y, ldy, accumulate);
        return;
    }
    matmul_shape shape = product(rows, out_);
    if (precision_ == precision::int8) {
        onednn_matmul(shape, xc, packed_.get(), nullptr, y);
        finish(y, out_, rows, all, row_range.data(), y, ldy, false, true);
        return;
    }
    shape.accumulate = accumulate;
    shape.bias = !bias_.empty();
    shape.gelu = gelu_;
    onednn_matmul(shape, xc, packed_.get(), bias_.empty() ? nullptr : bias_.data(), y);
}

void packed_linear::apply(const float* x, int64_t rows, float* y, int64_t ldy, bool accumulate) const {
    if (rows <= 0) return;
    if (accumulate && gelu_) throw error(error_kind::invalid_input, "packed_linear: a GELU layer cannot accumulate into its output");
    if (current_threads() == 1 || rows * out_ * in_ < parallel_min_work) {
        apply_serial(x, rows, y, ldy, accumulate);
    } else if (rows >= out_ || thread_columns_.size() < 2) {
        parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
            apply_serial(x + r0 * in_, r1 - r0, y + r0 * ldy, ldy, accumulate);
        });
    } else {
        // Few rows: convert them once, then each thread multiplies by its own columns of the weights.
        std::vector<std::byte> buffer;
        std::vector<float> row_range;
        const void* xc = convert(x, rows, buffer, row_range);
        parallel_for(static_cast<int64_t>(thread_columns_.size()), 1, [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; t++)
                run_columns(xc, row_range.data(), rows, thread_columns_[static_cast<size_t>(t)], y, ldy, accumulate);
        });
    }
}

precision down_projection_precision(precision p) { return p == precision::int8 ? precision::bf16 : p; }

packed_linear pack_linears(weight_store& weights, const std::vector<std::string>& prefixes, int64_t in, int64_t out,
                           precision p, bool with_bias, bool gelu) {
    std::vector<packed_linear::part> parts;
    for (const std::string& prefix : prefixes)
        parts.push_back({weights.f32(prefix + ".weight", {out, in}),
                         with_bias ? weights.f32(prefix + ".bias", {out}) : nullptr, out});
    if (weights.recording()) return {};
    packed_linear packed(parts, in, p, gelu);
    for (const std::string& prefix : prefixes) weights.release_pages(prefix + ".weight");
    return packed;
}

packed_linear pack_linear(weight_store& weights, const std::string& prefix, int64_t in, int64_t out, precision p,
                          bool with_bias, bool gelu) {
    return pack_linears(weights, {prefix}, in, out, p, with_bias, gelu);
}

}  // namespace sonavec
