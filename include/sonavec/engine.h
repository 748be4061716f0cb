// sonavec engine: CLAP audio and text embeddings (laion/clap-htsat-unfused) in one shared space.
//
//   sonavec::engine_params p;
//   p.model_dir = "/path/to/clap-htsat-unfused";    // config.json, weights, vocab.json, merges.txt
//   auto eng = sonavec::engine::open(p);
//   std::vector<float> a = eng->embed_audio_windows({window});         // 48 kHz mono, <= 10 s each
//   std::vector<float> t = eng->embed_texts({"dark cinematic string ensemble"});
//   // rows of dim() floats, each L2-normalised: cosine similarity is a dot product.
//
// The engine is opaque and its weights are read-only: memory-mapped, the linear layers packed once at
// load in the chosen precision. One engine may be shared by threads, each call keeps its scratch to
// itself. Each tower is loaded on first use, so a run that only embeds audio never touches the text
// tower's weights. Errors are thrown as sonavec::error (sonavec/error.h).
//
// The engine owns its compute threads: a call runs on at most params.threads threads of its own,
// so two engines with different thread counts can live in one process. Opening the first engine
// also tunes the allocator for the towers' large activations (the CLI's speed in any program).
// Files embedded whole go through sonavec/track.h; models are found and checked with sonavec/model.h.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sonavec/precision.h"

namespace sonavec {

struct engine_params {
    std::filesystem::path model_dir;  // a Hugging Face layout model directory
    int threads = 0;                  // compute threads; 0 = all cores
    precision products = precision::fp32;  // number format of both towers' matrix products
};

engine_params engine_default_params();

struct tower_info {
    std::string name;       // "audio (HTSAT)" or "text (RoBERTa)"
    std::string shape;      // one line describing the architecture
    int64_t parameters = 0; // tower + its projection
};

class engine {
public:
    static std::unique_ptr<engine> open(const engine_params& params);
    virtual ~engine() = default;

    virtual const engine_params& params() const = 0;
    // Which model made the vectors (sonavec/model.h model_identity: the folder's name and a digest of
    // the files that fix the vector space); computed on first call.
    virtual const std::string& model_id() const = 0;

    virtual int64_t dim() const = 0;                // shared embedding size (512 for the real model)
    virtual int64_t sample_rate() const = 0;        // audio input rate (48000)
    virtual int64_t window_samples() const = 0;     // the audio tower's input length (480000)
    // exp(logit_scale_a): the factor the reference multiplies audio-text cosines by before its softmax
    // (modeling_clap.py ClapModel.forward, logits_per_audio). A checkpoint without the tensor gets
    // config.json's logit_scale_init_value (CLAP's 1 / 0.07 when absent), what an untrained model holds.
    virtual float logit_scale() const = 0;

    // One unit vector per window, row-major [windows.size(), dim()]. Each window is mono float
    // samples at sample_rate(); shorter windows are repeat-padded, longer ones truncated.
    virtual std::vector<float> embed_audio_windows(const std::vector<std::span<const float>>& windows) const = 0;
    // Same, from precomputed log-mel features [n, frames, mels]. With one compute thread on a CPU with
    // AVX-512 a window's vector does not depend on the batch it is in; with more threads, or oneDNN's
    // AVX2 kernels, it may differ in the last bits (sonavec/track.h always embeds a window on one
    // thread).
    virtual std::vector<float> embed_audio_features(const float* features, int64_t n) const = 0;
    // The log-mel features of windows as embed_audio_features takes them: [windows.size(), frames, mels].
    virtual std::vector<float> audio_features(const std::vector<std::span<const float>>& windows) const = 0;

    // One unit vector per text, row-major [texts.size(), dim()].
    virtual std::vector<float> embed_texts(const std::vector<std::string>& texts) const = 0;
    // Same, from token ids already padded: ids and mask are [rows, cols].
    virtual std::vector<float> embed_token_ids(const std::vector<int64_t>& ids, const std::vector<int64_t>& mask,
                                               int64_t rows, int64_t cols) const = 0;
    virtual std::vector<int64_t> tokenize(const std::string& text) const = 0;

    // Builds the towers now instead of on first use (to time loading apart from inference).
    virtual void preload(bool audio, bool text) const = 0;

    virtual std::vector<tower_info> describe() const = 0;
    // Checkpoint tensors that no tower uses (beyond known buffers): non-empty means a mismatch.
    virtual std::vector<std::string> unknown_tensors() const = 0;
};

}  // namespace sonavec
