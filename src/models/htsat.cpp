#include "models/htsat.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "nn/attention_head.h"
#include "nn/thread_pool.h"
#include "nn/ops.h"
#include "util/config_json.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

const std::string encoder_prefix = "audio_model.audio_encoder.";

// nn.LayerNorm's default eps: the patch-embed, patch-merging and final norms do not take the config's.
constexpr float default_norm_eps = 1e-5f;
// nn.BatchNorm2d's default eps.
constexpr float batch_norm_eps = 1e-5f;
// ref: modeling_clap.py ClapAudioLayer.get_attn_mask (masked_fill value)
constexpr float shift_mask_value = -100.0f;

// MLP row blocks: big enough that the products run near full speed, small enough that a block's
// hidden activations (rows x 4C) stay in L2 in the early stages.
constexpr int64_t mlp_block_rows = 256;
constexpr int64_t mlp_min_block_rows = 64;

void require(bool ok, const std::string& what) {
    if (!ok) throw error(error_kind::corrupt_file, "htsat config: " + what);
}

// patch_size / patch_stride: an int or an [h, w] pair, as the reference accepts both.
std::array<int64_t, 2> json_pair(const config_reader& c, const char* key, std::array<int64_t, 2> fallback) {
    const nlohmann::json* v = c.find(key);
    if (!v) return fallback;
    if (v->is_number_integer()) return {v->get<int64_t>(), v->get<int64_t>()};
    require(v->is_array() && v->size() == 2 && (*v)[0].is_number_integer() && (*v)[1].is_number_integer(),
            c.where(key) + " must be an integer or a pair of integers");
    return {(*v)[0].get<int64_t>(), (*v)[1].get<int64_t>()};
}

