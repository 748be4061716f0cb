#include "library/spectral_match.h"

#include <algorithm>
#include <cmath>

#include "features/log_mel.h"

namespace sonavec {

namespace {

// Quieter than this below a patch's loudest bin is silence, whose exact level (down to the log floor's
// -100 dB) says nothing about the sound.
constexpr float dynamic_range_db = 80;

// The patch clipped to its dynamic range, each mel band made zero-mean over time (what is left is how
// the sound changes, not its spectral envelope, which much unrelated music shares), then unit norm.
std::vector<double> normalised(const tensor& t, int64_t mels) {
    std::vector<double> v(t.data.begin(), t.data.end());
    if (v.empty()) return v;
    const double top = *std::max_element(v.begin(), v.end());
    for (double& x : v) x = std::max(x, top - dynamic_range_db);
    const size_t bands = static_cast<size_t>(mels), frames = v.size() / bands;
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

}  // namespace sonavec
