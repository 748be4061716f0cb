// `sonavec model random`: a model directory with random weights of a given architecture, for speed and
// memory benchmarks (cost does not depend on weight values).
#pragma once
#include <cstdint>
#include <filesystem>

namespace sonavec {

// config_dir holds config.json (+ preprocessor_config.json, and vocab.json / merges.txt if the text tower
// should tokenize); they are copied to out_dir beside a model.safetensors. Returns the parameter count.
int64_t write_random_model(const std::filesystem::path& config_dir, const std::filesystem::path& out_dir,
                           uint64_t seed = 42);

}  // namespace sonavec
