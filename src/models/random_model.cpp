#include "sonavec/model.h"

#include <random>

#include "models/clap_model.h"
#include "nn/safetensors_writer.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Values that keep activations in a realistic range: unit norm scales, zero shifts, small weights
// (BERT's N(0, 0.02) initialisation).
void fill_like_initialisation(const std::string& name, float* out, int64_t n, std::mt19937_64& rng) {
    const bool is_norm = name.find("norm") != std::string::npos || name.find("LayerNorm") != std::string::npos;
    if (ends_with(name, "running_var") || (is_norm && ends_with(name, ".weight"))) {
        std::fill(out, out + n, 1.0f);
    } else if (ends_with(name, ".bias") || ends_with(name, "running_mean")) {
        std::fill(out, out + n, 0.0f);
    } else {
        std::normal_distribution<float> normal(0.0f, 0.02f);
        for (int64_t i = 0; i < n; i++) out[i] = normal(rng);
    }
}

}  // namespace

int64_t write_random_model(const std::filesystem::path& config_dir, const std::filesystem::path& out_dir,
                           uint64_t seed) {
    const clap_config config = clap_config::from_model_dir(config_dir);
    auto recorder = weight_store::recorder();
    {
        // The towers name every tensor they need, with its shape; nothing is listed twice in the code.
        htsat_encoder audio(config.audio, *recorder);
        projection_layer audio_proj(*recorder, "audio_projection", config.audio.hidden_size, config.projection_dim);
        roberta_encoder text(config.text, *recorder);
        projection_layer text_proj(*recorder, "text_projection", config.text.hidden_size, config.projection_dim);
    }
    std::vector<tensor_to_write> tensors;
    int64_t params = 0;
    for (auto& [name, shape] : recorder->recorded()) {
        tensors.push_back({name, shape});
        params += checked_numel(shape, name);
    }
    std::filesystem::create_directories(out_dir);
    std::mt19937_64 rng(seed);
    write_safetensors(out_dir / "model.safetensors", tensors, [&](size_t i, float* out) {
        fill_like_initialisation(tensors[i].name, out, checked_numel(tensors[i].shape, tensors[i].name), rng);
    });
    for (const char* f : {"config.json", "preprocessor_config.json", "vocab.json", "merges.txt"}) {
        if (std::filesystem::exists(config_dir / f))
            std::filesystem::copy_file(config_dir / f, out_dir / f, std::filesystem::copy_options::overwrite_existing);
    }
    return params;
}

}  // namespace sonavec
