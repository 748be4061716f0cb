// The public engine against the golden references: audio from raw waveforms (features + HTSAT +
// projection), text from strings (tokenizer + RoBERTa + projection), from both weight formats.
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "nn/safetensors_writer.h"
#include "nn/tensor_file.h"
#include "sonavec/engine.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

const char* audio_cases[] = {"chirp_10s", "chord_7s", "noise_3s", "blip_0p5s", "silence_10s", "odd_4p321s"};

// A model directory holding the golden model's files but only one weights file.
fs::path model_dir_with(const std::string& weights_file) {
    const fs::path src = test::golden_dir() / "model";
    const fs::path dir = fs::temp_directory_path() / ("sonavec_engine_" + weights_file + "_" + std::to_string(getpid()));
    fs::create_directories(dir);
    for (const char* f : {"config.json", "preprocessor_config.json", "vocab.json", "merges.txt"})
        fs::copy_file(src / f, dir / f, fs::copy_options::overwrite_existing);
    fs::copy_file(src / weights_file, dir / weights_file, fs::copy_options::overwrite_existing);
    return dir;
}

std::unique_ptr<engine> open_engine(const fs::path& dir) {
    engine_params p = engine_default_params();
    p.model_dir = dir;
    p.threads = 2;
    return engine::open(p);
}

void check_audio_and_text(const engine& eng, const std::string& label) {
    for (const char* name : audio_cases) {
        auto ref = test::open_golden(std::string("audio/") + name + ".safetensors");
        auto wave = test::floats(*ref->find("waveform"));
        auto emb = eng.embed_audio_windows({std::span<const float>(wave)});
        ASSERT_EQ(static_cast<int64_t>(emb.size()), eng.dim());
        test::expect_embedding_close(emb.data(), *ref->find("embedding"), label + " audio " + name);
    }
    auto index = nlohmann::json::parse(std::ifstream(test::golden_dir() / "index.json"));
    for (auto& c : index["text_cases"]) {
        auto ref = test::open_golden("text/" + c["file"].get<std::string>());
        auto emb = eng.embed_texts({c["text"].get<std::string>()});
        test::expect_embedding_close(emb.data(), *ref->find("embedding"), label + " text " + c["text"].get<std::string>());
    }
}

}  // namespace

TEST(engine, matches_reference_from_safetensors) {
    auto eng = open_engine(model_dir_with("model.safetensors"));
    EXPECT_EQ(eng->dim(), 48);
    check_audio_and_text(*eng, "safetensors");
    EXPECT_TRUE(eng->unknown_tensors().empty());
}

TEST(engine, matches_reference_from_pytorch_checkpoint) {
    auto eng = open_engine(model_dir_with("pytorch_model.bin"));
    check_audio_and_text(*eng, "pytorch");
}

TEST(engine, batched_windows_match_single_windows) {
    auto eng = open_engine(test::golden_dir() / "model");
    std::vector<std::vector<float>> waves;
    for (const char* name : audio_cases)
        waves.push_back(test::floats(*test::open_golden(std::string("audio/") + name + ".safetensors")->find("waveform")));
    std::vector<std::span<const float>> spans(waves.begin(), waves.end());
    auto batched = eng->embed_audio_windows(spans);
    for (size_t i = 0; i < waves.size(); i++) {
        auto single = eng->embed_audio_windows({spans[i]});
        EXPECT_LE(test::max_abs_diff(single.data(), batched.data() + i * eng->dim(), eng->dim()), 1e-5) << audio_cases[i];
    }
}

TEST(engine, zero_shot_logits_match_reference) {
    auto eng = open_engine(test::golden_dir() / "model");
    auto ref = test::open_golden("text/zero_shot.safetensors");
    auto index = nlohmann::json::parse(std::ifstream(test::golden_dir() / "index.json"));
    std::vector<std::vector<float>> waves;
    for (auto& name : index["audio_case_order_for_zero_shot"])
        waves.push_back(test::floats(*test::open_golden("audio/" + name.get<std::string>() + ".safetensors")->find("waveform")));
    std::vector<std::span<const float>> spans(waves.begin(), waves.end());
    auto audio = eng->embed_audio_windows(spans);
    auto text = eng->embed_texts(index["texts_for_zero_shot"].get<std::vector<std::string>>());
    const float scale = std::exp(test::floats(*ref->find("logit_scale_a"))[0]);
    // The engine keeps the checkpoint's scale (exp of logit_scale_a) for zero-shot tags.
    EXPECT_NEAR(eng->logit_scale(), scale, 1e-5 * scale);
    const int64_t na = static_cast<int64_t>(spans.size()), nt = static_cast<int64_t>(text.size()) / eng->dim();
    std::vector<float> logits(static_cast<size_t>(na * nt));
    for (int64_t a = 0; a < na; a++)
        for (int64_t t = 0; t < nt; t++) {
            double dot = 0;
            for (int64_t d = 0; d < eng->dim(); d++) dot += audio[a * eng->dim() + d] * text[t * eng->dim() + d];
            logits[a * nt + t] = static_cast<float>(dot * scale);
        }
    test::expect_intermediate_close(logits.data(), *ref->find("logits_per_audio"), "logits_per_audio");
}

TEST(engine, audio_only_run_never_needs_text_weights) {
    // Weights file with the audio tower alone: embedding audio must work, text must fail cleanly.
    const fs::path dir = model_dir_with("model.safetensors");
    auto src = tensor_file::open(dir / "model.safetensors");
    std::vector<tensor_to_write> keep;
    std::vector<const tensor_view*> views;
    for (auto& [name, v] : src->tensors())
        if (v.type == dtype::f32 && (name.rfind("audio_", 0) == 0)) {
            keep.push_back({name, v.shape});
            views.push_back(&v);
        }
    fs::remove(dir / "model.safetensors");
    write_safetensors(dir / "model.safetensors", keep, [&](size_t i, float* out) {
        std::memcpy(out, views[i]->data, views[i]->nbytes);
    });
    auto eng = open_engine(dir);
    auto ref = test::open_golden("audio/chirp_10s.safetensors");
    auto wave = test::floats(*ref->find("waveform"));
    auto emb = eng->embed_audio_windows({std::span<const float>(wave)});
    test::expect_embedding_close(emb.data(), *ref->find("embedding"), "audio-only weights");
    // No logit_scale_a in these weights: the config's initial value stands in (what ClapModel starts from).
    const auto cfg = nlohmann::json::parse(std::ifstream(dir / "config.json"));
    EXPECT_FLOAT_EQ(eng->logit_scale(), cfg["logit_scale_init_value"].get<float>());
    EXPECT_THROW(eng->embed_texts({"a dog barking at night"}), std::runtime_error);
}

TEST(engine, missing_model_dir_is_a_clear_error) {
    engine_params p = engine_default_params();
    p.model_dir = "/nonexistent/sonavec-model";
    try {
        engine::open(p);
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/sonavec-model"), std::string::npos) << e.what();
    }
}
