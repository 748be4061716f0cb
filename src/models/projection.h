// The two-layer projection that maps each tower's pooled output into the shared space.
// ref: modeling_clap.py ClapProjectionLayer (linear1 -> relu -> linear2)
#pragma once
#include <string>

#include "nn/tensor.h"
#include "nn/weights.h"

namespace sonavec {

struct projection_layer {
    int64_t in_dim = 0, out_dim = 0;
    const float* w1 = nullptr;
    const float* b1 = nullptr;
    const float* w2 = nullptr;
    const float* b2 = nullptr;

    // prefix: "audio_projection" or "text_projection"
    projection_layer(weight_store& weights, const std::string& prefix, int64_t in_dim, int64_t out_dim);

    // x: [rows, in_dim] -> [rows, out_dim], not normalised.
    tensor forward(const tensor& x) const;
};

}  // namespace sonavec
