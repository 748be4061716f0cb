// Shared test helpers: where the reference data lives and the golden tolerances.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nn/tensor_file.h"
#include "sonavec/engine.h"

namespace sonavec::test {

std::filesystem::path data_dir();    // tests/data
std::filesystem::path golden_dir();  // tests/data/golden (a copy of ../shared/golden)
std::filesystem::path cli_path();    // the built sonavec binary

// The golden tiny model (tests/data/golden/model), fp32, on `threads` compute threads.
std::unique_ptr<engine> golden_engine(int threads = 2);

// Opens tests/data/golden/<relative> (a safetensors file).
std::unique_ptr<tensor_file> open_golden(const std::string& relative);

// The tensor's values as float32 (F32, or I64 converted).
std::vector<float> floats(const tensor_view& v);
std::vector<int64_t> ints(const tensor_view& v);

double max_abs(const float* x, size_t n);
double max_abs_diff(const float* a, const float* b, size_t n);
double cosine(const float* a, const float* b, size_t n);

// The golden README's bound for intermediates: max |diff| <= 1e-3 * (1 + max |reference|).
void expect_intermediate_close(const float* actual, const tensor_view& reference, const std::string& what);
// Embeddings: cosine >= 0.99999 and max |diff| <= 1e-4.
void expect_embedding_close(const float* actual, const tensor_view& reference, const std::string& what);

}  // namespace sonavec::test
