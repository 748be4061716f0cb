// The number format of the towers' matrix products. fp32 is the reference; bf16 rounds weights and
// activations to bfloat16 with float32 sums; int8 quantizes weights per output channel (symmetric) and
// activations per row (over the row's own range) with int32 sums. Everything else (norms, softmax, GELU,
// attention) stays float32.
#pragma once
#include <string>

namespace sonavec {

enum class precision { fp32, bf16, int8 };

const char* precision_name(precision p);  // "fp32", "bf16", "int8"
// Throws error_kind::invalid_input naming the accepted values.
precision parse_precision(const std::string& name);
// Whether this CPU can run products in p: bf16 and int8 need oneDNN's AVX-512 kernels (an AVX2-only
// CPU has fp32 alone); an engine asked for one that is not is an error_kind::unsupported.
bool precision_available(precision p);

}  // namespace sonavec
