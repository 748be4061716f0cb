#include "util/float_text.h"

#include <cmath>
#include <cstdio>

namespace sonavec {

std::string format_float(float v) {
    // "%.9g" writes "-0", which JSON readers (nlohmann, Python) take for the integer 0 and lose the sign.
    if (v == 0 && std::signbit(v)) return "-0.0";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
    return buf;
}

std::string json_vector(const float* v, int64_t n) {
    std::string s = "[";
    for (int64_t i = 0; i < n; i++) {
        if (i) s += ",";
        s += format_float(v[i]);
    }
    return s + "]";
}

}  // namespace sonavec
