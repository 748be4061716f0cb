// The RoBERTa text tower of CLAP: token ids -> pooled first-token vector.
// ref: modeling_clap.py ClapTextModel (embeddings, post-LayerNorm encoder layers, tanh pooler)
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "nn/packed_linear.h"
#include "nn/tensor.h"
#include "nn/weights.h"

namespace sonavec {

struct roberta_hparams {
    int64_t vocab_size              = 0;
    int64_t hidden_size             = 0;
    int64_t num_hidden_layers       = 0;
    int64_t num_attention_heads     = 0;
    int64_t intermediate_size       = 0;
    int64_t max_position_embeddings = 0;
    int64_t type_vocab_size         = 0;
    int64_t pad_token_id            = 0;
    float layer_norm_eps            = 0;

    int64_t head_size() const { return hidden_size / num_attention_heads; }
    // Position ids run from pad_token_id + 1, so the table holds fewer tokens than it has rows.
    int64_t max_sequence_length() const { return max_position_embeddings - pad_token_id - 1; }

    // Throws sonavec::error on any size out of range or an architecture variant this code does not run.
    void validate() const;

    // From config.json "text_config"; missing keys take ClapTextConfig's defaults.
    static roberta_hparams from_json(const nlohmann::json& text_config);
};

// Optional intermediates, for tests: each [batch, seq, hidden] except pooler_output [batch, hidden].
struct roberta_trace {
    tensor embeddings;
    std::vector<tensor> layers;
    tensor pooler_output;
};

class roberta_encoder {
public:
    // Looks up every text_model.* tensor it needs, once, checking each shape. The encoder layers'
    // linear weights are packed in `products` precision and their mapped float32 pages released.
    roberta_encoder(const roberta_hparams& hp, weight_store& weights, precision products = precision::fp32);

    // ids, attention_mask: row-major [batch, seq] -> pooler_output [batch, hidden_size].
    // Every id must be in [0, vocab_size), every mask value 0 or 1, seq at most max_sequence_length().
    // Thread-safe: weights are read-only, scratch is allocated per call.
    tensor forward(const std::vector<int64_t>& ids, const std::vector<int64_t>& attention_mask, int64_t batch,
                   int64_t seq, roberta_trace* trace = nullptr) const;

    const roberta_hparams& hparams() const { return hp_; }

private:
    struct layer_weights {
        packed_linear qkv;  // query | key | value as one product
        packed_linear attn_out;
        const float* attn_norm_w;
        const float* attn_norm_b;
        packed_linear ffn_in, ffn_out;
        const float* ffn_norm_w;
        const float* ffn_norm_b;
    };

    roberta_hparams hp_;
    const float* word_embeddings_;
    const float* position_embeddings_;
    const float* token_type_embeddings_;
    const float* embed_norm_w_;
    const float* embed_norm_b_;
    std::vector<layer_weights> layers_;
    const float* pooler_w_;
    const float* pooler_b_;
};

}  // namespace sonavec
