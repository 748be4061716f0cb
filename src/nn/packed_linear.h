// An nn.Linear layer (weight [out, in], bias [out]) prepared once, at load, for oneDNN in one
// precision (sonavec/precision.h), in oneDNN's packed layout, so no call re-lays out the weights.
// Many rows split over the pool by rows; few rows (a text query) by ranges of whole packed column
// blocks, so each thread reads only its share of the weights.
//
//   packed_linear fc1 = pack_linear(weights, "layer.fc1", in, out, precision::bf16);
//   fc1.apply(x, rows, y, out);                   // y = x W^T + b, split over the pool
//   fc1.apply_serial(x, rows, y, ldy, true);     // y += x W^T + b, on this thread
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/onednn_matmul.h"
#include "nn/weights.h"
#include "sonavec/precision.h"

namespace sonavec {

class packed_linear {
public:
    // Layers whose outputs are concatenated (query, key and value as one product); bias may be null.
    struct part {
        const float* weight;  // [out, in] row-major
        const float* bias;    // [out] or null
        int64_t out;
    };

    packed_linear() = default;
    // gelu: the layer's output goes through exact-erf GELU (fused into the product's output pass).
    packed_linear(const std::vector<part>& parts, int64_t in, precision p, bool gelu = false);

    int64_t in() const { return in_; }
    int64_t out() const { return out_; }

    // y[rows, out] (rows ldy apart) = x[rows, in] W^T + bias (then GELU), plus the old y when accumulate
    // (not with GELU).
    void apply(const float* x, int64_t rows, float* y, int64_t ldy, bool accumulate = false) const;
    // The same on the calling thread only, for callers that already split the work over the pool.
    void apply_serial(const float* x, int64_t rows, float* y, int64_t ldy, bool accumulate = false) const;

private:
    struct column_range {
        int64_t first = 0, cols = 0;
    };
    // sums[rows, cols] (rows ld apart) are products of converted x with columns [first, first + cols):
    // scaled back (int8: row_range holds each row's step and low), plus the bias and GELU when
    // bias_and_gelu, written to y (or added to it when accumulate).
    void finish(const float* sums, int64_t ld, int64_t rows, column_range c, const float* row_range, float* y,
                int64_t ldy, bool accumulate, bool bias_and_gelu) const;
    // The product of `rows` converted rows with `cols` packed columns, written densely.
    matmul_shape product(int64_t rows, int64_t cols) const;
    // y columns c = x (converted) times those columns of W^T, through a dense scratch block.
    void run_columns(const void* x, const float* row_range, int64_t rows, column_range c, float* y, int64_t ldy,
                     bool accumulate) const;
    // Packs plain [out, in] weights of the element type into packed_.
    void pack(const void* plain);
    // Converts x into this layer's element type; returns a pointer to the converted rows.
    const void* convert(const float* x, int64_t rows, std::vector<std::byte>& buffer, std::vector<float>& row_range) const;
    // Column 0 is the start of any layout; other starts exist only in one cut into blocks (block_cols_ > 0).
    const std::byte* columns_at(int64_t first) const {
        return first == 0 ? packed_.get() : packed_.get() + static_cast<size_t>(first / block_cols_) * block_bytes_;
    }

    int64_t in_ = 0, out_ = 0;
    precision precision_ = precision::fp32;
    bool gelu_ = false;
    std::shared_ptr<std::byte> packed_;  // W^T [in, out] in oneDNN's packed layout
    int64_t block_cols_ = 0;   // columns per packed block; 0: the layout cannot be cut into column ranges
    size_t block_bytes_ = 0;
    std::vector<column_range> thread_columns_;  // one range per compute thread, for products with few rows
    std::vector<float> bias_;        // [out], empty when the layer has none
    std::vector<float> scale_;       // int8: weight scale per output channel
    std::vector<float> weight_sums_;  // int8: sum of each channel's int8 weights (activations are offset)
};

// The precision for an MLP's down projection, whose input is a GELU output: int8 loses the most
// there (lowest golden audio cosine 0.99955 with it in int8, 0.99980 in bf16), so int8 runs it in bf16.
precision down_projection_precision(precision p);

// Reads `prefix`.weight [out, in] (and `prefix`.bias [out] when with_bias) from the store, packs them,
// and releases the mapped pages of the float32 weight (the packed copy is what the tower reads).
// On a recording store it only records the names.
packed_linear pack_linear(weight_store& weights, const std::string& prefix, int64_t in, int64_t out, precision p,
                          bool with_bias = true, bool gelu = false);
// Several layers on the same input as one product: outputs concatenated in the order given.
packed_linear pack_linears(weight_store& weights, const std::vector<std::string>& prefixes, int64_t in, int64_t out,
                           precision p, bool with_bias = true, bool gelu = false);

}  // namespace sonavec
