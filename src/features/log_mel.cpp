#include "features/log_mel.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "sonavec/error.h"

namespace sonavec {

namespace {

const feature_params& validated(const feature_params& p) {
    p.validate();
    return p;
}

// ref: feature_extraction_clap.py _np_extract_fbank_features (np.hanning(n_fft + 1)[:-1])
std::vector<double> periodic_hann(int n) {
    std::vector<double> w(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) w[static_cast<size_t>(i)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / n);
    return w;
}

// numpy "reflect" padding: mirror about the end samples without repeating them.
inline int64_t reflect_index(int64_t i, int64_t length) {
    if (i < 0) return -i;
    if (i >= length) return 2 * (length - 1) - i;
    return i;
}

}  // namespace

log_mel_extractor::log_mel_extractor(const feature_params& p)
    : params_(validated(p)),
      window_(periodic_hann(p.n_fft)),
      fft_(p.n_fft),
      filterbank_(p.n_fft, p.sample_rate, p.n_mels, p.f_min, p.f_max, p.mel_scale, p.mel_norm) {}

// ref: feature_extraction_clap.py _get_input_mel (padding branch; rand_trunc made deterministic)
std::vector<float> log_mel_extractor::fit_to_window(const float* samples, size_t n) const {
    const size_t length = static_cast<size_t>(params_.max_samples);
    if (n >= length) return std::vector<float>(samples, samples + length);

    std::vector<float> wave(length, 0.0f);
    if (params_.padding == "repeat") {
        for (size_t i = 0; i < length; ++i) wave[i] = samples[i % n];
    } else if (params_.padding == "repeatpad") {
        // Only whole copies (int(max / n) of them); the remainder stays zero.
        const size_t copies = length / n;
        for (size_t c = 0; c < copies; ++c) std::copy(samples, samples + n, wave.begin() + static_cast<std::ptrdiff_t>(c * n));
    } else {
        std::copy(samples, samples + n, wave.begin());
    }
    return wave;
}

tensor log_mel_extractor::compute(const float* samples, size_t n) const {
    tensor out({params_.frames(), params_.n_mels});
    compute_into(samples, n, out.ptr());
    return out;
}

void log_mel_extractor::compute_into(const float* samples, size_t n, float* out) const {
    if (samples == nullptr || n == 0) throw error(error_kind::invalid_input, "log-mel: need at least one audio sample");
    if (out == nullptr) throw error(error_kind::invalid_input, "log-mel: no output buffer");

    const std::vector<float> wave = fit_to_window(samples, n);
    const int64_t length = static_cast<int64_t>(wave.size());
    const int     n_fft  = params_.n_fft;
    const int     n_bins = params_.n_bins();
    const int     n_mels = params_.n_mels;

    // Scratch for one frame, reused for every frame of this call (per call, so compute stays thread-safe).
    std::vector<double>               frame(static_cast<size_t>(n_fft));
    std::vector<std::complex<double>> spectrum(static_cast<size_t>(n_bins));
    std::vector<double>               power(static_cast<size_t>(n_bins));
    std::vector<double>               mel(static_cast<size_t>(n_mels));

    const int64_t frames = params_.frames();
    for (int64_t t = 0; t < frames; ++t) {
        // ref: audio_utils.py fram_wave (center=True: frame t covers [t*hop - n_fft/2, t*hop + n_fft/2))
        const int64_t start = t * params_.hop_length - n_fft / 2;
        if (start >= 0 && start + n_fft <= length) {
            const float* src = wave.data() + start;
            for (int j = 0; j < n_fft; ++j) frame[static_cast<size_t>(j)] = src[j] * window_[static_cast<size_t>(j)];
        } else {
            for (int j = 0; j < n_fft; ++j)
                frame[static_cast<size_t>(j)] = wave[static_cast<size_t>(reflect_index(start + j, length))] *
                                                window_[static_cast<size_t>(j)];
        }

        // ref: audio_utils.py stft; feature_extraction_clap.py np.abs(spectrogram) ** 2
        // (the reference rounds the spectrum to complex64 first: a ~1e-7 relative change, ~1e-6 dB)
        fft_.transform(frame.data(), spectrum.data());
        if (params_.power == 2.0) {
            for (int k = 0; k < n_bins; ++k) power[static_cast<size_t>(k)] = std::norm(spectrum[static_cast<size_t>(k)]);
        } else {
            for (int k = 0; k < n_bins; ++k) power[static_cast<size_t>(k)] = std::abs(spectrum[static_cast<size_t>(k)]);
        }

        // ref: feature_extraction_clap.py np.matmul(mel_filters.T, magnitudes); audio_utils.py power_to_db (ref 1.0)
        filterbank_.apply(power.data(), mel.data());
        float* row = out + t * n_mels;
        for (int m = 0; m < n_mels; ++m)
            row[m] = static_cast<float>(10.0 * std::log10(std::max(mel[static_cast<size_t>(m)], params_.log_floor)));
    }
}

}  // namespace sonavec
