// The HTSAT audio encoder of CLAP (laion/clap-htsat-unfused): batch-norm over mel bins, the
// 1001x64 log-mel resized and folded into a 256x256 image, 4x4 patch embedding, four Swin stages
// with shifted-window attention and patch merging, final norm and average pooling.
//
//   weight_store weights(...);
//   htsat_encoder encoder(htsat_hparams::from_json(config["audio_config"]), weights);
//   tensor pooled = encoder.forward(features);  // [batch, 1001, 64] -> [batch, hidden_size]
//
// ref: modeling_clap.py ClapAudioEncoder (enable_fusion = false: the is_longer branches are absent)
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/packed_linear.h"
#include "nn/tensor.h"
#include "nn/weights.h"

namespace sonavec {

// Every size of the tower, from config.json "audio_config"; defaults are ClapAudioConfig's.
struct htsat_hparams {
    int64_t num_mel_bins             = 64;
    int64_t spec_size                = 256;
    std::array<int64_t, 2> patch_size   = {4, 4};
    std::array<int64_t, 2> patch_stride = {4, 4};
    int64_t patch_embeds_hidden_size = 96;
    int64_t window_size              = 8;
    std::vector<int64_t> depths              = {2, 2, 6, 2};
    std::vector<int64_t> num_attention_heads = {4, 8, 16, 32};
    double mlp_ratio                 = 4.0;
    bool qkv_bias                    = true;
    float layer_norm_eps             = 1e-5f;
    bool enable_patch_layer_norm     = true;
    int64_t hidden_size              = 768;
    int64_t projection_dim           = 512;

    // Throws sonavec::error on a missing-but-required, wrongly typed or out-of-range value, and on
    // options this engine does not implement (fusion, non-GELU activations, more input channels).
    static htsat_hparams from_json(const nlohmann::json& audio_config);
    void validate() const;  // the same checks, for hand-built hparams

    int64_t num_stages() const { return static_cast<int64_t>(depths.size()); }
    int64_t freq_ratio() const { return spec_size / num_mel_bins; }
    int64_t spec_width() const { return spec_size * freq_ratio(); }  // time frames after the resize
    int64_t grid_height() const { return spec_size / patch_stride[0]; }
    int64_t grid_width() const { return spec_size / patch_stride[1]; }
    int64_t stage_dim(int64_t stage) const { return patch_embeds_hidden_size << stage; }
};

// Optional intermediates, for tests. Shapes: batchnorm_out [B,T,mel], mel_image [B,S,S],
// patch_embed [B,L,C], stages[k] [B,L_k,C_k] (after patch merging, as the reference's stage k output),
// final_norm [B,L,hidden], pooler_output [B,hidden].
struct htsat_trace {
    tensor batchnorm_out, mel_image, patch_embed;
    std::vector<tensor> stages;
    tensor final_norm, pooler_output;
};

class htsat_encoder {
public:
    // Looks up every audio_model.audio_encoder.* tensor it needs, once. The weight store must outlive
    // the encoder. relative_position_index and num_batches_tracked are computed or unused, not read.
    // The linear layers are packed in `products` precision; their mapped float32 pages are released.
    htsat_encoder(const htsat_hparams& hp, weight_store& weights, precision products = precision::fp32);

    // features: [batch, T, num_mel_bins] (or [batch, 1, T, num_mel_bins]) log-mel, time-major,
    // 1 <= T <= spec_width() (1001 for the real model) -> pooler_output [batch, hidden_size].
    // Const and reentrant: all scratch is allocated per call.
    tensor forward(const tensor& features, htsat_trace* trace = nullptr) const;

    const htsat_hparams& hparams() const { return hp_; }

private:
    struct swin_block {
        int64_t shift = 0;
        const float *norm_before_w, *norm_before_b;
        packed_linear qkv;       // query | key | value as one product
        packed_linear attn_out;
        const float *norm_after_w, *norm_after_b;
        packed_linear fc1, fc2;  // fc1 ends in GELU
        std::vector<float> position_bias;  // [heads, key, query] gathered from relative_position_bias_table
    };
    struct swin_stage {
        int64_t dim = 0, heads = 0, mlp_dim = 0;
        int64_t height = 0, width = 0;                // input resolution in patches
        int64_t padded_height = 0, padded_width = 0;  // rounded up to whole windows
        std::vector<swin_block> blocks;
        std::vector<float> shift_mask;            // [windows, key, query]: 0 or -100, for shifted blocks
        std::vector<uint8_t> window_has_mask;     // [windows]: any nonzero entry in its mask
        const float *merge_norm_w = nullptr, *merge_norm_b = nullptr;
        packed_linear merge_reduction;  // empty in the last stage
    };

    struct block_scratch;  // per-call buffers, reused across the blocks of one forward()

    void run_block(const swin_stage& stage, const swin_block& block, int64_t batch, float* x,
                   block_scratch& scratch) const;
    void window_attention(const swin_stage& stage, const swin_block& block, int64_t num_windows, const float* qkv,
                          float* context) const;

    htsat_hparams hp_;
    std::vector<float> bn_scale_, bn_shift_;  // eval batch norm folded into y = x * scale + shift
    const float *patch_w_ = nullptr, *patch_b_ = nullptr, *patch_norm_w_ = nullptr, *patch_norm_b_ = nullptr;
    std::vector<swin_stage> stages_;
    const float *final_norm_w_ = nullptr, *final_norm_b_ = nullptr;
};

}  // namespace sonavec
