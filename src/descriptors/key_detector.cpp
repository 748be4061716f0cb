#include "descriptors/key_detector.h"

#include <dsp/keydetection/GetKeyMode.h>

#include <algorithm>
#include <cmath>

#include "descriptors/block_feeder.h"

namespace sonavec {

namespace {
constexpr std::array<const char*, 12> major_tonics = {"C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
constexpr std::array<const char*, 12> minor_tonics = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"};
constexpr double silent_block_rms = 1e-4;  // -80 dBFS: a silent block votes for nothing
}  // namespace

std::string key_name(int qm_key) {
    if (qm_key >= 1 && qm_key <= 12) return std::string(major_tonics[static_cast<size_t>(qm_key - 1)]) + " major";
    if (qm_key >= 13 && qm_key <= 24) return std::string(minor_tonics[static_cast<size_t>(qm_key - 13)]) + " minor";
    return {};
}

struct key_detector::impl {
    // Queen Mary's Vamp plugin defaults: tuning 440 Hz, 10 blocks of chroma averaging and median.
    GetKeyMode keys;
    block_feeder<double> blocks;
    std::vector<double> block;
    std::array<int64_t, 25> votes{};
    explicit impl(int rate) : keys(rate, 440.0f, 10, 10), blocks(keys.getBlockSize(), keys.getHopSize()) {
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
        const int key = s.keys.process(s.block.data());
        if (!silent && key >= 1 && key <= 24) ++s.votes[static_cast<size_t>(key)];
    });
}

key_estimate key_detector::finish() const {
    const auto& votes = impl_->votes;
    int64_t total = 0;
    for (int64_t v : votes) total += v;
    key_estimate k;
    if (total == 0) return k;
    const auto best = std::max_element(votes.begin(), votes.end());
    k.name = key_name(static_cast<int>(best - votes.begin()));
    k.confidence = static_cast<double>(*best) / static_cast<double>(total);
    return k;
}

}  // namespace sonavec
