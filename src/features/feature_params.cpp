#include "features/feature_params.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "util/config_json.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// Upper bounds that keep every buffer sane; no real configuration comes near them.
constexpr int     max_sample_rate  = 1'000'000;
constexpr int     max_n_fft        = 1 << 16;
constexpr int     max_n_mels       = 4096;
constexpr int64_t max_window_count = 100'000'000;

bool is_power_of_two(int v) { return v > 0 && (v & (v - 1)) == 0; }

// An int-sized integer setting (sizes and rates are ints in feature_params).
int small_int(const config_reader& c, const std::string& key, int fallback) {
    const int64_t v = c.integer(key, fallback);
    if (v < -(int64_t{1} << 30) || v > (int64_t{1} << 30))
        throw error(error_kind::corrupt_file, c.where(key) + " is out of range: " + std::to_string(v));
    return static_cast<int>(v);
}

}  // namespace

// ref: feature_extraction_clap.py ClapFeatureExtractor.__init__ (key names; absent keys take its defaults)
feature_params feature_params::from_json(const nlohmann::json& config) {
    const config_reader c(config, "preprocessor_config.json");
    const auto where = [&](const std::string& key) { return c.where(key); };

    std::string type = c.string("feature_extractor_type", "ClapFeatureExtractor");
    if (type != "ClapFeatureExtractor")
        throw error(error_kind::unsupported,
                    where("feature_extractor_type") + " is '" + type + "', expected 'ClapFeatureExtractor'");

    feature_params p;
    p.n_mels      = small_int(c, "feature_size", 64);
    p.sample_rate = small_int(c, "sampling_rate", 48000);
    p.hop_length  = small_int(c, "hop_length", 480);
    p.n_fft       = small_int(c, "fft_window_size", 1024);
    p.f_min       = c.number("frequency_min", 0.0);
    p.f_max       = c.number("frequency_max", 14000.0);
    p.padding     = c.string("padding", "repeatpad");
    p.truncation  = c.string("truncation", "fusion");

    // The reference recomputes nb_max_samples from max_length_s; a file where they disagree is corrupt.
    double max_length_s = c.number("max_length_s", 10.0);
    double samples      = max_length_s * p.sample_rate;
    if (!(samples >= 1.0 && samples <= static_cast<double>(max_window_count)) || samples != std::floor(samples))
        throw error(error_kind::corrupt_file,
                    where("max_length_s") + " x sampling_rate must be a whole number of samples in [1, " +
                        std::to_string(max_window_count) + "], got " + std::to_string(samples));
    p.max_samples = static_cast<int64_t>(samples);
    if (config.contains("nb_max_samples") && c.integer("nb_max_samples", 0) != p.max_samples)
        throw error(error_kind::corrupt_file,
                    where("nb_max_samples") + " disagrees with max_length_s x sampling_rate (" +
                        std::to_string(p.max_samples) + ")");

    auto top_db = config.find("top_db");
    if (top_db != config.end() && !top_db->is_null())
        throw error(error_kind::unsupported,
                    where("top_db") + " must be null: dynamic-range clipping is not supported");

    p.validate();

    if (config.contains("nb_frequency_bins") && small_int(c, "nb_frequency_bins", 0) != p.n_bins())
        throw error(error_kind::corrupt_file,
                    where("nb_frequency_bins") + " must be fft_window_size / 2 + 1 = " + std::to_string(p.n_bins()));
    return p;
}

void feature_params::validate() const {
    auto fail = [](const std::string& msg) { throw error(error_kind::corrupt_file, "feature parameters: " + msg); };

    if (sample_rate <= 0 || sample_rate > max_sample_rate)
        fail("sample_rate must be in [1, " + std::to_string(max_sample_rate) + "], got " + std::to_string(sample_rate));
    if (!is_power_of_two(n_fft) || n_fft < 16 || n_fft > max_n_fft)
        fail("n_fft must be a power of two in [16, " + std::to_string(max_n_fft) + "], got " + std::to_string(n_fft));
    if (n_mels <= 0 || n_mels > max_n_mels)
        fail("n_mels must be in [1, " + std::to_string(max_n_mels) + "], got " + std::to_string(n_mels));
    if (!std::isfinite(f_min) || !std::isfinite(f_max) || f_min < 0 || f_min >= f_max)
        fail("need 0 <= f_min < f_max, got f_min " + std::to_string(f_min) + ", f_max " + std::to_string(f_max));
    if (f_max > sample_rate / 2.0)
        fail("f_max " + std::to_string(f_max) + " is above the Nyquist frequency " + std::to_string(sample_rate / 2.0));
    // Reflect padding mirrors up to n_fft / 2 samples inside the window, so it must hold a whole frame.
    if (max_samples < n_fft || max_samples > max_window_count)
        fail("max_samples must be in [n_fft, " + std::to_string(max_window_count) + "], got " + std::to_string(max_samples));
    if (hop_length <= 0 || hop_length > max_samples)
        fail("hop_length must be in [1, max_samples], got " + std::to_string(hop_length));
    if (padding != "repeatpad" && padding != "repeat" && padding != "pad")
        fail("padding must be 'repeatpad', 'repeat' or 'pad', got '" + padding + "'");
    if (truncation != "rand_trunc")
        throw error(error_kind::unsupported,
                    "feature parameters: truncation must be 'rand_trunc' (the 'fusion' branch uses other filters and "
                    "stacks four crops), got '" +
                        truncation + "'");
    if (power != 1.0 && power != 2.0) fail("power must be 1 (magnitude) or 2 (power), got " + std::to_string(power));
    if (!(log_floor > 0) || !std::isfinite(log_floor)) fail("log_floor must be a positive number");
}

int64_t feature_params::frames() const {
    // ref: audio_utils.py fram_wave (range(0, len + 1, hop_length))
    return max_samples / hop_length + 1;
}

}  // namespace sonavec
