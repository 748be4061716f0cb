#include "sonavec/precision.h"

#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "nn/onednn_matmul.h"
#include "sonavec/error.h"
#include "util/enum_names.h"

namespace sonavec {

namespace {

constexpr enum_name<precision> precision_names[] = {
    {precision::fp32, "fp32"}, {precision::bf16, "bf16"}, {precision::int8, "int8"}};

}  // namespace

const char* precision_name(precision p) { return name_of(precision_names, p); }

precision parse_precision(const std::string& name) { return parse_name(precision_names, name, "precision"); }

bool precision_available(precision p) {
    // int8 runs the MLPs' down projections in bf16 (down_projection_precision), so it needs both.
    std::vector<matmul_type> types{matmul_type::f32};
    if (p != precision::fp32) types = {matmul_type::bf16};
    if (p == precision::int8) types.push_back(matmul_type::u8s8);
    try {
        for (matmul_type type : types)  // oneDNN refuses the layout where it has no kernel
            if (packed_matmul_weights_size(type, 64, 64) == 0) return false;
        return true;
    } catch (const dnnl::error&) {
        return false;
    }
}

}  // namespace sonavec
