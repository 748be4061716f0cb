// NumPy's .npy format (version 1.0) for a float32 matrix, so vectors load with numpy.load().
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace sonavec {

// The magic, version, length and header dict, padded with spaces and a newline so the data starts at
// a multiple of 64 bytes: {'descr': '<f4', 'fortran_order': False, 'shape': (rows, cols), }
std::string npy_float32_header(int64_t rows, int64_t cols);

// The whole file: header, then rows x cols little-endian float32 in row-major order.
std::string npy_float32_matrix(const float* data, int64_t rows, int64_t cols);

// Just the data: n floats as little-endian float32 (to write a large matrix a row at a time).
std::string npy_float32_data(const float* data, size_t n);

}  // namespace sonavec
