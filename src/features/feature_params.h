// The log-mel front end's settings: every DSP choice is an explicit, validated field, read from a
// Hugging Face preprocessor_config.json (ClapFeatureExtractor) or set by hand and checked with validate().
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace sonavec {

enum class mel_scale_kind { slaney, htk };
enum class mel_norm_kind { slaney, none };

struct feature_params {
    int     sample_rate = 48000;
    int     n_fft       = 1024;  // frame length = FFT size; a power of two
    int     hop_length  = 480;
    int     n_mels      = 64;
    double  f_min       = 50;
    double  f_max       = 14000;
    int64_t max_samples = 480000;  // every input is repeated / padded / cut to exactly this many samples

    // How inputs shorter than max_samples are filled: "repeatpad" (whole copies, then zeros),
    // "repeat" (copies cut at max_samples) or "pad" (zeros).
    std::string padding = "repeatpad";
    // Inputs longer than max_samples: the reference's "rand_trunc" takes a random crop; we take the first
    // max_samples samples so that the same audio always gives the same features.
    std::string truncation = "rand_trunc";

    // Fixed by the reference's rand_trunc branch (torchlibrosa / librosa defaults); explicit so they are
    // visible and checked rather than buried in the code.
    mel_scale_kind mel_scale = mel_scale_kind::slaney;
    mel_norm_kind  mel_norm  = mel_norm_kind::slaney;
    double         power     = 2.0;    // |X|^power; 1 = magnitude, 2 = power
    double         log_floor = 1e-10;  // 10*log10(max(x, log_floor))

    // Reads the ClapFeatureExtractor keys it knows; refuses settings it cannot reproduce exactly.
    static feature_params from_json(const nlohmann::json& preprocessor_config);

    // Throws sonavec::error naming the first nonsensical field.
    void validate() const;

    int     n_bins() const { return n_fft / 2 + 1; }
    int64_t frames() const;  // centred frames over max_samples: max_samples / hop_length + 1
};

}  // namespace sonavec
