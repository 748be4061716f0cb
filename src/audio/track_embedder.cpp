#include "audio/track_embedder.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "util/error.h"

namespace sonavec {

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

prepared_track prepare_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params) {
    window_plan_params plan = params.plan;
    plan.max_window_seconds = engine_window_seconds(eng);

    audio_decoder decoder(path, static_cast<int>(eng.sample_rate()));
    prepared_track out;
    out.track.path = path;
    out.track.info = decoder.info();

    std::vector<std::vector<float>> samples;
    for (const analysis_window& w : plan_windows(plan, out.track.info.duration_seconds)) {
        std::vector<float> s = decoder.read(w.start_seconds, w.length_seconds);
        // A container may overstate the duration; a window past the real end holds nothing to embed.
        if (s.empty()) continue;
        const double decoded_seconds = static_cast<double>(s.size()) / static_cast<double>(eng.sample_rate());
        out.track.windows.push_back({w.start_seconds, decoded_seconds, {}});
        samples.push_back(std::move(s));
    }
    if (samples.empty()) throw error("no audio could be decoded");
    out.features = eng.audio_features(std::vector<std::span<const float>>(samples.begin(), samples.end()));
    return out;
}

void finish_track(track_embedding& track, const float* window_vectors, int64_t dim, bool keep_window_vectors) {
    const int64_t rows = static_cast<int64_t>(track.windows.size());
    for (int64_t i = 0; i < rows * dim; i++)
        if (!std::isfinite(window_vectors[i])) throw error("the model produced a non-finite embedding");
    track.vector = mean_direction(window_vectors, rows, dim);
    if (keep_window_vectors)
        for (int64_t r = 0; r < rows; r++)
            track.windows[static_cast<size_t>(r)].vector.assign(window_vectors + r * dim, window_vectors + (r + 1) * dim);
}

track_embedding embed_track(const engine& eng, const std::filesystem::path& path, const track_embed_params& params) {
    prepared_track p = prepare_track(eng, path, params);
    const int64_t dim = eng.dim();
    const int64_t rows = static_cast<int64_t>(p.track.windows.size());
    const int64_t per = static_cast<int64_t>(p.features.size()) / rows;
    std::vector<float> vectors;
    vectors.reserve(static_cast<size_t>(rows * dim));
    for (int64_t first = 0; first < rows; first += track_batch_windows) {
        const int64_t n = std::min(rows - first, static_cast<int64_t>(track_batch_windows));
        const std::vector<float> batch = eng.embed_audio_features(p.features.data() + first * per, n);
        vectors.insert(vectors.end(), batch.begin(), batch.end());
    }
    finish_track(p.track, vectors.data(), dim, params.keep_window_vectors);
    return std::move(p.track);
}

}  // namespace sonavec
