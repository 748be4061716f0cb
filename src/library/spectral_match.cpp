#include "library/spectral_match.h"

#include <algorithm>
#include <cmath>

#include "features/log_mel.h"

namespace sonavec {

namespace {

// Quieter than this below a patch's loudest bin is silence, whose exact level (down to the log floor's
// -100 dB) says nothing about the sound.
constexpr float dynamic_range_db = 80;

// `frames` frames from `first` of a [frames, bands] spectrogram, clipped to their dynamic range, each mel band made zero-mean over time (what is left is how
// the sound changes, not its spectral envelope, which much unrelated music shares), then unit norm.
std::vector<double> normalised(const float* t, size_t first, size_t frames, int64_t mels) {
    const size_t bands = static_cast<size_t>(mels);
    std::vector<double> v(t + first * bands, t + (first + frames) * bands);
    if (v.empty()) return v;
    const double top = *std::max_element(v.begin(), v.end());
    for (double& x : v) x = std::max(x, top - dynamic_range_db);
    for (size_t b = 0; b < bands; b++) {
        double mean = 0;
        for (size_t f = 0; f < frames; f++) mean += v[f * bands + b];
        mean /= static_cast<double>(frames);
        for (size_t f = 0; f < frames; f++) v[f * bands + b] -= mean;
    }
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    for (double& x : v) x = norm > 0 ? x / norm : 0;
    return v;
}

std::vector<double> normalised(const tensor& t, int64_t mels) {
    return normalised(t.data.data(), 0, t.data.size() / static_cast<size_t>(mels), mels);
}

}  // namespace

struct spectral_match::impl {
    std::unique_ptr<log_mel_extractor> mel;
    std::vector<double> query;
    size_t samples = 0;
};

spectral_match::spectral_match(std::span<const float> query, int rate) : impl_(std::make_unique<impl>()) {
    feature_params p;
    p.sample_rate = rate;
    p.max_samples = static_cast<int64_t>(std::max<size_t>(query.size(), static_cast<size_t>(p.n_fft)));
    p.padding = "pad";
    impl_->samples = static_cast<size_t>(p.max_samples);
    impl_->mel = std::make_unique<log_mel_extractor>(p);
    impl_->query = normalised(impl_->mel->compute(query.data(), query.size()), p.n_mels);
}

spectral_match::~spectral_match() = default;

double spectral_match::correlation(std::span<const float> window) const {
    if (window.empty()) return 0;
    const std::vector<double> w = normalised(impl_->mel->compute(window.data(), std::min(window.size(), impl_->samples)),
                                              impl_->mel->params().n_mels);
    double dot = 0;
    for (size_t i = 0; i < w.size() && i < impl_->query.size(); i++) dot += w[i] * impl_->query[i];
    return dot;
}

spectral_match::spectrogram spectral_match::spectrogram_of(std::span<const float> span, int rate) {
    feature_params p;
    p.sample_rate = rate;
    p.max_samples = static_cast<int64_t>(std::max<size_t>(span.size(), static_cast<size_t>(p.n_fft)));
    p.padding = "pad";
    spectrogram s;
    if (span.empty()) return s;
    s.values = log_mel_extractor(p).compute(span.data(), span.size()).data;
    s.frames = s.values.size() / static_cast<size_t>(p.n_mels);
    return s;
}

spectral_match::placement spectral_match::best_placement(const spectrogram& span) const {
    const feature_params& p = impl_->mel->params();
    const size_t bands = static_cast<size_t>(p.n_mels), patch = impl_->query.size() / bands;
    placement best;
    if (span.frames < patch || patch == 0) return best;
    // normalised() of every patch, without making each: the query is zero-mean in each band, so a patch's
    // band means drop out of the dot product and only its norm needs them, from running sums. The span is
    // clipped to its own dynamic range once (a patch's own loudest bin is at most the span's).
    std::vector<double> x(span.values.begin(), span.values.end());
    const double top = *std::max_element(x.begin(), x.end());
    for (double& v : x) v = std::max(v, top - dynamic_range_db);
    std::vector<double> sum((span.frames + 1) * bands, 0.0), squares(span.frames + 1, 0.0);  // running, per band / all
    for (size_t f = 0; f < span.frames; f++) {
        double sq = 0;
        for (size_t b = 0; b < bands; b++) {
            const double v = x[f * bands + b];
            sum[(f + 1) * bands + b] = sum[f * bands + b] + v;
            sq += v * v;
        }
        squares[f + 1] = squares[f] + sq;
    }
    const double n = static_cast<double>(patch);
    for (size_t f = 0; f + patch <= span.frames; f++) {
        double norm2 = squares[f + patch] - squares[f];
        for (size_t b = 0; b < bands; b++) {
            const double s = sum[(f + patch) * bands + b] - sum[f * bands + b];
            norm2 -= s * s / n;
        }
        if (!(norm2 > 1e-12)) continue;  // a flat patch: no shape to compare
        const double* w = x.data() + f * bands;
        double dot = 0;
        for (size_t i = 0; i < patch * bands; i++) dot += w[i] * impl_->query[i];
        const double c = dot / std::sqrt(norm2);
        if (c > best.correlation) best = {static_cast<double>(f) * p.hop_length / p.sample_rate, c};
    }
    return best;
}

spectral_match::placement spectral_match::best_placement(std::span<const float> span) const {
    if (span.size() <= impl_->samples) return {0, correlation(span)};
    return best_placement(spectrogram_of(span, impl_->mel->params().sample_rate));
}

}  // namespace sonavec
