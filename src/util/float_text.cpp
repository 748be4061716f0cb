#include "sonavec/float_text.h"

#include <charconv>
#include <cmath>

namespace sonavec {

namespace {

// Writes v at p and returns the end: printf's "%.9g", but without locale and about twice as fast.
char* write_float(char* p, float v) {
    // "%.9g" writes "-0", which JSON readers (nlohmann, Python) take for the integer 0 and lose the sign.
    if (v == 0 && std::signbit(v)) {
        for (char c : {'-', '0', '.', '0'}) *p++ = c;
        return p;
    }
    return std::to_chars(p, p + 32, v, std::chars_format::general, 9).ptr;
}

}  // namespace

std::string format_float(float v) {
    char buf[32];
    return std::string(buf, write_float(buf, v));
}

std::string json_vector(const float* v, int64_t n) {
    std::string s;
    s.reserve(static_cast<size_t>(n) * 16 + 2);
    s += '[';
    char buf[32];
    for (int64_t i = 0; i < n; i++) {
        if (i) s += ',';
        s.append(buf, write_float(buf, v[i]));
    }
    s += ']';
    return s;
}

}  // namespace sonavec
