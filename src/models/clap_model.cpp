#include "models/clap_model.h"

#include <malloc.h>

#include <cmath>
#include <fstream>

#include "nn/ops.h"
#include "sonavec/model.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

nlohmann::json read_json_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        throw error(std::filesystem::exists(path, ec) ? error_kind::io : error_kind::not_found,
                    "cannot read " + path.string());
    }
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw error(error_kind::corrupt_file, path.string() + " is not a JSON object");
    return j;
}

// Buffers the checkpoint carries that the C++ towers recompute rather than read.
bool is_derived_buffer(const std::string& name) {
    for (const char* suffix : {"num_batches_tracked", "relative_position_index", "position_ids", "token_type_ids"}) {
        const std::string s = suffix;
        if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) return true;
    }
    // logit_scale_a is read apart (read_logit_scale); logit_scale_t only scales logits_per_text, which
    // sonavec never computes (in the reference both are trained apart but applied the same way).
    return name == "logit_scale_a" || name == "logit_scale_t";
}

// exp(logit_scale_a) (ref: modeling_clap.py ClapModel.forward: logit_scale_audio = self.logit_scale_a.exp()),
// or the config's initial value where the checkpoint has none. The checkpoint's value is untrusted: a
// scale outside (0, 1e4] would turn every softmax into NaN or a one-hot, so it is refused.
float read_logit_scale(weight_store& weights, const clap_config& config, const std::filesystem::path& dir) {
    const tensor_view* v = weights.recording() ? nullptr : weights.find("logit_scale_a");
    if (!v) return static_cast<float>(config.logit_scale_init_value);
    if (v->numel() != 1)
        throw error(error_kind::corrupt_file, dir.string() + ": logit_scale_a has " + std::to_string(v->numel()) +
                                                  " values, expected a scalar");
    const float log_scale = weights.f32("logit_scale_a", v->shape)[0];  // converted from f16/bf16 if need be
    const double scale = std::exp(static_cast<double>(log_scale));
    if (!(scale > 0 && scale <= 1e4))
        throw error(error_kind::corrupt_file, dir.string() + ": logit_scale_a " + std::to_string(log_scale) +
                                                  " gives a scale out of range");
    return static_cast<float>(scale);
}

int64_t count_parameters(const tensor_file& file, const std::vector<std::string>& prefixes) {
    int64_t n = 0;
    for (auto& [name, view] : file.tensors())
        for (auto& p : prefixes)
            if (name.rfind(p, 0) == 0 && !is_derived_buffer(name)) n += view.numel();
    return n;
}

void normalize_rows(tensor& t, int64_t dim) {
    for (int64_t r = 0; r < t.numel() / dim; r++) l2_normalize(t.ptr() + r * dim, dim);
}

}  // namespace

engine_params engine_default_params() { return engine_params{}; }

std::unique_ptr<engine> engine::open(const engine_params& params) {
    if (!precision_available(params.products))
        throw error(error_kind::unsupported, std::string("precision ") + precision_name(params.products) +
                                                 " is not available on this CPU: bf16 and int8 need oneDNN's AVX-512 "
                                                 "kernels (use --precision fp32)");
    // The towers' activations are megabytes per call. glibc would map and unmap each one, and every
    // window would pay for page faults on fresh memory (about a third of its time); keeping them in
    // the heap lets each call reuse the last one's pages. Once per process, for any program linking sonavec.
    static std::once_flag tuned;
    std::call_once(tuned, [] {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    });
    return std::make_unique<clap_model>(params);
}

clap_config clap_config::from_model_dir(const std::filesystem::path& dir) {
    const nlohmann::json cfg = read_json_file(dir / "config.json");
    clap_config c;
    try {
        c.projection_dim = cfg.value("projection_dim", int64_t{512});
        if (c.projection_dim < 1 || c.projection_dim > 65536)
            throw error(error_kind::corrupt_file,
                        "projection_dim " + std::to_string(c.projection_dim) + " out of range");
        c.logit_scale_init_value = cfg.value("logit_scale_init_value", c.logit_scale_init_value);
        if (!(c.logit_scale_init_value > 0 && c.logit_scale_init_value <= 1e4))
            throw error(error_kind::corrupt_file, "logit_scale_init_value out of range");
        c.audio = htsat_hparams::from_json(cfg.value("audio_config", nlohmann::json::object()));
        c.text = roberta_hparams::from_json(cfg.value("text_config", nlohmann::json::object()));
    } catch (const nlohmann::json::exception& e) {
        throw error(error_kind::corrupt_file, (dir / "config.json").string() + ": " + e.what());
    } catch (const error& e) {
        throw error(e.kind(), (dir / "config.json").string() + ": " + e.what());
    }
    const auto pre = dir / "preprocessor_config.json";
    try {
        c.features = feature_params::from_json(std::filesystem::exists(pre) ? read_json_file(pre)
                                                                            : nlohmann::json::object());
    } catch (const nlohmann::json::exception& e) {
        throw error(error_kind::corrupt_file, pre.string() + ": " + e.what());
    }
    return c;
}

clap_model::clap_model(const engine_params& params)
    : params_(params),
      pool_(std::make_unique<thread_pool>(threads_or_all_cores(params.threads))),
      dir_(params.model_dir),
      config_(clap_config::from_model_dir(params.model_dir)),
      products_(params.products),
      mel_(config_.features),
      weights_(weight_store::open_model_dir(params.model_dir)),
      logit_scale_(read_logit_scale(*weights_, config_, params.model_dir)) {}

