#include "descriptors/key_detector.h"

#include <dsp/keydetection/GetKeyMode.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "descriptors/block_feeder.h"

namespace sonavec {

namespace {
constexpr std::array<const char*, 12> major_tonics = {"C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
constexpr std::array<const char*, 12> minor_tonics = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"};
constexpr double silent_block_rms = 1e-4;  // -80 dBFS: a silent block votes for nothing
constexpr int key_average_blocks = 4;

// qm-dsp 1.7.1's GetKeyMode::process rotates its major and minor key profiles, static arrays shared by
// every instance, in place (36 shifts a block, back to where they began). Two detectors running at once
// on different threads corrupt the profiles for the rest of the process, so process() runs one at a time.
std::mutex key_profiles_in_use;
}  // namespace

std::string key_name(int qm_key) {
    if (qm_key >= 1 && qm_key <= 12) return std::string(major_tonics[static_cast<size_t>(qm_key - 1)]) + " major";
    if (qm_key >= 13 && qm_key <= 24) return std::string(minor_tonics[static_cast<size_t>(qm_key - 13)]) + " minor";
    return {};
}

struct key_detector::impl {
    // Tuning 440 Hz; chroma averaged over key_average_blocks (0.74 s each at 44.1 kHz) before the
    // profiles are correlated; GetKeyMode's own median vote is not used (measured: it lags ~15 s).
    GetKeyMode keys;
    block_feeder<double> blocks;
    std::vector<double> block;
    std::array<double, 24> strengths{};  // summed key-profile correlations, GetKeyMode's key order
    int64_t counted = 0;
    explicit impl(int rate)
        : keys(rate, 440.0f, key_average_blocks, 1), blocks(keys.getBlockSize(), keys.getHopSize()) {
        block.resize(keys.getBlockSize());
    }
};

key_detector::key_detector(int sample_rate) : impl_(std::make_unique<impl>(sample_rate)) {}

key_detector::~key_detector() = default;

void key_detector::add(const float* mono, size_t count) {
    impl& s = *impl_;
    s.blocks.push(mono, count, [&](const double* b) {
        std::copy(b, b + s.block.size(), s.block.begin());  // GetKeyMode writes into its input
        double energy = 0;
        for (double v : s.block) energy += v * v;
        const bool silent = std::sqrt(energy / static_cast<double>(s.block.size())) < silent_block_rms;
        const std::lock_guard<std::mutex> profiles(key_profiles_in_use);
        s.keys.process(s.block.data());
        if (silent) return;
        const double* k = s.keys.getKeyStrengths();
        for (size_t i = 0; i < s.strengths.size(); ++i) s.strengths[i] += k[i];
        ++s.counted;
    });
}

key_estimate key_detector::finish() const {
    const impl& s = *impl_;
    key_estimate k;
    if (s.counted == 0) return k;
    const auto best = std::max_element(s.strengths.begin(), s.strengths.end());
    k.name = key_name(static_cast<int>(best - s.strengths.begin()) + 1);
    // The chosen key's mean correlation with the audio's chroma (1: a perfect fit to its profile).
    k.confidence = std::clamp(*best / static_cast<double>(s.counted), 0.0, 1.0);
    return k;
}

}  // namespace sonavec
