// Decoding any audio file FFmpeg reads into 48 kHz (or any target rate) mono float samples.
// Only src/audio/ includes FFmpeg's headers (the decoder, the resampler, their error text).
//
//   audio_decoder dec("track.mp3");              // probes: throws sonavec::error with the reason
//   double d = dec.info().duration_seconds;
//   std::vector<float> w = dec.read(0.45 * d, 7.0); // seeks, decodes only that span, mono, 48 kHz
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sonavec/track.h"

namespace sonavec {

class audio_decoder {
public:
    // Probes the file and checks that it decodes (first frame, and packets up to the declared end);
    // throws sonavec::error naming the path and the reason: no such file, permission denied, empty,
    // not a recognised audio file, no audio stream, unsupported codec, corrupt, truncated, zero-length.
    explicit audio_decoder(const std::filesystem::path& path, int target_rate = 48000);
    ~audio_decoder();
    audio_decoder(const audio_decoder&) = delete;
    audio_decoder& operator=(const audio_decoder&) = delete;

    const audio_info& info() const;
    int target_rate() const;

    // Mono samples at target_rate for [start, start + length) seconds, sample-accurate: seeks to the
    // nearest earlier point, decodes and discards up to start. Shorter at the end of the file.
    // Mono is the mean of all channels; time zero is the first sample after encoder priming.
    // At most one hour per call (a tiny hostile file can expand to far more); throws sonavec::error
    // when the data is too damaged to decode.
    std::vector<float> read(double start_seconds, double length_seconds);
    // The whole file from the start, up to max_seconds (and at most one hour).
    std::vector<float> read_all(double max_seconds);
    // The file from the start at its own rate with its own channels, streamed to sink as interleaved
    // floats (info().channels per frame) a decoded frame at a time, up to max_seconds: what EBU R128
    // loudness is defined on (per channel, no downmix, no resampling), in bounded memory. Stops early
    // where the stream changes its rate or channel count. Returns the frames delivered.
    using native_sink = std::function<void(const float* interleaved, size_t frames)>;
    int64_t read_native(double max_seconds, const native_sink& sink);

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace sonavec
