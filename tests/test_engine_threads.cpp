// Each engine runs its calls on its own thread count: engines of 1 and 2 threads used at once from two
// threads each give the vectors they give alone, and their kernels see their own pool; one engine
// shared by two threads still works; and a track's vector (embed_track, the pipeline) has the same bits
// on an engine of 2 threads as on one of 1, its windows run serially whatever the engine's count.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "audio/embed_pipeline.h"
#include "cli_run.h"
#include "nn/thread_pool.h"
#include "sonavec/engine.h"
#include "sonavec/track.h"
#include "test_data.h"

using namespace sonavec;

namespace {

std::unique_ptr<engine> golden_engine(int threads) {
    engine_params p = engine_default_params();
    p.model_dir = test::golden_dir() / "model";
    p.threads = threads;
    auto eng = engine::open(p);
    eng->preload(true, true);  // loading splits over the engine's pool whatever the caller's scope
    return eng;
}

// What the kernels on this thread saw: how many parallel_for calls, and the largest pool among them
// (1 for a serial call). Recorded by the observer on the thread that calls parallel_for.
thread_local int kernel_calls = 0;
thread_local int widest_pool = 0;

void record_pool(const thread_pool* pool) {
    kernel_calls++;
    widest_pool = std::max(widest_pool, pool ? pool->size() : 1);
}

struct kernels_seen {
    int calls = 0, widest = 0;
};

// Runs fn on the calling thread with the observer's counts reset; returns what its kernels saw.
template <typename F>
kernels_seen observe(F&& fn) {
    kernel_calls = 0;
    widest_pool = 0;
    fn();
    return {kernel_calls, widest_pool};
}

// Sets the observer for the test's length.
struct observed_kernels {
    observed_kernels() { set_parallel_for_observer(record_pool); }
    ~observed_kernels() { set_parallel_for_observer(nullptr); }
};

std::vector<std::vector<float>> golden_waves() {
    std::vector<std::vector<float>> waves;
    for (const char* name : {"chirp_10s", "chord_7s", "noise_3s"})
        waves.push_back(test::floats(*test::open_golden(std::string("audio/") + name + ".safetensors")->find("waveform")));
    return waves;
}

std::vector<std::span<const float>> spans(const std::vector<std::vector<float>>& waves) {
    return {waves.begin(), waves.end()};
}

std::vector<std::string> golden_texts() {
    std::vector<std::string> texts;
    auto index = nlohmann::json::parse(std::ifstream(test::golden_dir() / "index.json"));
    for (auto& c : index["text_cases"]) texts.push_back(c["text"].get<std::string>());
    return texts;
}

// An engine's audio and text vectors for the golden inputs, and what its kernels saw making them.
struct outputs {
    std::vector<float> audio, text;
    kernels_seen seen;
};

outputs embed_all(const engine& eng, const std::vector<std::vector<float>>& waves, const std::vector<std::string>& texts) {
    outputs out;
    out.seen = observe([&] {
        out.audio = eng.embed_audio_windows(spans(waves));
        out.text = eng.embed_texts(texts);
    });
    return out;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return 1e9;
    return test::max_abs_diff(a.data(), b.data(), a.size());
}

// A 30 s stereo 44.1 kHz FLAC made by sox: resampled and downmixed on decoding, six windows of 10 s.
std::filesystem::path sox_track() {
    const auto path = test::scratch_dir() / "sweep.flac";
    const auto made = test::run_shell("sox -n -r 44100 -c 2 " + test::quoted(path) +
                                      " synth 30 sine 200-2000 sine 330 vol 0.4");
    EXPECT_EQ(made.code, 0) << made.err;
    return path;
}

track_embed_params full_plan() {
    track_embed_params tp;
    tp.plan.kind = window_plan_kind::full;
    tp.plan.hop_seconds = 4;
    tp.keep_window_vectors = true;
    return tp;
}

}  // namespace

