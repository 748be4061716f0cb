// A music-like test signal from a seed: chords of harmonic tones on a random scale, a bass line, a kick
// on each beat and noise hi-hats between, at a random tempo; stereo, written as 16-bit WAV. Different
// seeds give unrelated music (other keys, tempi, progressions) from the same generator. Header-only, so
// that the fingerprint benchmark (bench/) uses the very generator the tests use.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

namespace sonavec::test {

// Interleaved stereo floats, peak below 0.45 (so +6 dB does not clip).
inline std::vector<float> music_signal(uint32_t seed, double seconds, int rate) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double bpm = 90 + 60 * u(rng);
    const double beat = 60.0 / bpm;
    const int root = 45 + static_cast<int>(u(rng) * 12);  // MIDI, A2..G#3
    const bool minor = u(rng) < 0.5;
    const int major_scale[7] = {0, 2, 4, 5, 7, 9, 11}, minor_scale[7] = {0, 2, 3, 5, 7, 8, 10};
    const int* scale = minor ? minor_scale : major_scale;
    const auto hz = [](double midi) { return 440.0 * std::pow(2.0, (midi - 69) / 12.0); };
    const size_t frames = static_cast<size_t>(seconds * rate);
    std::vector<double> mono(frames, 0.0), side(frames, 0.0);
    const size_t beat_frames = static_cast<size_t>(beat * rate);
    // Two chords a bar (2 beats each), each a random scale degree's triad; a melody note per half beat.
    for (size_t start = 0, n = 0; start < frames; start += 2 * beat_frames, n++) {
        const int degree = static_cast<int>(u(rng) * 7);
        int notes[4];
        for (int k = 0; k < 3; k++) {
            const int d = degree + 2 * k;
            notes[k] = root + 12 + scale[d % 7] + 12 * (d / 7);
        }
        notes[3] = root - 12 + scale[degree];  // bass
        const size_t len = std::min(2 * beat_frames, frames - start);
        for (int k = 0; k < 4; k++) {
            const double f = hz(notes[k]);
            const double amp = k == 3 ? 0.08 : 0.04;
            const double pan = k == 3 ? 0 : (k - 1) * 0.5;
            for (size_t i = 0; i < len; i++) {
                const double t = static_cast<double>(i) / rate;
                const double env = std::min(1.0, t / 0.01) * std::exp(-1.5 * t);
                double v = 0;
                for (int h = 1; h <= 5; h++) v += std::sin(2 * M_PI * f * h * t) / h;
                mono[start + i] += amp * env * v;
                side[start + i] += amp * env * v * pan * 0.3;
            }
        }
        // The melody: four half-beat notes on the scale, an octave up.
        for (int m = 0; m < 4; m++) {
            const size_t s = start + static_cast<size_t>(m) * beat_frames / 2;
            if (s >= frames) break;
            const int d = static_cast<int>(u(rng) * 10);
            const double f = hz(root + 24 + scale[d % 7] + 12 * (d / 7));
            const size_t l = std::min(beat_frames / 2, frames - s);
            for (size_t i = 0; i < l; i++) {
                const double t = static_cast<double>(i) / rate;
                const double env = std::min(1.0, t / 0.005) * std::exp(-6 * t);
                mono[s + i] += 0.05 * env * (std::sin(2 * M_PI * f * t) + 0.3 * std::sin(4 * M_PI * f * t));
            }
        }
    }
    // Kick on every beat (a falling sine), noise hi-hat between beats.
    std::normal_distribution<double> noise(0.0, 1.0);
    for (size_t s = 0; s < frames; s += beat_frames) {
        for (size_t i = 0; i < static_cast<size_t>(0.15 * rate) && s + i < frames; i++) {
            const double t = static_cast<double>(i) / rate;
            mono[s + i] += 0.12 * std::exp(-25 * t) * std::sin(2 * M_PI * (50 * t + 60 * (1 - std::exp(-30 * t)) / 30));
        }
        const size_t h = s + beat_frames / 2;
        double prev = 0;
        for (size_t i = 0; i < static_cast<size_t>(0.05 * rate) && h + i < frames; i++) {
            const double x = noise(rng);
            const double t = static_cast<double>(i) / rate;
            mono[h + i] += 0.03 * std::exp(-60 * t) * (x - prev);  // first difference: bright noise
            prev = x;
        }
    }
    std::vector<float> out(2 * frames);
    for (size_t i = 0; i < frames; i++) {
        out[2 * i] = static_cast<float>(std::clamp(mono[i] + side[i], -0.45, 0.45));
        out[2 * i + 1] = static_cast<float>(std::clamp(mono[i] - side[i], -0.45, 0.45));
    }
    return out;
}

// 16-bit PCM WAV of interleaved stereo floats.
inline void write_stereo_wav(const std::filesystem::path& path, const std::vector<float>& x, int rate) {
    std::ofstream f(path, std::ios::binary);
    const auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
    const auto u16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
    const uint32_t bytes = static_cast<uint32_t>(x.size() * 2);
    f.write("RIFF", 4); u32(36 + bytes); f.write("WAVEfmt ", 8);
    u32(16); u16(1); u16(2); u32(static_cast<uint32_t>(rate)); u32(static_cast<uint32_t>(rate) * 4); u16(4); u16(16);
    f.write("data", 4); u32(bytes);
    for (float v : x) {
        const auto s = static_cast<int16_t>(std::lrint(std::clamp(v, -1.0f, 1.0f) * 32767.0f));
        f.write(reinterpret_cast<const char*>(&s), 2);
    }
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

// The two channels' mean, and a mono signal written as the same WAV with both channels equal.
inline std::vector<float> to_mono(const std::vector<float>& stereo) {
    std::vector<float> m(stereo.size() / 2);
    for (size_t i = 0; i < m.size(); i++) m[i] = 0.5f * (stereo[2 * i] + stereo[2 * i + 1]);
    return m;
}
inline void write_mono_wav(const std::filesystem::path& path, const std::vector<float>& mono, int rate) {
    std::vector<float> st(2 * mono.size());
    for (size_t i = 0; i < mono.size(); i++) st[2 * i] = st[2 * i + 1] = mono[i];
    write_stereo_wav(path, st, rate);
}

// Played `speed` times faster: shorter and higher, as a tape or a resampler does (linear interpolation).
inline std::vector<float> at_speed(const std::vector<float>& x, double speed) {
    std::vector<float> out(static_cast<size_t>(static_cast<double>(x.size()) / speed));
    for (size_t i = 0; i < out.size(); i++) {
        const double p = static_cast<double>(i) * speed;
        const auto k = static_cast<size_t>(p);
        const double f = p - static_cast<double>(k);
        out[i] = static_cast<float>(x[k] * (1 - f) + (k + 1 < x.size() ? x[k + 1] : 0.0f) * f);
    }
    return out;
}

}  // namespace sonavec::test
