// CLAP's log-mel front end (transformers ClapFeatureExtractor, truncation "rand_trunc"): fit the input to
// max_samples (repeat / pad / keep the first max_samples), centred reflect-padded frames under a
// periodic Hann window, |FFT|^power, slaney mel filters, 10*log10(max(x, log_floor)). Output is
// [frames, n_mels] (time, mel), float32.
//
//   sonavec::log_mel_extractor mel(sonavec::feature_params::from_json(config));
//   sonavec::tensor features = mel.compute(samples.data(), samples.size());  // [1001, 64]
#pragma once
#include <cstddef>
#include <vector>

#include "features/feature_params.h"
#include "features/fft.h"
#include "features/mel_filterbank.h"
#include "nn/tensor.h"

namespace sonavec {

class log_mel_extractor {
public:
    // Validates p, then builds the window, the FFT tables and the filterbank once.
    explicit log_mel_extractor(const feature_params& p);

    // Any length (>= 1 sample) of mono float samples at p.sample_rate -> [frames, n_mels].
    // Longer inputs use their first max_samples samples (deterministic, unlike the reference's random crop).
    tensor compute(const float* samples, size_t n) const;
    // Same, writing frames() * n_mels floats into out, for batching without copies.
    void compute_into(const float* samples, size_t n, float* out) const;

    const feature_params&  params() const { return params_; }
    const mel_filterbank&  filterbank() const { return filterbank_; }
    const std::vector<double>& window() const { return window_; }

private:
    // The input repeated / zero-padded / cut to exactly max_samples, per params_.padding.
    std::vector<float> fit_to_window(const float* samples, size_t n) const;

    feature_params      params_;
    std::vector<double> window_;  // [n_fft] periodic Hann
    real_fft            fft_;
    mel_filterbank      filterbank_;
};

}  // namespace sonavec
