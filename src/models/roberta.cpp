#include "models/roberta.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "nn/ops.h"
#include "util/config_json.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

void check_range(const char* what, int64_t value, int64_t lo, int64_t hi) {
    if (value < lo || value > hi)
        throw error(error_kind::corrupt_file,
                    std::string("text_config.") + what + " = " + std::to_string(value) + " is outside [" +
                        std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

}  // namespace

void roberta_hparams::validate() const {
    check_range("vocab_size", vocab_size, 1, int64_t{1} << 24);
    check_range("hidden_size", hidden_size, 1, int64_t{1} << 16);
    check_range("num_hidden_layers", num_hidden_layers, 1, 256);
    check_range("num_attention_heads", num_attention_heads, 1, hidden_size);
    if (hidden_size % num_attention_heads != 0)
        throw error(error_kind::corrupt_file,
                    "text_config.hidden_size " + std::to_string(hidden_size) +
                        " is not a multiple of num_attention_heads " + std::to_string(num_attention_heads));
    check_range("intermediate_size", intermediate_size, 1, int64_t{1} << 18);
    check_range("type_vocab_size", type_vocab_size, 1, int64_t{1} << 16);
    check_range("pad_token_id", pad_token_id, 0, vocab_size - 1);
    // At least one real token must get a position row after the padding offset.
    check_range("max_position_embeddings", max_position_embeddings, pad_token_id + 2, int64_t{1} << 20);
    if (!std::isfinite(layer_norm_eps) || layer_norm_eps <= 0 || layer_norm_eps >= 1)
        throw error(error_kind::corrupt_file,
                    "text_config.layer_norm_eps = " + std::to_string(layer_norm_eps) + " is outside (0, 1)");
}

roberta_hparams roberta_hparams::from_json(const nlohmann::json& text_config) {
    const config_reader c(text_config, "text_config");
    // Defaults are ClapTextConfig's (RoBERTa-base), used where a key is absent.
    roberta_hparams hp;
    hp.vocab_size              = c.integer("vocab_size", 50265);
    hp.hidden_size             = c.integer("hidden_size", 768);
    hp.num_hidden_layers       = c.integer("num_hidden_layers", 12);
    hp.num_attention_heads     = c.integer("num_attention_heads", 12);
    hp.intermediate_size       = c.integer("intermediate_size", 3072);
    hp.max_position_embeddings = c.integer("max_position_embeddings", 514);
    hp.type_vocab_size         = c.integer("type_vocab_size", 1);
    hp.pad_token_id            = c.integer("pad_token_id", 1);

    hp.layer_norm_eps          = static_cast<float>(c.number("layer_norm_eps", 1e-12));

    // Variants the reference supports but this code does not: refuse rather than compute something else.
    const std::string act = c.string("hidden_act", "gelu");
    if (act != "gelu")
        throw error(error_kind::unsupported, "text_config.hidden_act '" + act + "' is not supported (only \"gelu\")");
    const std::string pos = c.string("position_embedding_type", "absolute");
    if (pos != "absolute")
        throw error(error_kind::unsupported,
                    "text_config.position_embedding_type '" + pos + "' is not supported (only \"absolute\")");
    if (c.boolean("is_decoder", false))
        throw error(error_kind::unsupported, "text_config.is_decoder: only encoders are supported");

    hp.validate();
    return hp;
}

roberta_encoder::roberta_encoder(const roberta_hparams& hp, weight_store& weights, precision products) : hp_(hp) {
    hp_.validate();
    const int64_t H = hp_.hidden_size, I = hp_.intermediate_size;
    const std::string emb = "text_model.embeddings.";
    word_embeddings_       = weights.f32(emb + "word_embeddings.weight", {hp_.vocab_size, H});
    position_embeddings_   = weights.f32(emb + "position_embeddings.weight", {hp_.max_position_embeddings, H});
    token_type_embeddings_ = weights.f32(emb + "token_type_embeddings.weight", {hp_.type_vocab_size, H});
    embed_norm_w_          = weights.f32(emb + "LayerNorm.weight", {H});
    embed_norm_b_          = weights.f32(emb + "LayerNorm.bias", {H});

    layers_.resize(static_cast<size_t>(hp_.num_hidden_layers));
    for (int64_t l = 0; l < hp_.num_hidden_layers; l++) {
        const std::string p = "text_model.encoder.layer." + std::to_string(l) + ".";
        layer_weights& w = layers_[static_cast<size_t>(l)];
        const std::string at = p + "attention.self.";
        w.qkv         = pack_linears(weights, {at + "query", at + "key", at + "value"}, H, H, products);
        w.attn_out    = pack_linear(weights, p + "attention.output.dense", H, H, products);
        w.attn_norm_w = weights.f32(p + "attention.output.LayerNorm.weight", {H});
        w.attn_norm_b = weights.f32(p + "attention.output.LayerNorm.bias", {H});
        w.ffn_in      = pack_linear(weights, p + "intermediate.dense", H, I, products, true, true);
        w.ffn_out     = pack_linear(weights, p + "output.dense", I, H, down_projection_precision(products));
        w.ffn_norm_w  = weights.f32(p + "output.LayerNorm.weight", {H});
        w.ffn_norm_b  = weights.f32(p + "output.LayerNorm.bias", {H});
    }

    pooler_w_ = weights.f32("text_model.pooler.dense.weight", {H, H});
    pooler_b_ = weights.f32("text_model.pooler.dense.bias", {H});
}

tensor roberta_encoder::forward(const std::vector<int64_t>& ids, const std::vector<int64_t>& attention_mask,
                                int64_t batch, int64_t seq, roberta_trace* trace) const {
    // Inputs come from the tokenizer or a caller: check everything before indexing tables with it.
    if (batch < 1 || seq < 1) throw error(error_kind::invalid_input, "roberta: batch and seq must be positive");
    if (seq > hp_.max_sequence_length())
        throw error(error_kind::invalid_input,
                    "roberta: sequence of " + std::to_string(seq) + " tokens exceeds the model's " +
                        std::to_string(hp_.max_sequence_length()));
    if (static_cast<uint64_t>(batch) > ids.size() || ids.size() != static_cast<uint64_t>(batch * seq))
        throw error(error_kind::invalid_input,
                    "roberta: " + std::to_string(ids.size()) + " ids for batch " + std::to_string(batch) + " x seq " +
                        std::to_string(seq));
    if (attention_mask.size() != ids.size())
        throw error(error_kind::invalid_input,
                    "roberta: attention_mask has " + std::to_string(attention_mask.size()) + " values, ids " +
                        std::to_string(ids.size()));
    for (size_t i = 0; i < ids.size(); i++) {
        if (ids[i] < 0 || ids[i] >= hp_.vocab_size)
            throw error(error_kind::invalid_input,
                        "roberta: token id " + std::to_string(ids[i]) + " at " + std::to_string(i) +
                            " is outside the vocabulary [0, " + std::to_string(hp_.vocab_size) + ")");
        if (attention_mask[i] != 0 && attention_mask[i] != 1)
            throw error(error_kind::invalid_input,
                        "roberta: attention_mask value " + std::to_string(attention_mask[i]) + " is not 0 or 1");
    }

    const int64_t H = hp_.hidden_size, I = hp_.intermediate_size, S = seq, B = batch;
    const int64_t rows = B * S, heads = hp_.num_attention_heads, d = hp_.head_size();
    const int64_t pad = hp_.pad_token_id;

    // ref: modeling_clap.py ClapTextEmbeddings.forward
    tensor x({B, S, H});
    for (int64_t b = 0; b < B; b++) {
        // ref: modeling_clap.py create_position_ids_from_input_ids (cumsum of non-pad, pad keeps padding_idx)
        int64_t real_tokens = 0;
        for (int64_t s = 0; s < S; s++) {
            const int64_t id = ids[static_cast<size_t>(b * S + s)];
            const int64_t position = id == pad ? pad : pad + ++real_tokens;
            const float* word = word_embeddings_ + id * H;
            const float* pos  = position_embeddings_ + position * H;
            const float* type = token_type_embeddings_;  // token_type_ids are the all-zero buffer
            float* row = x.ptr() + (b * S + s) * H;
            for (int64_t i = 0; i < H; i++) row[i] = word[i] + type[i] + pos[i];
        }
    }
    layer_norm(x.ptr(), rows, H, embed_norm_w_, embed_norm_b_, hp_.layer_norm_eps, x.ptr());
    if (trace) {
        trace->embeddings = x;
        trace->layers.clear();
    }

    // ref: modeling_utils.py get_extended_attention_mask: (1 - mask) * finfo(float32).min, added to scores
    std::vector<float> mask_bias(static_cast<size_t>(rows));
    for (size_t i = 0; i < mask_bias.size(); i++)
        mask_bias[i] = static_cast<float>(1 - attention_mask[i]) * std::numeric_limits<float>::lowest();

    // Per-call scratch, reused by every layer.
    tensor qkv({rows, 3 * H}), context({rows, H}), projected({rows, H});
    tensor intermediate({rows, I}), scores({S, S});
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));

    for (const layer_weights& w : layers_) {
        // ref: modeling_clap.py ClapTextSelfAttention.forward
        w.qkv.apply(x.ptr(), rows, qkv.ptr(), 3 * H);
        const float *q = qkv.ptr(), *k = q + H, *v = q + 2 * H;
        for (int64_t b = 0; b < B; b++) {
            const float* bias = mask_bias.data() + b * S;
            for (int64_t h = 0; h < heads; h++) {
                // Head h is columns [h*d, h*d+d) of each row: strided views instead of a permute copy.
                const int64_t offset = b * S * 3 * H + h * d;
                gemm(false, true, S, S, d, scale, q + offset, 3 * H, k + offset, 3 * H, 0.0f, scores.ptr(), S);
                for (int64_t r = 0; r < S; r++) add_inplace(scores.ptr() + r * S, bias, S);
                softmax_rows(scores.ptr(), S, S);
                gemm(false, false, S, d, S, 1.0f, scores.ptr(), S, v + offset, 3 * H, 0.0f,
                     context.ptr() + b * S * H + h * d, H);
            }
        }

        // ref: modeling_clap.py ClapTextSelfOutput.forward (LayerNorm(dense(context) + input))
        w.attn_out.apply(context.ptr(), rows, projected.ptr(), H);
        add_inplace(x.ptr(), projected.ptr(), rows * H);
        layer_norm(x.ptr(), rows, H, w.attn_norm_w, w.attn_norm_b, hp_.layer_norm_eps, x.ptr());

        // ref: modeling_clap.py ClapTextIntermediate.forward, ClapTextOutput.forward
        w.ffn_in.apply(x.ptr(), rows, intermediate.ptr(), I);
        w.ffn_out.apply(intermediate.ptr(), rows, projected.ptr(), H);
        add_inplace(x.ptr(), projected.ptr(), rows * H);
        layer_norm(x.ptr(), rows, H, w.ffn_norm_w, w.ffn_norm_b, hp_.layer_norm_eps, x.ptr());

        if (trace) trace->layers.push_back(x);
    }

    // ref: modeling_clap.py ClapTextPooler.forward (dense + tanh on the first token)
    tensor first({B, H}), pooled({B, H});
    for (int64_t b = 0; b < B; b++) {
        const float* src = x.ptr() + b * S * H;
        std::copy(src, src + H, first.ptr() + b * H);
    }
    linear(first.ptr(), B, H, pooler_w_, pooler_b_, H, pooled.ptr());
    tanh_inplace(pooled.ptr(), pooled.numel());
    if (trace) trace->pooler_output = pooled;
    return pooled;
}

}  // namespace sonavec
