// The CLAP model behind the public engine: config, the two towers with their projections, and the
// feature extractor and tokenizer that feed them. Each tower is built on first use.
#pragma once
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "features/log_mel.h"
#include "models/bpe_tokenizer.h"
#include "models/htsat.h"
#include "models/projection.h"
#include "models/roberta.h"
#include "nn/thread_pool.h"
#include "nn/weights.h"
#include "sonavec/engine.h"

namespace sonavec {

// config.json and preprocessor_config.json of a model directory, validated.
struct clap_config {
    int64_t projection_dim = 512;
    double logit_scale_init_value = 1.0 / 0.07;  // ref: configuration_clap.py ClapConfig
    htsat_hparams audio;
    roberta_hparams text;
    feature_params features;

    static clap_config from_model_dir(const std::filesystem::path& dir);
};

class clap_model final : public engine {
public:
    explicit clap_model(const engine_params& params);

    const engine_params& params() const override { return params_; }
    const std::string& model_id() const override;
    int64_t dim() const override { return config_.projection_dim; }
    int64_t sample_rate() const override { return config_.features.sample_rate; }
    int64_t window_samples() const override { return config_.features.max_samples; }
    float logit_scale() const override { return logit_scale_; }

    std::vector<float> embed_audio_windows(const std::vector<std::span<const float>>& windows) const override;
    std::vector<float> embed_audio_features(const float* features, int64_t n) const override;
    std::vector<float> audio_features(const std::vector<std::span<const float>>& windows) const override;
    std::vector<float> embed_texts(const std::vector<std::string>& texts) const override;
    std::vector<float> embed_token_ids(const std::vector<int64_t>& ids, const std::vector<int64_t>& mask, int64_t rows,
                                       int64_t cols) const override;
    std::vector<int64_t> tokenize(const std::string& text) const override;
    void preload(bool audio, bool text) const override;
    std::vector<tower_info> describe() const override;
    std::vector<std::string> unknown_tensors() const override;

    const clap_config& config() const { return config_; }

private:
    struct audio_tower {
        htsat_encoder encoder;
        projection_layer projection;
        audio_tower(const clap_config& c, weight_store& w, precision products);
    };
    struct text_tower {
        roberta_encoder encoder;
        projection_layer projection;
        text_tower(const clap_config& c, weight_store& w, precision products);
    };
    const audio_tower& audio() const;
    const text_tower& text() const;
    const bpe_tokenizer& tokenizer() const;  // loaded apart: embedding token ids needs no vocabulary

    engine_params params_;
    // params.threads of compute threads: every call runs its kernels on them (a pool_scope).
    std::unique_ptr<thread_pool> pool_;
    std::filesystem::path dir_;
    clap_config config_;
    precision products_;
    log_mel_extractor mel_;
    std::unique_ptr<weight_store> weights_;
    float logit_scale_;  // exp(logit_scale_a), read at open: a scalar, no tower needed
    mutable std::once_flag audio_once_, text_once_, tokenizer_once_, model_id_once_;
    mutable std::string model_id_;
    mutable std::unique_ptr<audio_tower> audio_;
    mutable std::unique_ptr<text_tower> text_;
    mutable std::unique_ptr<bpe_tokenizer> tokenizer_;
};

}  // namespace sonavec
