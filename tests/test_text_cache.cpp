// The text cache: a hit is the vector that was stored, another model misses, a damaged file is
// replaced with a warning, and embed-text / search give the same output with and without it.
#include <cstdlib>
#include <gtest/gtest.h>

#include <fstream>

#include "cli_run.h"
#include "library/text_cache.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

// Counts texts through embed_texts; vectors are the text's length in every component.
class counting_engine final : public engine {
public:
    mutable int texts_embedded = 0;
    engine_params params_;
    std::string id_ = "counting";
    const engine_params& params() const override { return params_; }
    const std::string& model_id() const override { return id_; }
    int64_t dim() const override { return 4; }
    int64_t sample_rate() const override { return 48000; }
    int64_t window_samples() const override { return 480000; }
    float logit_scale() const override { return 1.0f / 0.07f; }
    std::vector<float> embed_audio_windows(const std::vector<std::span<const float>>&) const override { return {}; }
    std::vector<float> embed_audio_features(const float*, int64_t) const override { return {}; }
    std::vector<float> audio_features(const std::vector<std::span<const float>>&) const override { return {}; }
    std::vector<float> embed_texts(const std::vector<std::string>& texts) const override {
        std::vector<float> out;
        for (const auto& t : texts) {
            texts_embedded++;
            out.insert(out.end(), 4, static_cast<float>(t.size()) + 0.25f);
        }
        return out;
    }
    std::vector<float> embed_token_ids(const std::vector<int64_t>&, const std::vector<int64_t>&, int64_t,
                                       int64_t) const override {
        return {};
    }
    std::vector<int64_t> tokenize(const std::string&) const override { return {}; }
    void preload(bool, bool) const override {}
    std::vector<tower_info> describe() const override { return {}; }
    std::vector<std::string> unknown_tensors() const override { return {}; }
};

fs::path fresh(const std::string& name) {
    const fs::path dir = test::scratch_dir() / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string golden_model() { return (test::golden_dir() / "model").string(); }

}  // namespace

TEST(text_cache, a_hit_returns_the_stored_vector_and_skips_the_tower) {
    const fs::path file = fresh("hit") / "cache.sqlite";
    counting_engine eng;
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    std::vector<float> first, second;
    {
        text_cache cache(file, "model-a", eng.dim(), warn);
        first = embed_texts_cached(eng, &cache, {"rain", "dark strings", "rain"});
    }
    EXPECT_EQ(eng.texts_embedded, 2);  // the repeated text once
    {
        text_cache cache(file, "model-a", eng.dim(), warn);
        second = embed_texts_cached(eng, &cache, {"dark strings", "rain"});
    }
    EXPECT_EQ(eng.texts_embedded, 2);  // both from the file
    EXPECT_EQ(std::vector<float>(second.begin(), second.begin() + 4), std::vector<float>(first.begin() + 4, first.end() - 4));
    EXPECT_EQ(std::vector<float>(second.begin() + 4, second.end()), std::vector<float>(first.begin(), first.begin() + 4));
    EXPECT_TRUE(warnings.empty());
}

TEST(text_cache, another_model_or_text_misses) {
    const fs::path file = fresh("miss") / "cache.sqlite";
    counting_engine eng;
    text_cache a(file, "model-a", eng.dim(), nullptr);
    const float v[4] = {1, 2, 3, 4};
    a.put("rain", v);
    ASSERT_TRUE(a.get("rain"));
    EXPECT_FALSE(a.get("Rain"));
    EXPECT_FALSE(a.get("rain "));
    text_cache b(file, "model-b", eng.dim(), nullptr);
    EXPECT_FALSE(b.get("rain"));
    text_cache wider(file, "model-a", 8, nullptr);  // a row of the wrong size is no hit
    EXPECT_FALSE(wider.get("rain"));
}

// model_key reads and writes the model digest cache: keep it in the scratch folder, not the user's.
const bool cache_in_scratch = [] {
    return setenv("XDG_CACHE_HOME", (test::scratch_dir() / "xdg-cache").c_str(), 1) == 0;
}();

