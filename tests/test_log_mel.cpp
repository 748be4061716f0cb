// The log-mel front end against the Hugging Face reference (golden features), against plain reference
// implementations (naive DFT, a sine's analytic spectrum) and against nonsense parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <fstream>
#include <iostream>
#include <numbers>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "features/feature_params.h"
#include "features/fft.h"
#include "features/log_mel.h"
#include "features/mel_filterbank.h"
#include "sonavec/error.h"
#include "test_data.h"

using namespace sonavec;

namespace {

nlohmann::json golden_config() {
    std::ifstream in(test::golden_dir() / "model/preprocessor_config.json");
    return nlohmann::json::parse(in);
}

const log_mel_extractor& golden_extractor() {
    static const log_mel_extractor extractor(feature_params::from_json(golden_config()));
    return extractor;
}

std::vector<float> sine(double hz, double amplitude, size_t n, int sample_rate) {
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / sample_rate));
    return x;
}

std::vector<float> random_signal(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = dist(rng);
    return x;
}

}  // namespace

// ---- golden: the Hugging Face ClapFeatureExtractor's output ---------------------------------------

class golden_log_mel : public ::testing::TestWithParam<std::string> {};

TEST_P(golden_log_mel, matches_reference_features) {
    auto file = test::open_golden("audio/" + GetParam() + ".safetensors");
    const tensor_view* waveform  = file->find("waveform");
    const tensor_view* reference = file->find("input_features");
    ASSERT_NE(waveform, nullptr);
    ASSERT_NE(reference, nullptr);
    ASSERT_EQ(reference->shape, (std::vector<int64_t>{1, 1, 1001, 64}));

    std::vector<float> samples  = test::floats(*waveform);
    std::vector<float> expected = test::floats(*reference);
    tensor features = golden_extractor().compute(samples.data(), samples.size());
    ASSERT_EQ(features.shape, (std::vector<int64_t>{1001, 64}));

    double max_diff = 0, sum_diff = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        double d = std::fabs(static_cast<double>(features.data[i]) - expected[i]);
        max_diff = std::max(max_diff, d);
        sum_diff += d;
    }
    const double mean_diff = sum_diff / static_cast<double>(expected.size());
    std::cout << "[ log-mel  ] " << GetParam() << " (" << samples.size() << " samples): max |diff| " << max_diff
              << " dB, mean |diff| " << mean_diff << " dB\n";
    EXPECT_LE(max_diff, 1e-2) << GetParam();
    EXPECT_LE(mean_diff, 1e-3) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(cases, golden_log_mel,
                         ::testing::Values("chirp_10s", "chord_7s", "noise_3s", "blip_0p5s", "silence_10s", "odd_4p321s"));

TEST(log_mel, reads_golden_preprocessor_config) {
    feature_params p = feature_params::from_json(golden_config());
    EXPECT_EQ(p.sample_rate, 48000);
    EXPECT_EQ(p.n_fft, 1024);
    EXPECT_EQ(p.hop_length, 480);
    EXPECT_EQ(p.n_mels, 64);
    EXPECT_EQ(p.f_min, 50.0);
    EXPECT_EQ(p.f_max, 14000.0);
    EXPECT_EQ(p.max_samples, 480000);
    EXPECT_EQ(p.padding, "repeatpad");
    EXPECT_EQ(p.frames(), 1001);
    EXPECT_EQ(feature_params{}.frames(), 1001);
}

// ---- FFT against a naive DFT -----------------------------------------------------------------------

TEST(real_fft, matches_naive_dft) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    for (int n : {2, 4, 8, 16, 64, 256, 1024}) {
        std::vector<double> x(static_cast<size_t>(n));
        for (double& v : x) v = dist(rng);
        real_fft fft(n);
        ASSERT_EQ(fft.bins(), n / 2 + 1);
        std::vector<std::complex<double>> fast(static_cast<size_t>(fft.bins()));
        fft.transform(x.data(), fast.data());

        double worst = 0;
        for (int k = 0; k <= n / 2; ++k) {
            std::complex<double> sum = 0;
            for (int t = 0; t < n; ++t) {
                // Reduce k*t mod n first so the angle stays small and the reference itself stays exact.
                double angle = -2.0 * std::numbers::pi * static_cast<double>((static_cast<int64_t>(k) * t) % n) / n;
                sum += x[static_cast<size_t>(t)] * std::complex<double>(std::cos(angle), std::sin(angle));
            }
            worst = std::max(worst, std::abs(sum - fast[static_cast<size_t>(k)]));
        }
        EXPECT_LE(worst, 1e-12 * n) << "n = " << n;
    }
}

