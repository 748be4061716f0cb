#include "audio/track_embedder.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "util/error.h"

namespace sonavec {

namespace {
constexpr size_t max_windows_per_batch = 8;
}

double engine_window_seconds(const engine& eng) {
    return static_cast<double>(eng.window_samples()) / static_cast<double>(eng.sample_rate());
}

std::vector<float> mean_direction(const float* rows_data, int64_t rows, int64_t dim) {
    if (rows <= 0 || dim <= 0) throw error("no vectors to average");
    // Summed in double so the result does not depend on the order of a long list of windows.
    std::vector<double> sum(static_cast<size_t>(dim), 0.0);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < dim; i++) sum[static_cast<size_t>(i)] += rows_data[r * dim + i];
    double norm = 0;
    for (double v : sum) norm += v * v;
    norm = std::sqrt(norm);
    if (!std::isfinite(norm) || norm <= 0) throw error("the window embeddings average to no direction");
    std::vector<float> out(static_cast<size_t>(dim));
    for (size_t i = 0; i < out.size(); i++) out[i] = static_cast<float>(sum[i] / norm);
    return out;
}

track_embedding embed_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params) {
    window_plan_params plan = params.plan;
    plan.max_window_seconds = engine_window_seconds(eng);

    audio_decoder decoder(path, static_cast<int>(eng.sample_rate()));
    track_embedding out;
    out.path = path;
    out.info = decoder.info();

    std::vector<std::vector<float>> samples;
    for (const analysis_window& w : plan_windows(plan, out.info.duration_seconds)) {
        std::vector<float> s = decoder.read(w.start_seconds, w.length_seconds);
        // A container may overstate the duration; a window past the real end holds nothing to embed.
        if (s.empty()) continue;
        const double decoded_seconds = static_cast<double>(s.size()) / static_cast<double>(eng.sample_rate());
        out.windows.push_back({w.start_seconds, decoded_seconds, {}});
        samples.push_back(std::move(s));
    }
    if (samples.empty()) throw error("no audio could be decoded");

    // Batches bound the tower's scratch memory: a full plan over a long track has dozens of windows,
    // and every worker thread holds one batch.
    const int64_t dim = eng.dim();
    const int64_t rows = static_cast<int64_t>(samples.size());
    std::vector<float> vectors;
    vectors.reserve(static_cast<size_t>(rows * dim));
    for (size_t first = 0; first < samples.size(); first += max_windows_per_batch) {
        const size_t end = std::min(samples.size(), first + max_windows_per_batch);
        const std::vector<std::span<const float>> spans(samples.begin() + static_cast<long>(first),
                                                        samples.begin() + static_cast<long>(end));
        const std::vector<float> batch = eng.embed_audio_windows(spans);
        vectors.insert(vectors.end(), batch.begin(), batch.end());
    }
    for (float v : vectors)
        if (!std::isfinite(v)) throw error("the model produced a non-finite embedding");
    out.vector = mean_direction(vectors.data(), rows, dim);
    if (params.keep_window_vectors)
        for (int64_t r = 0; r < rows; r++)
            out.windows[static_cast<size_t>(r)].vector.assign(vectors.data() + r * dim, vectors.data() + (r + 1) * dim);
    return out;
}

}  // namespace sonavec
