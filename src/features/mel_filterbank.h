// Triangular mel filters over the bins of a real FFT, built once (double precision, as the reference
// builds them with numpy) and applied to every frame. Each filter is stored with its nonzero bin range
// so applying the bank costs about two multiply-adds per bin.
#pragma once
#include <vector>

#include "features/feature_params.h"

namespace sonavec {

double hz_to_mel(double hz, mel_scale_kind scale);
double mel_to_hz(double mel, mel_scale_kind scale);

class mel_filterbank {
public:
    // Throws sonavec::error on bad settings, or when a filter would cover no FFT bin (too many mels
    // for the frequency resolution: the reference only warns, we refuse an always-silent channel).
    mel_filterbank(int n_fft, int sample_rate, int n_mels, double f_min, double f_max, mel_scale_kind scale,
                   mel_norm_kind norm);

    int n_mels() const { return n_mels_; }
    int n_bins() const { return n_bins_; }

    double weight(int mel, int bin) const { return weights_[static_cast<size_t>(mel) * n_bins_ + bin]; }
    double bin_hz(int bin) const { return bin_hz_[static_cast<size_t>(bin)]; }
    // The filter's peak; its edges are the neighbours' centres (the first and last edges are f_min, f_max).
    double center_hz(int mel) const { return edge_hz_[static_cast<size_t>(mel) + 1]; }
    double lower_hz(int mel) const { return edge_hz_[static_cast<size_t>(mel)]; }
    double upper_hz(int mel) const { return edge_hz_[static_cast<size_t>(mel) + 2]; }

    // mel_energy[m] = sum_k weight(m, k) * spectrum[k]; spectrum has n_bins values, mel_energy n_mels.
    void apply(const double* spectrum, double* mel_energy) const;

private:
    int                 n_mels_;
    int                 n_bins_;
    std::vector<double> bin_hz_;      // [n_bins] frequency of each FFT bin
    std::vector<double> edge_hz_;     // [n_mels + 2] filter edges, evenly spaced on the mel scale
    std::vector<double> weights_;     // [n_mels, n_bins] dense, for inspection
    std::vector<int>    first_bin_;   // [n_mels] first nonzero bin of each filter
    std::vector<int>    end_bin_;     // [n_mels] one past the last nonzero bin
};

}  // namespace sonavec
