#include "sonavec/precision.h"

#include "sonavec/error.h"

namespace sonavec {

const char* precision_name(precision p) {
    switch (p) {
        case precision::fp32: return "fp32";
        case precision::bf16: return "bf16";
        case precision::int8: return "int8";
    }
    return "fp32";
}

precision parse_precision(const std::string& name) {
    for (precision p : {precision::fp32, precision::bf16, precision::int8})
        if (name == precision_name(p)) return p;
    throw error(error_kind::invalid_input, "unknown precision '" + name + "': expected fp32, bf16 or int8");
}

}  // namespace sonavec
