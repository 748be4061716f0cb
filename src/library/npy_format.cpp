#include "library/npy_format.h"

#include <cstring>

#include "sonavec/error.h"

namespace sonavec {

std::string npy_float32_header(int64_t rows, int64_t cols) {
    if (rows < 0 || cols < 0) throw error(error_kind::invalid_input, "a matrix cannot have a negative shape");
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
    const size_t preamble = 10;  // magic (6) + version (2) + header length (2)
    size_t total = preamble + dict.size() + 1;
    total = (total + 63) / 64 * 64;
    dict.append(total - preamble - dict.size() - 1, ' ');
    dict += '\n';
    if (dict.size() > 65535) throw error(error_kind::invalid_input, "npy header too long");
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>(dict.size() >> 8);
    return out + dict;
}

std::string npy_float32_matrix(const float* data, int64_t rows, int64_t cols) {
    std::string out = npy_float32_header(rows, cols);  // first: it refuses a negative shape
    return out + npy_float32_data(data, static_cast<size_t>(rows) * static_cast<size_t>(cols));
}

std::string npy_float32_data(const float* data, size_t n) {
    std::string out(4 * n, '\0');
    // Byte by byte so the file is little-endian whatever the machine's byte order.
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        std::memcpy(&bits, data + i, 4);
        for (size_t b = 0; b < 4; b++) out[4 * i + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
    }
    return out;
}

}  // namespace sonavec