TEST(real_fft, refuses_bad_sizes) {
    EXPECT_THROW(real_fft(0), sonavec::error);
    EXPECT_THROW(real_fft(1), sonavec::error);
    EXPECT_THROW(real_fft(1000), sonavec::error);
    EXPECT_THROW(real_fft(-8), sonavec::error);
}

// ---- slaney mel scale and filters ------------------------------------------------------------------

TEST(mel_filterbank, slaney_scale_known_points) {
    EXPECT_DOUBLE_EQ(hz_to_mel(0.0, mel_scale_kind::slaney), 0.0);
    EXPECT_DOUBLE_EQ(hz_to_mel(50.0, mel_scale_kind::slaney), 0.75);
    EXPECT_DOUBLE_EQ(hz_to_mel(1000.0, mel_scale_kind::slaney), 15.0);
    EXPECT_NEAR(hz_to_mel(6400.0, mel_scale_kind::slaney), 42.0, 1e-12);  // 27 log steps of 6.4 above 1 kHz
    EXPECT_NEAR(hz_to_mel(700.0, mel_scale_kind::htk), 2595.0 * std::log10(2.0), 1e-9);
    for (double hz : {20.0, 50.0, 999.0, 1000.0, 4321.0, 14000.0, 24000.0}) {
        EXPECT_NEAR(mel_to_hz(hz_to_mel(hz, mel_scale_kind::slaney), mel_scale_kind::slaney), hz, 1e-9 * hz);
        EXPECT_NEAR(mel_to_hz(hz_to_mel(hz, mel_scale_kind::htk), mel_scale_kind::htk), hz, 1e-9 * hz);
    }
}

TEST(mel_filterbank, triangles_with_slaney_area_normalisation) {
    const feature_params p;
    mel_filterbank slaney(p.n_fft, p.sample_rate, p.n_mels, p.f_min, p.f_max, mel_scale_kind::slaney, mel_norm_kind::slaney);
    mel_filterbank plain(p.n_fft, p.sample_rate, p.n_mels, p.f_min, p.f_max, mel_scale_kind::slaney, mel_norm_kind::none);
    ASSERT_EQ(slaney.n_mels(), 64);
    ASSERT_EQ(slaney.n_bins(), 513);
    EXPECT_DOUBLE_EQ(slaney.lower_hz(0), 50.0);
    EXPECT_NEAR(slaney.upper_hz(63), 14000.0, 1e-9);
    const double bin_width = 48000.0 / 1024;

    for (int m = 0; m < slaney.n_mels(); ++m) {
        // Centres are evenly spaced in mel.
        if (m > 0) {
            double step = hz_to_mel(slaney.center_hz(m), mel_scale_kind::slaney) -
                          hz_to_mel(slaney.center_hz(m - 1), mel_scale_kind::slaney);
            EXPECT_NEAR(step, (hz_to_mel(14000, mel_scale_kind::slaney) - 0.75) / 65, 1e-9);
        }
        const double width = slaney.upper_hz(m) - slaney.lower_hz(m);
        double area = 0;
        for (int k = 0; k < slaney.n_bins(); ++k) {
            const double f = slaney.bin_hz(k);
            const double w = plain.weight(m, k);
            // A triangle of height 1 at the centre, zero outside (lower, upper), linear in between.
            double expected = 0;
            if (f > slaney.lower_hz(m) && f <= slaney.center_hz(m))
                expected = (f - slaney.lower_hz(m)) / (slaney.center_hz(m) - slaney.lower_hz(m));
            else if (f > slaney.center_hz(m) && f < slaney.upper_hz(m))
                expected = (slaney.upper_hz(m) - f) / (slaney.upper_hz(m) - slaney.center_hz(m));
            EXPECT_NEAR(w, expected, 1e-12) << "mel " << m << " bin " << k;
            EXPECT_LE(w, 1.0);
            // Slaney norm: scaled by 2 / width, so the continuous triangle has unit area in Hz.
            EXPECT_NEAR(slaney.weight(m, k), w * 2.0 / width, 1e-15) << "mel " << m << " bin " << k;
            area += slaney.weight(m, k) * bin_width;
        }
        // Sampled on the FFT grid the area is only ~1; wide filters sample it well.
        if (width > 8 * bin_width) {
            EXPECT_NEAR(area, 1.0, 0.02) << "mel " << m;
        }
    }
}

