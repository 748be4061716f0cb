#include "features/mel_filterbank.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sonavec/error.h"

namespace sonavec {

namespace {

// Slaney's scale (librosa htk=False): linear below 1 kHz, logarithmic above.
constexpr double slaney_hz_per_mel = 200.0 / 3.0;
constexpr double slaney_log_hz     = 1000.0;
constexpr double slaney_log_mel    = slaney_log_hz / slaney_hz_per_mel;
const double     slaney_log_step   = std::log(6.4) / 27.0;

// numpy.linspace: start + i * step, with the last point set to stop exactly.
std::vector<double> linspace(double start, double stop, int count) {
    std::vector<double> v(static_cast<size_t>(count));
    const double step = count > 1 ? (stop - start) / (count - 1) : 0.0;
    for (int i = 0; i < count; ++i) v[static_cast<size_t>(i)] = start + i * step;
    if (count > 1) v.back() = stop;
    return v;
}

}  // namespace

// ref: audio_utils.py hertz_to_mel
double hz_to_mel(double hz, mel_scale_kind scale) {
    if (scale == mel_scale_kind::htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
    if (hz >= slaney_log_hz) return slaney_log_mel + std::log(hz / slaney_log_hz) / slaney_log_step;
    return hz / slaney_hz_per_mel;
}

// ref: audio_utils.py mel_to_hertz
double mel_to_hz(double mel, mel_scale_kind scale) {
    if (scale == mel_scale_kind::htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
    if (mel >= slaney_log_mel) return slaney_log_hz * std::exp(slaney_log_step * (mel - slaney_log_mel));
    return slaney_hz_per_mel * mel;
}

mel_filterbank::mel_filterbank(int n_fft, int sample_rate, int n_mels, double f_min, double f_max,
                               mel_scale_kind scale, mel_norm_kind norm)
    : n_mels_(n_mels), n_bins_(n_fft / 2 + 1) {
    if (n_fft < 2 || n_mels < 1 || sample_rate < 1 || !(f_min >= 0) || !(f_min < f_max) || f_max > sample_rate / 2.0)
        throw error(error_kind::invalid_input,
                    "mel_filterbank: invalid settings (n_fft " + std::to_string(n_fft) + ", n_mels " +
                        std::to_string(n_mels) + ", f_min " + std::to_string(f_min) + ", f_max " +
                        std::to_string(f_max) + ", sample_rate " + std::to_string(sample_rate) + ")");

    // ref: audio_utils.py get_mel_filter_banks (all_freqs uses the integer sample_rate // 2)
    bin_hz_  = linspace(0.0, static_cast<double>(sample_rate / 2), n_bins_);
    edge_hz_ = linspace(hz_to_mel(f_min, scale), hz_to_mel(f_max, scale), n_mels + 2);
    for (double& e : edge_hz_) e = mel_to_hz(e, scale);

    // ref: audio_utils.py _create_triangular_filterbank, then the slaney area normalisation
    weights_.assign(static_cast<size_t>(n_mels_) * n_bins_, 0.0);
    first_bin_.assign(static_cast<size_t>(n_mels_), 0);
    end_bin_.assign(static_cast<size_t>(n_mels_), 0);
    for (int m = 0; m < n_mels_; ++m) {
        const double lower  = edge_hz_[static_cast<size_t>(m)];
        const double center = edge_hz_[static_cast<size_t>(m) + 1];
        const double upper  = edge_hz_[static_cast<size_t>(m) + 2];
        const double scale_factor = norm == mel_norm_kind::slaney ? 2.0 / (upper - lower) : 1.0;
        int first = n_bins_, end = 0;
        for (int k = 0; k < n_bins_; ++k) {
            const double f    = bin_hz_[static_cast<size_t>(k)];
            const double rise = (f - lower) / (center - lower);
            const double fall = (upper - f) / (upper - center);
            const double w    = std::max(0.0, std::min(rise, fall)) * scale_factor;
            weights_[static_cast<size_t>(m) * n_bins_ + k] = w;
            if (w > 0) {
                first = std::min(first, k);
                end   = k + 1;
            }
        }
        if (end == 0)
            throw error(error_kind::invalid_input,
                        "mel_filterbank: filter " + std::to_string(m) + " (" + std::to_string(lower) + "-" +
                            std::to_string(upper) + " Hz) covers no FFT bin; use fewer mels or a larger n_fft");
        first_bin_[static_cast<size_t>(m)] = first;
        end_bin_[static_cast<size_t>(m)]   = end;
    }
}

void mel_filterbank::apply(const double* spectrum, double* mel_energy) const {
    for (int m = 0; m < n_mels_; ++m) {
        const double* w = weights_.data() + static_cast<size_t>(m) * n_bins_;
        double sum = 0.0;
        for (int k = first_bin_[static_cast<size_t>(m)]; k < end_bin_[static_cast<size_t>(m)]; ++k) sum += w[k] * spectrum[k];
        mel_energy[m] = sum;
    }
}

}  // namespace sonavec