TEST(engine_threads, two_engines_of_different_thread_counts_run_side_by_side) {
    const auto one = golden_engine(1), two = golden_engine(2);
    const auto waves = golden_waves();
    const auto texts = golden_texts();
    const observed_kernels observer;
    const outputs one_alone = embed_all(*one, waves, texts), two_alone = embed_all(*two, waves, texts);
    EXPECT_EQ(one_alone.seen.widest, 1);
    EXPECT_EQ(two_alone.seen.widest, 2);
    // Both are the model's vectors: the thread count changes at most the last bits.
    EXPECT_LT(max_diff(one_alone.audio, two_alone.audio), 1e-5);
    EXPECT_LT(max_diff(one_alone.text, two_alone.text), 1e-5);

    // At once, from two threads, a few times over: each engine's own vectors, on its own pool.
    std::vector<outputs> got_one(4), got_two(4);
    std::thread a([&] {
        for (auto& o : got_one) o = embed_all(*one, waves, texts);
    });
    std::thread b([&] {
        for (auto& o : got_two) o = embed_all(*two, waves, texts);
    });
    a.join();
    b.join();
    for (size_t i = 0; i < got_one.size(); i++) {
        EXPECT_GT(got_one[i].seen.calls, 0);
        EXPECT_EQ(got_one[i].seen.widest, 1) << "call " << i << " of the 1-thread engine";
        EXPECT_EQ(got_two[i].seen.widest, 2) << "call " << i << " of the 2-thread engine";
        EXPECT_EQ(got_one[i].audio, one_alone.audio) << "call " << i;
        EXPECT_EQ(got_one[i].text, one_alone.text) << "call " << i;
        EXPECT_EQ(got_two[i].audio, two_alone.audio) << "call " << i;
        EXPECT_EQ(got_two[i].text, two_alone.text) << "call " << i;
    }
    // The calling thread is left as it was: no pool of its own.
    EXPECT_EQ(current_pool(), nullptr);
}

TEST(engine_threads, one_engine_shared_by_two_threads_gives_each_its_vectors) {
    const auto eng = golden_engine(2);
    const auto waves = golden_waves();
    const auto texts = golden_texts();
    const observed_kernels observer;
    const outputs alone = embed_all(*eng, waves, texts);
    // A caller that finds the pool busy runs its kernels inline: never more than the engine's threads.
    std::vector<outputs> got(8);
    std::vector<std::thread> callers;
    for (size_t t = 0; t < 2; t++)
        callers.emplace_back([&, t] {
            for (size_t i = t; i < got.size(); i += 2) got[i] = embed_all(*eng, waves, texts);
        });
    for (auto& c : callers) c.join();
    for (size_t i = 0; i < got.size(); i++) {
        EXPECT_LE(got[i].seen.widest, 2);
        EXPECT_LT(max_diff(got[i].audio, alone.audio), 1e-5) << "call " << i;
        EXPECT_LT(max_diff(got[i].text, alone.text), 1e-5) << "call " << i;
    }
}

TEST(engine_threads, a_track_has_the_same_bits_on_one_and_two_threads) {
    const auto file = sox_track();
    const auto one = golden_engine(1), two = golden_engine(2);
    const track_embed_params tp = full_plan();
    const observed_kernels observer;
    track_embedding on_one, on_two;
    EXPECT_EQ(observe([&] { on_one = embed_track(*one, file, tp); }).widest, 1);
    // The pipeline's serial scope holds every window of the 2-thread engine to this thread.
    const kernels_seen seen = observe([&] { on_two = embed_track(*two, file, tp); });
    EXPECT_GT(seen.calls, 0);
    EXPECT_EQ(seen.widest, 1);
    ASSERT_GT(on_one.windows.size(), track_batch_windows);  // more than one batch through the tower
    EXPECT_EQ(on_one.vector, on_two.vector);
    ASSERT_EQ(on_one.windows.size(), on_two.windows.size());
    for (size_t w = 0; w < on_one.windows.size(); w++) {
        EXPECT_EQ(on_one.windows[w].start_seconds, on_two.windows[w].start_seconds);
        EXPECT_EQ(on_one.windows[w].vector, on_two.windows[w].vector) << "window " << w;
    }

    // Two workers sharing the 2-thread engine, as `sonavec index` runs them: the same bits for each copy.
    std::vector<track_embedding> piped(2);
    embed_pipeline_params pp;
    pp.workers = 2;
    std::atomic<int> failures{0};
    run_embed_pipeline(
        *two, piped.size(), pp, [&](size_t) { return std::optional(prepare_track(*two, file, tp)); },
        [&](size_t i, track_embedding* t, const std::string&) {
            if (t) piped[i] = std::move(*t);
            else failures++;
        });
    EXPECT_EQ(failures.load(), 0);
    for (const auto& t : piped) EXPECT_EQ(t.vector, on_one.vector);
}