const std::string& clap_model::model_id() const {
    std::call_once(model_id_once_, [&] { model_id_ = model_identity(dir_); });
    return model_id_;
}

clap_model::audio_tower::audio_tower(const clap_config& c, weight_store& w, precision products)
    : encoder(c.audio, w, products), projection(w, "audio_projection", c.audio.hidden_size, c.projection_dim) {}

clap_model::text_tower::text_tower(const clap_config& c, weight_store& w, precision products)
    : encoder(c.text, w, products),
      projection(w, "text_projection", c.text.hidden_size, c.projection_dim) {}

const clap_model::audio_tower& clap_model::audio() const {
    std::call_once(audio_once_, [&] {
        // Packed for the engine's thread count, on its threads, even for a caller that runs serially.
        pool_scope scope(pool_.get(), pool_scope::inside_serial::use_pool);
        audio_ = std::make_unique<audio_tower>(config_, *weights_, products_);
    });
    return *audio_;
}

const clap_model::text_tower& clap_model::text() const {
    std::call_once(text_once_, [&] {
        pool_scope scope(pool_.get(), pool_scope::inside_serial::use_pool);
        text_ = std::make_unique<text_tower>(config_, *weights_, products_);
    });
    return *text_;
}

const bpe_tokenizer& clap_model::tokenizer() const {
    std::call_once(tokenizer_once_, [&] {
        tokenizer_ = std::make_unique<bpe_tokenizer>(bpe_tokenizer::from_files(dir_ / "vocab.json", dir_ / "merges.txt"));
    });
    return *tokenizer_;
}

std::vector<float> clap_model::embed_audio_features(const float* features, int64_t n) const {
    const auto& tower = audio();
    pool_scope scope(pool_.get());
    const int64_t frames = config_.features.frames(), mels = config_.features.n_mels;
    tensor x({n, frames, mels});
    std::copy(features, features + x.numel(), x.ptr());
    tensor y = tower.projection.forward(tower.encoder.forward(x));
    normalize_rows(y, dim());
    return std::move(y.data);
}

std::vector<float> clap_model::audio_features(const std::vector<std::span<const float>>& windows) const {
    const int64_t n = static_cast<int64_t>(windows.size());
    const int64_t per = config_.features.frames() * config_.features.n_mels;
    std::vector<float> features(static_cast<size_t>(n * per));
    for (int64_t i = 0; i < n; i++) {
        if (windows[i].empty()) throw error(error_kind::invalid_input, "cannot embed an empty audio window");
        mel_.compute_into(windows[i].data(), windows[i].size(), features.data() + i * per);
    }
    return features;
}

std::vector<float> clap_model::embed_audio_windows(const std::vector<std::span<const float>>& windows) const {
    if (windows.empty()) return {};
    const std::vector<float> features = audio_features(windows);
    return embed_audio_features(features.data(), static_cast<int64_t>(windows.size()));
}

std::vector<float> clap_model::embed_token_ids(const std::vector<int64_t>& ids, const std::vector<int64_t>& mask,
                                               int64_t rows, int64_t cols) const {
    const auto& tower = text();
    pool_scope scope(pool_.get());
    tensor y = tower.projection.forward(tower.encoder.forward(ids, mask, rows, cols));
    normalize_rows(y, dim());
    return std::move(y.data);
}

std::vector<float> clap_model::embed_texts(const std::vector<std::string>& texts) const {
    if (texts.empty()) return {};
    auto b = tokenizer().encode_batch(texts);
    return embed_token_ids(b.ids, b.attention_mask, b.rows, b.cols);
}

std::vector<int64_t> clap_model::tokenize(const std::string& s) const { return tokenizer().encode(s); }

void clap_model::preload(bool audio_tower_too, bool text_tower_too) const {
    if (audio_tower_too) audio();
    if (text_tower_too) {
        text();
        if (std::filesystem::exists(dir_ / "vocab.json")) tokenizer();
    }
}

std::vector<tower_info> clap_model::describe() const {
    const auto& a = config_.audio;
    const auto& t = config_.text;
    auto list = [](const std::vector<int64_t>& v) {
        std::string s;
        for (size_t i = 0; i < v.size(); i++) {
            if (i) s += ',';
            s += std::to_string(v[i]);
        }
        return s;
    };
    std::vector<tower_info> out;
    out.push_back({"audio (HTSAT)",
                   "spec " + std::to_string(a.spec_size) + ", patch " + std::to_string(a.patch_size[0]) + ", window " +
                       std::to_string(a.window_size) + ", width " + std::to_string(a.patch_embeds_hidden_size) +
                       "->" + std::to_string(a.hidden_size) + ", depths [" + list(a.depths) + "], heads [" +
                       list(a.num_attention_heads) + "]",
                   count_parameters(weights_->file(), {"audio_model.", "audio_projection."})});
    out.push_back({"text (RoBERTa)",
                   "vocab " + std::to_string(t.vocab_size) + ", hidden " + std::to_string(t.hidden_size) + ", layers " +
                       std::to_string(t.num_hidden_layers) + ", heads " + std::to_string(t.num_attention_heads) +
                       ", ffn " + std::to_string(t.intermediate_size),
                   count_parameters(weights_->file(), {"text_model.", "text_projection."})});
    return out;
}

std::vector<std::string> clap_model::unknown_tensors() const {
    audio();
    text();
    std::vector<std::string> out;
    for (auto& name : weights_->unused(""))
        if (!is_derived_buffer(name)) out.push_back(name);
    return out;
}

}  // namespace sonavec