TEST(mel_filterbank, refuses_filters_that_cover_no_bin) {
    EXPECT_THROW(mel_filterbank(64, 48000, 128, 0, 24000, mel_scale_kind::slaney, mel_norm_kind::slaney), sonavec::error);
    EXPECT_THROW(mel_filterbank(1024, 48000, 64, 50, 30000, mel_scale_kind::slaney, mel_norm_kind::slaney), sonavec::error);
}

// ---- known signals ---------------------------------------------------------------------------------

TEST(log_mel, sine_matches_analytic_spectrum) {
    // A sine with a whole number k of cycles per frame under a periodic Hann window has exactly three
    // nonzero bins: |X[k]| = n/4, |X[k +- 1]| = n/8 (amplitude 1).
    const log_mel_extractor& mel = golden_extractor();
    const feature_params& p = mel.params();
    for (int k : {5, 40, 100, 200, 290}) {
        const double hz = static_cast<double>(k) * p.sample_rate / p.n_fft;
        std::vector<float> x = sine(hz, 1.0, static_cast<size_t>(p.max_samples), p.sample_rate);
        tensor features = mel.compute(x.data(), x.size());

        const double main = std::pow(p.n_fft / 4.0, 2), side = std::pow(p.n_fft / 8.0, 2);
        for (int m = 0; m < p.n_mels; ++m) {
            const mel_filterbank& fb = mel.filterbank();
            const double energy = fb.weight(m, k) * main + fb.weight(m, k - 1) * side + fb.weight(m, k + 1) * side;
            const double expected_db = 10.0 * std::log10(std::max(energy, 1e-10));
            if (energy < 1e-3) continue;  // float32 input rounding leaks ~1e-4 into empty filters
            for (int64_t t : {2, 500, 998}) {  // frames 0, 1, 999, 1000 reach into the reflect padding
                EXPECT_NEAR(features.data[static_cast<size_t>(t * p.n_mels + m)], expected_db, 1e-3)
                    << "bin " << k << " mel " << m << " frame " << t;
            }
        }
    }
}

TEST(log_mel, sine_peaks_in_the_nearest_mel_filter) {
    const log_mel_extractor& mel = golden_extractor();
    const feature_params& p = mel.params();
    const mel_filterbank& fb = mel.filterbank();
    std::vector<double> frequencies = {440.0, 1000.0, 2500.0, 5000.0, 8000.0, 12000.0};
    for (int m : {8, 20, 33, 47, 60}) frequencies.push_back(fb.center_hz(m));

    for (double hz : frequencies) {
        std::vector<float> x = sine(hz, 0.5, static_cast<size_t>(p.max_samples), p.sample_rate);
        tensor features = mel.compute(x.data(), x.size());
        int nearest = 0;
        for (int m = 1; m < p.n_mels; ++m)
            if (std::fabs(fb.center_hz(m) - hz) < std::fabs(fb.center_hz(nearest) - hz)) nearest = m;
        const float* row = features.ptr() + 500 * p.n_mels;
        int peak = static_cast<int>(std::max_element(row, row + p.n_mels) - row);
        EXPECT_EQ(peak, nearest) << hz << " Hz";
    }
}

TEST(log_mel, silence_is_the_log_floor) {
    std::vector<float> x(1000, 0.0f);
    tensor features = golden_extractor().compute(x.data(), x.size());
    for (float v : features.data) ASSERT_EQ(v, -100.0f);
}

// ---- fitting the input to max_samples --------------------------------------------------------------