TEST(text_cache, model_key_changes_with_the_model_files) {
    ASSERT_TRUE(cache_in_scratch);
    const fs::path dir = fresh("key");
    for (const char* f : {"config.json", "preprocessor_config.json", "vocab.json", "merges.txt"})
        fs::copy_file(fs::path(golden_model()) / f, dir / f);
    test::write_file(dir / "model.safetensors", "weights");
    const std::string before = text_cache::model_key(dir);
    EXPECT_EQ(text_cache::model_key(dir), before);
    test::write_file(dir / "model.safetensors", "other weights");
    EXPECT_NE(text_cache::model_key(dir), before);
    EXPECT_NE(text_cache::model_key(golden_model()), before);
    // Other weights of the same size with the old mtime put back: the content digest tells them apart.
    const std::string other = text_cache::model_key(dir);
    const auto mtime = fs::last_write_time(dir / "model.safetensors");
    test::write_file(dir / "model.safetensors", "otter weights");
    fs::last_write_time(dir / "model.safetensors", mtime);
    EXPECT_NE(text_cache::model_key(dir), other);
    EXPECT_TRUE(fs::exists(test::scratch_dir() / "xdg-cache" / "sonavec" / "model-digests.json"));
}

TEST(text_cache, model_key_changes_with_the_precision) {
    const fs::path model = golden_model();
    const std::string fp32 = text_cache::model_key(model);
    EXPECT_EQ(text_cache::model_key(model, precision::fp32), fp32);  // fp32 keys are the ones written before
    const std::string bf16 = text_cache::model_key(model, precision::bf16);
    const std::string int8 = text_cache::model_key(model, precision::int8);
    EXPECT_NE(bf16, fp32);
    EXPECT_NE(int8, fp32);
    EXPECT_NE(int8, bf16);
}

TEST(text_cache, a_damaged_file_is_replaced_with_a_warning) {
    const fs::path dir = fresh("damaged");
    counting_engine eng;
    for (const std::string& bytes : {std::string("not a database at all"), std::string("SQLite format 3\0garbage", 23),
                                    std::string(4096, '\xff')}) {
        test::write_file(dir / "cache.sqlite", bytes);
        std::vector<std::string> warnings;
        text_cache cache(dir / "cache.sqlite", "m", eng.dim(), [&](const std::string& w) { warnings.push_back(w); });
        ASSERT_FALSE(warnings.empty());
        EXPECT_NE(warnings[0].find("text cache"), std::string::npos) << warnings[0];
        const float v[4] = {1, 2, 3, 4};
        cache.put("rain", v);
        ASSERT_TRUE(cache.get("rain"));
        EXPECT_EQ(*cache.get("rain"), std::vector<float>(v, v + 4));
    }
    // A cache that cannot be made at all leaves the cache off, and embedding still works.
    test::write_file(dir / "a_file", "x");
    std::vector<std::string> warnings;
    text_cache off(dir / "a_file" / "cache.sqlite", "m", eng.dim(), [&](const std::string& w) { warnings.push_back(w); });
    EXPECT_FALSE(warnings.empty());
    EXPECT_EQ(embed_texts_cached(eng, &off, {"rain"}).size(), 4u);
}

TEST(text_cache, embed_text_output_is_the_same_from_the_cache) {
    const fs::path dir = fresh("cli");
    const std::string env = "XDG_CACHE_HOME=" + test::quoted(dir / "cache") + " ";
    const std::string cmd = test::quoted(test::cli_path()) + " embed-text --model " + test::quoted(golden_model()) +
                            " 'a dog barking at night' 'rain on a tin roof'";
    const auto uncached = test::run_shell(env + cmd + " --no-cache");
    ASSERT_EQ(uncached.code, 0) << uncached.err;
    EXPECT_FALSE(fs::exists(dir / "cache/sonavec/text-cache.sqlite"));
    const auto filled = test::run_shell(env + cmd);
    ASSERT_EQ(filled.code, 0) << filled.err;
    EXPECT_TRUE(fs::exists(dir / "cache/sonavec/text-cache.sqlite"));
    const auto hit = test::run_shell(env + cmd);
    ASSERT_EQ(hit.code, 0) << hit.err;
    EXPECT_EQ(hit.out, uncached.out);
    EXPECT_EQ(filled.out, uncached.out);
    EXPECT_EQ(hit.err, "");

    test::write_file(dir / "cache/sonavec/text-cache.sqlite", std::string(10000, 'x'));
    const auto damaged = test::run_shell(env + cmd);
    ASSERT_EQ(damaged.code, 0) << damaged.err;
    EXPECT_EQ(damaged.out, uncached.out);
    EXPECT_NE(damaged.err.find("warning: text cache"), std::string::npos) << damaged.err;
}
