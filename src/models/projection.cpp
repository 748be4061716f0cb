#include "models/projection.h"

#include "nn/ops.h"

namespace sonavec {

projection_layer::projection_layer(weight_store& weights, const std::string& prefix, int64_t in, int64_t out)
    : in_dim(in), out_dim(out) {
    w1 = weights.f32(prefix + ".linear1.weight", {out, in});
    b1 = weights.f32(prefix + ".linear1.bias", {out});
    w2 = weights.f32(prefix + ".linear2.weight", {out, out});
    b2 = weights.f32(prefix + ".linear2.bias", {out});
}

tensor projection_layer::forward(const tensor& x) const {
    const int64_t rows = x.numel() / in_dim;
    tensor hidden({rows, out_dim}), y({rows, out_dim});
    linear(x.ptr(), rows, in_dim, w1, b1, out_dim, hidden.ptr());
    relu_inplace(hidden.ptr(), hidden.numel());
    linear(hidden.ptr(), rows, out_dim, w2, b2, out_dim, y.ptr());
    return y;
}

}  // namespace sonavec