TEST(log_mel, repeatpad_uses_whole_copies_then_zeros) {
    const log_mel_extractor& mel = golden_extractor();
    std::vector<float> x = random_signal(130'000, 1);  // 3 copies, then 90000 zeros
    std::vector<float> fitted(480'000, 0.0f);
    for (size_t c = 0; c < 3; ++c) std::copy(x.begin(), x.end(), fitted.begin() + static_cast<std::ptrdiff_t>(c * x.size()));
    EXPECT_EQ(mel.compute(x.data(), x.size()).data, mel.compute(fitted.data(), fitted.size()).data);
}

TEST(log_mel, repeat_and_pad_modes) {
    feature_params p;
    std::vector<float> x = random_signal(130'000, 2);
    std::vector<float> repeated(480'000), padded(480'000, 0.0f);
    for (size_t i = 0; i < repeated.size(); ++i) repeated[i] = x[i % x.size()];
    std::copy(x.begin(), x.end(), padded.begin());

    p.padding = "repeat";
    log_mel_extractor repeat(p);
    EXPECT_EQ(repeat.compute(x.data(), x.size()).data, repeat.compute(repeated.data(), repeated.size()).data);
    p.padding = "pad";
    log_mel_extractor pad(p);
    EXPECT_EQ(pad.compute(x.data(), x.size()).data, pad.compute(padded.data(), padded.size()).data);
}

TEST(log_mel, long_input_uses_its_first_max_samples) {
    const log_mel_extractor& mel = golden_extractor();
    std::vector<float> x = random_signal(600'000, 3);
    EXPECT_EQ(mel.compute(x.data(), x.size()).data, mel.compute(x.data(), 480'000).data);
}

TEST(log_mel, one_sample_and_compute_into) {
    const log_mel_extractor& mel = golden_extractor();
    const float one = 0.25f;
    tensor a = mel.compute(&one, 1);
    std::vector<float> b(static_cast<size_t>(mel.params().frames() * mel.params().n_mels));
    mel.compute_into(&one, 1, b.data());
    EXPECT_EQ(a.data, b);
    EXPECT_THROW(mel.compute(&one, 0), sonavec::error);
    EXPECT_THROW(mel.compute(nullptr, 10), sonavec::error);
}

TEST(log_mel, concurrent_calls_agree) {
    const log_mel_extractor& mel = golden_extractor();
    std::vector<float> x = random_signal(480'000, 4);
    tensor expected = mel.compute(x.data(), x.size());
    tensor a, b;
    std::thread ta([&] { a = mel.compute(x.data(), x.size()); });
    std::thread tb([&] { b = mel.compute(x.data(), x.size()); });
    ta.join();
    tb.join();
    EXPECT_EQ(a.data, expected.data);
    EXPECT_EQ(b.data, expected.data);
}

// ---- nonsense parameters are refused ---------------------------------------------------------------

TEST(feature_params, refuses_nonsense) {
    auto refused = [](const std::string& key, const nlohmann::json& value) {
        nlohmann::json config = golden_config();
        config[key] = value;
        EXPECT_THROW(feature_params::from_json(config), sonavec::error) << key << " = " << value.dump();
    };
    refused("fft_window_size", 1000);
    refused("fft_window_size", 0);
    refused("fft_window_size", "1024");
    refused("fft_window_size", 1024.5);
    refused("frequency_max", 30000);
    refused("frequency_min", -1);
    refused("frequency_min", 20000);
    refused("hop_length", 0);
    refused("feature_size", -64);
    refused("sampling_rate", 0);
    refused("max_length_s", 0);
    refused("nb_max_samples", 12345);
    refused("nb_frequency_bins", 512);
    refused("padding", "mirror");
    refused("truncation", "fusion");
    refused("top_db", 80);
    refused("feature_extractor_type", "WhisperFeatureExtractor");
    EXPECT_THROW(feature_params::from_json(nlohmann::json::array()), sonavec::error);

    nlohmann::json no_truncation = golden_config();
    no_truncation.erase("truncation");  // the reference's default is "fusion"
    EXPECT_THROW(feature_params::from_json(no_truncation), sonavec::error);
}

TEST(feature_params, validate_refuses_hand_set_nonsense) {
    auto refused = [](auto change) {
        feature_params p;
        change(p);
        EXPECT_THROW(p.validate(), sonavec::error);
        EXPECT_THROW(log_mel_extractor{p}, sonavec::error);
    };
    refused([](feature_params& p) { p.n_fft = 1023; });
    refused([](feature_params& p) { p.f_max = 24001; });
    refused([](feature_params& p) { p.f_min = p.f_max; });
    refused([](feature_params& p) { p.hop_length = -1; });
    refused([](feature_params& p) { p.max_samples = 512; });
    refused([](feature_params& p) { p.power = 3; });
    refused([](feature_params& p) { p.log_floor = 0; });
    refused([](feature_params& p) { p.f_min = std::nan(""); });

    feature_params too_many_mels;
    too_many_mels.n_mels = 1000;  // many filters would cover no FFT bin
    EXPECT_THROW(log_mel_extractor{too_many_mels}, sonavec::error);
    EXPECT_NO_THROW(feature_params{}.validate());
}