// Torch's bicubic kernel weights for fractional offset t.
// ref: aten/src/ATen/native/UpSample.h get_cubic_upsample_coefficients (A = -0.75)
void cubic_coefficients(float t, float coeffs[4]) {
    const float a = -0.75f;
    const auto conv1 = [a](float x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };
    const auto conv2 = [a](float x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };
    const float x1 = t;
    coeffs[0] = conv2(x1 + 1.0f);
    coeffs[1] = conv1(x1);
    const float x2 = 1.0f - t;
    coeffs[2] = conv1(x2);
    coeffs[3] = conv2(x2 + 1.0f);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// hparams

htsat_hparams htsat_hparams::from_json(const nlohmann::json& audio_config) {
    const config_reader c(audio_config, "audio_config");
    require(!c.boolean("enable_fusion", false), "enable_fusion = true (the fused model) is not supported");
    require(c.integer("patch_embed_input_channels", 1) == 1, "patch_embed_input_channels must be 1");
    require(c.boolean("flatten_patch_embeds", true), "flatten_patch_embeds must be true");
    require(c.string("hidden_act", "gelu") == "gelu", "hidden_act must be \"gelu\"");

    htsat_hparams hp;
    hp.num_mel_bins             = c.integer("num_mel_bins", hp.num_mel_bins);
    hp.spec_size                = c.integer("spec_size", hp.spec_size);
    hp.patch_size               = json_pair(c, "patch_size", hp.patch_size);
    hp.patch_stride             = json_pair(c, "patch_stride", hp.patch_stride);
    hp.patch_embeds_hidden_size = c.integer("patch_embeds_hidden_size", hp.patch_embeds_hidden_size);
    hp.window_size              = c.integer("window_size", hp.window_size);
    hp.depths                   = c.integer_list("depths", hp.depths);
    hp.num_attention_heads      = c.integer_list("num_attention_heads", hp.num_attention_heads);
    hp.mlp_ratio                = c.number("mlp_ratio", hp.mlp_ratio);
    hp.qkv_bias                 = c.boolean("qkv_bias", hp.qkv_bias);
    hp.layer_norm_eps           = static_cast<float>(c.number("layer_norm_eps", hp.layer_norm_eps));
    hp.enable_patch_layer_norm  = c.boolean("enable_patch_layer_norm", hp.enable_patch_layer_norm);
    hp.hidden_size              = c.integer("hidden_size", hp.hidden_size);
    hp.projection_dim           = c.integer("projection_dim", hp.projection_dim);
    hp.validate();
    return hp;
}

void htsat_hparams::validate() const {
    const auto str = [](int64_t v) { return std::to_string(v); };
    require(num_mel_bins >= 1 && num_mel_bins <= 1024, "num_mel_bins " + str(num_mel_bins) + " out of [1, 1024]");
    require(spec_size >= 1 && spec_size <= 4096, "spec_size " + str(spec_size) + " out of [1, 4096]");
    // reshape_mel2img folds the time axis into spec_size / num_mel_bins rows of mel bins.
    require(spec_size % num_mel_bins == 0, "spec_size must be a multiple of num_mel_bins");
    for (int d = 0; d < 2; d++) {
        const int64_t k = patch_size[d], s = patch_stride[d];
        require(s >= 1 && s <= spec_size && k >= s && k <= spec_size, "patch_size / patch_stride out of range");
        require(spec_size % s == 0, "spec_size must be a multiple of patch_stride");
        const int64_t pad = (k - s) / 2;
        require((spec_size + 2 * pad - k) / s + 1 == spec_size / s, "patch conv output does not match the grid");
    }
    require(patch_embeds_hidden_size >= 1 && patch_embeds_hidden_size <= 4096, "patch_embeds_hidden_size out of range");
    const int64_t n = num_stages();
    require(n >= 1 && n <= 6, "depths must have 1 to 6 stages");
    require(static_cast<int64_t>(num_attention_heads.size()) == n, "num_attention_heads must have one entry per stage");
    require(window_size >= 1 && window_size <= 32, "window_size " + str(window_size) + " out of [1, 32]");
    require(mlp_ratio > 0 && mlp_ratio <= 16, "mlp_ratio out of (0, 16]");
    require(std::isfinite(layer_norm_eps) && layer_norm_eps > 0 && layer_norm_eps < 1, "layer_norm_eps out of (0, 1)");
    for (int64_t i = 0; i < n; i++) {
        require(depths[i] >= 1 && depths[i] <= 64, "depth of stage " + str(i) + " out of [1, 64]");
        const int64_t dim = stage_dim(i), heads = num_attention_heads[i];
        require(dim <= 16384, "stage " + str(i) + " width " + str(dim) + " too large");
        require(heads >= 1 && dim % heads == 0, "stage " + str(i) + " width " + str(dim) +
                                                    " is not a multiple of its heads " + str(heads));
        require(static_cast<int64_t>(mlp_ratio * static_cast<double>(dim)) >= 1, "mlp_ratio gives an empty MLP");
    }
    // The reference sizes every stage as grid / 2^i and builds its position bias for a full window.
    const int64_t last_h = grid_height() >> (n - 1), last_w = grid_width() >> (n - 1);
    require(grid_height() % (int64_t{1} << (n - 1)) == 0 && grid_width() % (int64_t{1} << (n - 1)) == 0,
            "patch grid must halve evenly at every stage");
    require(std::min(last_h, last_w) >= window_size, "last stage resolution is smaller than window_size");
    // ref: modeling_clap.py ClapAudioEncoder.forward (grouped reshape before the average pool)
    const int64_t c_freq_bin = last_h / freq_ratio();
    require(c_freq_bin >= 1 && last_h % c_freq_bin == 0, "final grid cannot be grouped by freq_ratio");
    require(hidden_size == stage_dim(n - 1), "hidden_size " + str(hidden_size) + " must equal the last stage width " +
                                                 str(stage_dim(n - 1)));
    require(projection_dim >= 1 && projection_dim <= 65536, "projection_dim out of [1, 65536]");
}

// ---------------------------------------------------------------------------------------------
// construction

htsat_encoder::htsat_encoder(const htsat_hparams& hp, weight_store& weights, precision products) : hp_(hp) {
    hp_.validate();
    const std::string& p = encoder_prefix;
    const int64_t mel = hp_.num_mel_bins;

    // ref: modeling_clap.py ClapAudioEncoder.batch_norm (eval: running statistics)
    {
        const float* w    = weights.f32(p + "batch_norm.weight", {mel});
        const float* b    = weights.f32(p + "batch_norm.bias", {mel});
        const float* mean = weights.f32(p + "batch_norm.running_mean", {mel});
        const float* var  = weights.f32(p + "batch_norm.running_var", {mel});
        bn_scale_.resize(static_cast<size_t>(mel));
        bn_shift_.resize(static_cast<size_t>(mel));
        for (int64_t f = 0; f < mel; f++) {
            const float inv_std = 1.0f / std::sqrt(var[f] + batch_norm_eps);
            bn_scale_[f] = inv_std * w[f];
            bn_shift_[f] = b[f] - mean[f] * bn_scale_[f];
        }
    }

    const int64_t c0 = hp_.patch_embeds_hidden_size;
    patch_w_ = weights.f32(p + "patch_embed.proj.weight", {c0, 1, hp_.patch_size[0], hp_.patch_size[1]});
    patch_b_ = weights.f32(p + "patch_embed.proj.bias", {c0});
    if (hp_.enable_patch_layer_norm) {
        patch_norm_w_ = weights.f32(p + "patch_embed.norm.weight", {c0});
        patch_norm_b_ = weights.f32(p + "patch_embed.norm.bias", {c0});
    }

    const int64_t ws = hp_.window_size, tokens = ws * ws, table_rows = (2 * ws - 1) * (2 * ws - 1);
    for (int64_t s = 0; s < hp_.num_stages(); s++) {
        swin_stage st;
        st.dim     = hp_.stage_dim(s);
        st.heads   = hp_.num_attention_heads[s];
        st.mlp_dim = static_cast<int64_t>(hp_.mlp_ratio * static_cast<double>(st.dim));
        st.height  = hp_.grid_height() >> s;
        st.width   = hp_.grid_width() >> s;
        // ref: modeling_clap.py ClapAudioLayer.maybe_pad
        st.padded_height = (st.height + ws - 1) / ws * ws;
        st.padded_width  = (st.width + ws - 1) / ws * ws;
        // ref: modeling_clap.py ClapAudioLayer.set_shift_and_window_size (a window covering the map: no shift)
        const int64_t shift = std::min(st.height, st.width) <= ws ? 0 : ws / 2;
        const std::string lp = p + "layers." + std::to_string(s) + ".";
        const int64_t c = st.dim, heads = st.heads;

        for (int64_t k = 0; k < hp_.depths[s]; k++) {
            const std::string bp = lp + "blocks." + std::to_string(k) + ".";
            swin_block b;
            b.shift         = (k % 2 == 1) ? shift : 0;
            b.norm_before_w = weights.f32(bp + "layernorm_before.weight", {c});
            b.norm_before_b = weights.f32(bp + "layernorm_before.bias", {c});
            const std::string at = bp + "attention.self.";
            b.qkv = pack_linears(weights, {at + "query", at + "key", at + "value"}, c, c, products, hp_.qkv_bias);
            b.attn_out     = pack_linear(weights, bp + "attention.output.dense", c, c, products);
            b.norm_after_w = weights.f32(bp + "layernorm_after.weight", {c});
            b.norm_after_b = weights.f32(bp + "layernorm_after.bias", {c});
            b.fc1          = pack_linear(weights, bp + "intermediate.dense", c, st.mlp_dim, products, true, true);
            b.fc2          = pack_linear(weights, bp + "output.dense", st.mlp_dim, c, down_projection_precision(products));

            // ref: modeling_clap.py ClapAudioSelfAttention.__init__ (relative_position_index) and .forward
            const float* table = weights.f32(bp + "attention.self.relative_position_bias_table", {table_rows, heads});
            b.position_bias.resize(static_cast<size_t>(heads * tokens * tokens));
            for (int64_t i = 0; i < tokens; i++) {
                for (int64_t j = 0; j < tokens; j++) {
                    const int64_t dy = i / ws - j / ws + ws - 1, dx = i % ws - j % ws + ws - 1;
                    const int64_t row = dy * (2 * ws - 1) + dx;
                    for (int64_t h = 0; h < heads; h++)
                        b.position_bias[(h * tokens + j) * tokens + i] = table[row * heads + h];
                }
            }
            st.blocks.push_back(std::move(b));
        }

        // ref: modeling_clap.py ClapAudioLayer.get_attn_mask (regions of the rolled, padded map)
        if (shift > 0 && hp_.depths[s] > 1) {
            const int64_t hp = st.padded_height, wp = st.padded_width;
            const auto region = [ws, shift](int64_t y, int64_t size) {
                return y < size - ws ? 0 : (y < size - shift ? 1 : 2);
            };
            const int64_t windows_x = wp / ws, windows = (hp / ws) * windows_x;
            st.shift_mask.assign(static_cast<size_t>(windows * tokens * tokens), 0.0f);
            st.window_has_mask.assign(static_cast<size_t>(windows), 0);
            for (int64_t w = 0; w < windows; w++) {
                const int64_t y0 = (w / windows_x) * ws, x0 = (w % windows_x) * ws;
                float* m = st.shift_mask.data() + w * tokens * tokens;
                for (int64_t i = 0; i < tokens; i++) {
                    const int64_t ri = region(y0 + i / ws, hp) * 3 + region(x0 + i % ws, wp);
                    for (int64_t j = 0; j < tokens; j++) {
                        const int64_t rj = region(y0 + j / ws, hp) * 3 + region(x0 + j % ws, wp);
                        if (ri != rj) {
                            m[j * tokens + i] = shift_mask_value;
                            st.window_has_mask[w] = 1;
                        }
                    }
                }
            }
        }

        if (s + 1 < hp_.num_stages()) {
            st.merge_norm_w      = weights.f32(lp + "downsample.norm.weight", {4 * c});
            st.merge_norm_b      = weights.f32(lp + "downsample.norm.bias", {4 * c});
            st.merge_reduction   = pack_linear(weights, lp + "downsample.reduction", 4 * c, 2 * c, products, false);
        }
        stages_.push_back(std::move(st));
    }

    final_norm_w_ = weights.f32(p + "norm.weight", {hp_.hidden_size});
    final_norm_b_ = weights.f32(p + "norm.bias", {hp_.hidden_size});
}

// ---------------------------------------------------------------------------------------------
// forward

namespace {

// A float buffer that grows without zero-filling (tens of MB per batch): every element the block
// reads, it wrote first.
class scratch_floats {
public:
    void resize(size_t n) {
        if (n > size_) {
            data_.reset(new float[n]);
            size_ = n;
        }
    }
    float* data() { return data_.get(); }

private:
    std::unique_ptr<float[]> data_;
    size_t size_ = 0;
};

}  // namespace

struct htsat_encoder::block_scratch {
    scratch_floats windows;  // [window tokens, C]: normed input, later the attention output
    scratch_floats qkv;      // [window tokens, 3C]: query | key | value
    scratch_floats context;  // [window tokens, C]: attention context, later the normed MLP input
    scratch_floats hidden;   // [tokens, mlp_dim], when the MLP runs unblocked
    scratch_floats mlp_in, mlp_hidden;  // per thread: one row block's normed input and hidden
};

// ref: modeling_clap.py ClapAudioSelfAttention.forward, per window and head, on strided views of qkv
void htsat_encoder::window_attention(const swin_stage& stage, const swin_block& block, int64_t num_windows,
                                     const float* qkv, float* context) const {
    const int64_t ws = hp_.window_size, n = ws * ws, c = stage.dim, heads = stage.heads, d = c / heads;
    const int64_t map_windows = (stage.padded_height / ws) * (stage.padded_width / ws);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    // Windows are independent: each thread takes a run of them.
    parallel_for(num_windows, 1, [&](int64_t first, int64_t end) {
        for (int64_t w = first; w < end; w++) {
            const float* mask = nullptr;
            if (block.shift > 0 && stage.window_has_mask[w % map_windows])
                mask = stage.shift_mask.data() + (w % map_windows) * n * n;
            for (int64_t h = 0; h < heads; h++) {
                const float* q = qkv + w * n * 3 * c + h * d;
                attention_head(q, q + c, q + 2 * c, 3 * c, n, d, scale, block.position_bias.data() + h * n * n, mask,
                               context + w * n * c + h * d, c);
            }
        }
    });
}

// ref: modeling_clap.py ClapAudioLayer.forward
void htsat_encoder::run_block(const swin_stage& stage, const swin_block& block, int64_t batch, float* x,
                              block_scratch& sc) const {
    const int64_t ws = hp_.window_size, n = ws * ws, c = stage.dim;
    const int64_t h = stage.height, w = stage.width, hp = stage.padded_height, wp = stage.padded_width;
    const int64_t windows_x = wp / ws, map_windows = (hp / ws) * windows_x;
    const int64_t num_windows = batch * map_windows, window_rows = num_windows * n, tokens = batch * h * w;
    const int64_t shift = block.shift;

    sc.windows.resize(static_cast<size_t>(window_rows * c));
    sc.qkv.resize(static_cast<size_t>(window_rows * 3 * c));
    sc.context.resize(static_cast<size_t>(window_rows * c));

    // The map token each window row comes from (roll by -shift), or -1 for zero padding.
    const auto source_token = [&](int64_t row) -> int64_t {
        const int64_t win = row / n, pos = row % n, b = win / map_windows, wi = win % map_windows;
        const int64_t y = ((wi / windows_x) * ws + pos / ws + shift) % hp;
        const int64_t xx = ((wi % windows_x) * ws + pos % ws + shift) % wp;
        return (y < h && xx < w) ? (b * h + y) * w + xx : -1;
    };

    // ref: ClapAudioLayer.forward (layernorm_before, maybe_pad, torch.roll, window_partition)
    parallel_for(window_rows, 64, [&](int64_t first, int64_t end) {
        for (int64_t row = first; row < end; row++) {
            float* dst = sc.windows.data() + row * c;
            const int64_t src = source_token(row);
            if (src < 0) std::fill(dst, dst + c, 0.0f);
            else layer_norm_rows(x + src * c, 0, 1, c, block.norm_before_w, block.norm_before_b, hp_.layer_norm_eps, dst);
        }
    });

    // ref: ClapAudioSelfAttention.forward (query, key, value for all windows at once)
    float* qkv = sc.qkv.data();
    block.qkv.apply(sc.windows.data(), window_rows, qkv, 3 * c);
    window_attention(stage, block, num_windows, qkv, sc.context.data());

    // ref: ClapAudioSelfOutput.forward, then window_reverse, reverse roll, crop and the residual add
    block.attn_out.apply(sc.context.data(), window_rows, sc.windows.data(), c);
    // Each window row maps to a distinct token, so the rows can be added back in parallel.
    parallel_for(window_rows, 64, [&](int64_t first, int64_t end) {
        for (int64_t row = first; row < end; row++) {
            const int64_t src = source_token(row);
            if (src >= 0) add_inplace(x + src * c, sc.windows.data() + row * c, c);
        }
    });

    // ref: ClapAudioLayer.forward (layernorm_after, ClapAudioIntermediate, ClapAudioOutput, residual)
    const int64_t mlp = stage.mlp_dim, threads = current_threads();
    const int64_t block_rows = std::min(mlp_block_rows, (tokens + threads - 1) / threads);
    if (threads > 1 && block_rows < mlp_min_block_rows) {
        // Too few tokens to give each thread a block: split each product instead.
        sc.hidden.resize(static_cast<size_t>(tokens * mlp));
        float* normed = sc.context.data();
        layer_norm(x, tokens, c, block.norm_after_w, block.norm_after_b, hp_.layer_norm_eps, normed);
        block.fc1.apply(normed, tokens, sc.hidden.data(), mlp);
        block.fc2.apply(sc.hidden.data(), tokens, x, c, true);
        return;
    }
    // Each thread runs norm, fc1, GELU and fc2 on blocks of rows, so the block's activations stay in
    // its cache instead of making four passes over the whole map.
    const int64_t blocks = (tokens + block_rows - 1) / block_rows;
    const int64_t used = std::min(threads, blocks);
    sc.mlp_in.resize(static_cast<size_t>(used * block_rows * c));
    sc.mlp_hidden.resize(static_cast<size_t>(used * block_rows * mlp));
    parallel_for(used, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) {
            float* normed = sc.mlp_in.data() + t * block_rows * c;
            float* hidden = sc.mlp_hidden.data() + t * block_rows * mlp;
            for (int64_t blk = blocks * t / used; blk < blocks * (t + 1) / used; blk++) {
                const int64_t r0 = blk * block_rows, rows = std::min(block_rows, tokens - r0);
                float* xb = x + r0 * c;
                layer_norm_rows(xb, 0, rows, c, block.norm_after_w, block.norm_after_b, hp_.layer_norm_eps, normed);
                block.fc1.apply_serial(normed, rows, hidden, mlp);
                block.fc2.apply_serial(hidden, rows, xb, c, true);
            }
        }
    });
}

