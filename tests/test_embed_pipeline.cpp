// The embedding pipeline: every track's vector is the one embed_track's batches give, whatever the
// number of workers; tracks that need no tower, fail, or hold no windows are each reported once.
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>

#include "audio/embed_pipeline.h"
#include "test_data.h"

using namespace sonavec;

namespace {

// Track i: i + 1 windows cut from a golden waveform (long tracks span several batches), read a batch
// at a time as prepare_track's reader does.
std::vector<std::span<const float>> track_windows(const std::vector<float>& wave, size_t i) {
    std::vector<std::span<const float>> windows;
    for (size_t w = 0; w <= i; w++) {
        const size_t start = (w * 7919 + i * 104729) % (wave.size() / 2);
        windows.emplace_back(wave.data() + start, wave.size() / 2);
    }
    return windows;
}

prepared_track make_track(const std::vector<float>& wave, size_t i) {
    const auto windows = track_windows(wave, i);
    prepared_track p;
    p.path = "track" + std::to_string(i);
    p.batch_count = (windows.size() + track_batch_windows - 1) / track_batch_windows;
    p.read = [windows](size_t b) {
        window_batch out;
        for (size_t w = b * track_batch_windows; w < std::min(windows.size(), (b + 1) * track_batch_windows); w++) {
            out.windows.push_back({static_cast<double>(w), 1.0, {}});
            out.samples.emplace_back(windows[w].begin(), windows[w].end());
        }
        return out;
    };
    return p;
}

// The vectors as the reference computes them: features of all windows at once, the tower in batches
// of track_batch_windows, the mean of every window's vector.
std::vector<float> expected_vector(const engine& eng, const std::vector<float>& wave, size_t i) {
    const auto windows = track_windows(wave, i);
    const std::vector<float> features = eng.audio_features(windows);
    const int64_t rows = static_cast<int64_t>(windows.size());
    const int64_t per = static_cast<int64_t>(features.size()) / rows;
    std::vector<float> vectors;
    for (int64_t first = 0; first < rows; first += static_cast<int64_t>(track_batch_windows)) {
        const int64_t n = std::min<int64_t>(rows - first, static_cast<int64_t>(track_batch_windows));
        auto b = eng.embed_audio_features(features.data() + first * per, n);
        vectors.insert(vectors.end(), b.begin(), b.end());
    }
    // The mean of every window's vector, summed in double, normalised.
    const int64_t dim = eng.dim();
    std::vector<double> sum(static_cast<size_t>(dim), 0.0);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t k = 0; k < dim; k++) sum[static_cast<size_t>(k)] += vectors[static_cast<size_t>(r * dim + k)];
    double norm = 0;
    for (double v : sum) norm += v * v;
    norm = std::sqrt(norm);
    std::vector<float> out(sum.size());
    for (size_t k = 0; k < out.size(); k++) out[k] = static_cast<float>(sum[k] / norm);
    return out;
}

}  // namespace

TEST(embed_pipeline, vectors_do_not_depend_on_the_workers) {
    const auto eng = test::golden_engine(1);
    const auto wave = test::floats(*test::open_golden("audio/chirp_10s.safetensors")->find("waveform"));
    const size_t count = 3 * track_batch_windows + 2;  // later tracks span two to four batches
    std::vector<std::vector<float>> expected;
    for (size_t i = 0; i < count; i++) expected.push_back(expected_vector(*eng, wave, i));
    for (int workers : {1, 2, 5}) {
        std::mutex m;
        std::vector<std::vector<float>> got(count);
        std::vector<int> calls(count, 0);
        embed_pipeline_params pp;
        pp.workers = workers;
        run_embed_pipeline(
            *eng, count, pp, [&](size_t i) { return std::optional(make_track(wave, i)); },
            [&](size_t i, track_embedding* t, const std::string& error) {
                std::lock_guard lock(m);
                calls[i]++;
                ASSERT_TRUE(t) << error;
                got[i] = t->vector;
            });
        for (size_t i = 0; i < count; i++) {
            EXPECT_EQ(calls[i], 1) << i;
            EXPECT_EQ(got[i], expected[i]) << "track " << i << ", " << workers << " workers";
        }
    }
}

TEST(embed_pipeline, skipped_empty_and_failing_items) {
    const auto eng = test::golden_engine(1);
    const auto wave = test::floats(*test::open_golden("audio/noise_3s.safetensors")->find("waveform"));
    std::mutex m;
    std::vector<std::string> outcome(6);
    embed_pipeline_params pp;
    pp.workers = 3;
    run_embed_pipeline(
        *eng, outcome.size(), pp,
        [&](size_t i) -> std::optional<prepared_track> {
            if (i == 1) return std::nullopt;             // dealt with by the caller
            if (i == 2) return prepared_track{};         // no windows planned
            return make_track(wave, i % 3);
        },
        [&](size_t i, track_embedding* t, const std::string& error) {
            std::lock_guard lock(m);
            outcome[i] += t ? "ok" : "failed: " + error;
        });
    EXPECT_EQ(outcome, (std::vector<std::string>{"ok", "", "failed: no audio could be decoded", "ok", "ok", "ok"}));

    // An exception from prepare stops the run and comes out of it.
    EXPECT_THROW(run_embed_pipeline(
                     *eng, 8, pp,
                     [&](size_t i) -> std::optional<prepared_track> {
                         if (i == 3) throw std::runtime_error("catalog gone");
                         return make_track(wave, 0);
                     },
                     [](size_t, track_embedding*, const std::string&) {}),
                 std::runtime_error);
}