tensor htsat_encoder::forward(const tensor& features, htsat_trace* trace) const {
    const auto& shape = features.shape;
    const bool rank4 = shape.size() == 4;
    if (!(shape.size() == 3 || (rank4 && shape[1] == 1)))
        throw error(error_kind::invalid_input,
                    "htsat: features must be [batch, time, mel] or [batch, 1, time, mel], got " + shape_string(shape));
    const int64_t batch = shape[0], frames = shape[rank4 ? 2 : 1], mel = shape[rank4 ? 3 : 2];
    if (batch < 1 || mel != hp_.num_mel_bins || frames < 1 || frames > hp_.spec_width() ||
        features.numel() != tensor::count(shape))
        throw error(error_kind::invalid_input,
                    "htsat: features " + shape_string(shape) + " do not fit [batch, 1.." +
                        std::to_string(hp_.spec_width()) + ", " + std::to_string(hp_.num_mel_bins) + "]");

    // ref: modeling_clap.py ClapAudioEncoder.forward (batch_norm over mel bins via transpose(1, 3))
    tensor normalized({batch, frames, mel});
    for (int64_t r = 0; r < batch * frames; r++) {
        const float* src = features.ptr() + r * mel;
        float* dst = normalized.ptr() + r * mel;
        for (int64_t f = 0; f < mel; f++) dst[f] = src[f] * bn_scale_[f] + bn_shift_[f];
    }

    // ref: modeling_clap.py ClapAudioEncoder.reshape_mel2img
    // Bicubic resize of time to spec_width (align_corners=True, clamped taps); the mel axis keeps its
    // size, where torch's weights are exactly {0, 1, 0, 0}. Then the time axis is cut into freq_ratio
    // pieces stacked as rows: image[c * mel + f][t] = resized[c * spec_size + t][f].
    const int64_t spec = hp_.spec_size, out_frames = hp_.spec_width();
    tensor image({batch, spec, spec});
    {
        std::vector<int64_t> taps(static_cast<size_t>(out_frames * 4));
        std::vector<float> weights(static_cast<size_t>(out_frames * 4));
        const float step = out_frames > 1 ? static_cast<float>(frames - 1) / static_cast<float>(out_frames - 1) : 0.0f;
        for (int64_t t = 0; t < out_frames; t++) {
            if (frames == out_frames) {
                for (int j = 0; j < 4; j++) { taps[t * 4 + j] = t; weights[t * 4 + j] = j == 1 ? 1.0f : 0.0f; }
                continue;
            }
            // ref: aten UpSampleKernel.cpp HelperInterpCubic::compute_indices_weights
            // The float step times t, kept exact in double: the golden images match this to 4e-6, and
            // miss by 1e-4 when the position is rounded to float first.
            const double real = static_cast<double>(step) * static_cast<double>(t);
            const double base = std::floor(real);
            cubic_coefficients(static_cast<float>(real - base), &weights[t * 4]);
            for (int64_t j = 0; j < 4; j++)
                taps[t * 4 + j] = std::clamp(static_cast<int64_t>(base) - 1 + j, int64_t{0}, frames - 1);
        }
        for (int64_t b = 0; b < batch; b++) {
            const float* src = normalized.ptr() + b * frames * mel;
            float* img = image.ptr() + b * spec * spec;
            for (int64_t t = 0; t < out_frames; t++) {
                const int64_t* tp = &taps[t * 4];
                const float* wt = &weights[t * 4];
                const int64_t piece = t / spec, col = t % spec;
                for (int64_t f = 0; f < mel; f++) {
                    float v = src[tp[0] * mel + f] * wt[0];
                    v += src[tp[1] * mel + f] * wt[1];
                    v += src[tp[2] * mel + f] * wt[2];
                    v += src[tp[3] * mel + f] * wt[3];
                    img[(piece * mel + f) * spec + col] = v;
                }
            }
        }
    }

    // ref: modeling_clap.py ClapAudioPatchEmbed.forward (Conv2d as im2col + GEMM, flatten, norm)
    const int64_t kh = hp_.patch_size[0], kw = hp_.patch_size[1], sh = hp_.patch_stride[0], sw = hp_.patch_stride[1];
    const int64_t pad_h = (kh - sh) / 2, pad_w = (kw - sw) / 2;
    const int64_t gh = hp_.grid_height(), gw = hp_.grid_width(), c0 = hp_.patch_embeds_hidden_size;
    std::vector<float> x(static_cast<size_t>(batch * gh * gw * c0));
    {
        std::vector<float> patches(static_cast<size_t>(batch * gh * gw * kh * kw));
        for (int64_t b = 0; b < batch; b++) {
            const float* img = image.ptr() + b * spec * spec;
            for (int64_t oy = 0; oy < gh; oy++) {
                for (int64_t ox = 0; ox < gw; ox++) {
                    float* pr = patches.data() + ((b * gh + oy) * gw + ox) * kh * kw;
                    for (int64_t i = 0; i < kh; i++) {
                        for (int64_t j = 0; j < kw; j++) {
                            const int64_t y = oy * sh - pad_h + i, xx = ox * sw - pad_w + j;
                            const bool inside = y >= 0 && y < spec && xx >= 0 && xx < spec;
                            pr[i * kw + j] = inside ? img[y * spec + xx] : 0.0f;
                        }
                    }
                }
            }
        }
        linear(patches.data(), batch * gh * gw, kh * kw, patch_w_, patch_b_, c0, x.data());
        if (patch_norm_w_)
            layer_norm(x.data(), batch * gh * gw, c0, patch_norm_w_, patch_norm_b_, default_norm_eps, x.data());
    }
    if (trace) {
        trace->batchnorm_out = std::move(normalized);
        trace->mel_image     = std::move(image);
        trace->patch_embed   = tensor({batch, gh * gw, c0});
        std::copy(x.begin(), x.end(), trace->patch_embed.data.begin());
        trace->stages.clear();
    }

    // ref: modeling_clap.py ClapAudioStage.forward, for each stage
    block_scratch scratch;
    for (const swin_stage& st : stages_) {
        for (const swin_block& blk : st.blocks) run_block(st, blk, batch, x.data(), scratch);
        int64_t out_tokens = st.height * st.width, out_dim = st.dim;
        if (st.merge_reduction.out() > 0) {
            // ref: modeling_clap.py ClapAudioPatchMerging.forward (pad, 2x2 gather, norm, reduction)
            const int64_t h2 = (st.height + 1) / 2, w2 = (st.width + 1) / 2, c = st.dim;
            std::vector<float> merged(static_cast<size_t>(batch * h2 * w2 * 4 * c));
            for (int64_t b = 0; b < batch; b++) {
                for (int64_t i = 0; i < h2; i++) {
                    for (int64_t j = 0; j < w2; j++) {
                        float* dst = merged.data() + ((b * h2 + i) * w2 + j) * 4 * c;
                        // order of torch.cat: (0,0), (1,0), (0,1), (1,1) as (row, column) offsets
                        const int64_t dy[4] = {0, 1, 0, 1}, dx[4] = {0, 0, 1, 1};
                        for (int q = 0; q < 4; q++) {
                            const int64_t y = 2 * i + dy[q], xx = 2 * j + dx[q];
                            if (y < st.height && xx < st.width) {
                                const float* src = x.data() + ((b * st.height + y) * st.width + xx) * c;
                                std::copy(src, src + c, dst + q * c);
                            } else {
                                std::fill(dst + q * c, dst + (q + 1) * c, 0.0f);
                            }
                        }
                    }
                }
            }
            layer_norm(merged.data(), batch * h2 * w2, 4 * c, st.merge_norm_w, st.merge_norm_b, default_norm_eps,
                       merged.data());
            out_tokens = h2 * w2;
            out_dim = 2 * c;
            x.resize(static_cast<size_t>(batch * out_tokens * out_dim));
            st.merge_reduction.apply(merged.data(), batch * out_tokens, x.data(), out_dim);
        }
        if (trace) {
            tensor out({batch, out_tokens, out_dim});
            std::copy(x.begin(), x.end(), out.data.begin());
            trace->stages.push_back(std::move(out));
        }
    }

    // ref: modeling_clap.py ClapAudioEncoder.forward (norm, grouped reshape, AdaptiveAvgPool1d)
    // The grouped reshape only reorders tokens, so the pool is the mean over every final token.
    const int64_t hidden = hp_.hidden_size, final_tokens = static_cast<int64_t>(x.size()) / (batch * hidden);
    layer_norm(x.data(), batch * final_tokens, hidden, final_norm_w_, final_norm_b_, default_norm_eps, x.data());
    tensor pooled({batch, hidden});
    for (int64_t b = 0; b < batch; b++) {
        for (int64_t ch = 0; ch < hidden; ch++) {
            double sum = 0;
            for (int64_t t = 0; t < final_tokens; t++) sum += x[(b * final_tokens + t) * hidden + ch];
            pooled.data[b * hidden + ch] = static_cast<float>(sum / static_cast<double>(final_tokens));
        }
    }
    if (trace) {
        trace->final_norm = tensor({batch, final_tokens, hidden});
        std::copy(x.begin(), x.end(), trace->final_norm.data.begin());
        trace->pooler_output = pooled;
    }
    return pooled;
}

}  // namespace sonavec
