// Resampling to the engine's rate: libswresample with the soxr engine, the channels averaged to mono.
// A file's decoded frames (audio_decoder) and samples given in memory (embed_samples) go through the
// same settings and the same start grid, so the same audio gives the same bits either way.
//
//   std::vector<float> w = resample_mono_span(pcm, 44100, 48000, first, count);  // a window of pcm at 48 kHz
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct SwrContext;  // libswresample's; only resample.cpp sees its definition

namespace sonavec {

// Output samples [first, first + count) at rate for a span in seconds (a negative start is cut off).
struct output_span {
    int64_t first = 0;
    int64_t count = 0;  // 0: nothing to read
};
output_span output_span_at(double start_seconds, double length_seconds, int rate);

// Where a resampler run starts so that its output lies on the grid whose sample 0 is input sample 0:
// an input sample that is a multiple of in_rate / gcd(in_rate, out_rate), a pre-roll before out_first
// (decoder warm-up after a seek, the filter's own history).
struct resample_start {
    int64_t in_first = 0;  // first input sample fed
    int64_t out_base = 0;  // the output sample it becomes
};
resample_start resample_start_for(int in_rate, int out_rate, int64_t out_first);

// What a resampler run is fed: rate, channel count and sample format (an FFmpeg AVSampleFormat value).
struct pcm_layout {
    int sample_rate = 0;
    int channels = 0;
    int sample_format = -1;
};

// One resampler run: input in, mono samples at target_rate out, dropping the first `skip` output samples
// and keeping at most `keep`. A new run per read, so no filter state leaks from one read into the next.
class mono_resampler {
public:
    // context prefixes error messages (the file's path).
    mono_resampler(int target_rate, int64_t skip, int64_t keep, std::string context);
    ~mono_resampler();
    mono_resampler(const mono_resampler&) = delete;
    mono_resampler& operator=(const mono_resampler&) = delete;

    bool full() const { return static_cast<int64_t>(out_.size()) >= keep_; }

    // count samples per channel: planes holds one pointer per channel for a planar format, else one
    // to the interleaved samples. A layout that differs from the last one finishes that run first.
    void feed(const pcm_layout& layout, const uint8_t* const* planes, int count);
    // Drains the filter tail at the end of the input.
    void flush();
    std::vector<float> take();

private:
    struct swr_freer {
        void operator()(SwrContext* s) const;
    };
    int convert(const uint8_t* const* in, int count);

    int target_rate_;
    int64_t skip_;
    int64_t keep_;
    std::string context_;
    std::unique_ptr<SwrContext, swr_freer> swr_;
    pcm_layout layout_;
    std::vector<float> buffer_;
    std::vector<float> out_;
};

// Mono float samples at in_rate, resampled to out_rate: output samples [out_first, out_first + out_count)
// of the whole buffer's output, as audio_decoder::read gives the same span of a file holding them
// (shorter at the end). The rates are the caller's to check (audio_decoder's bounds).
std::vector<float> resample_mono_span(std::span<const float> samples, int in_rate, int out_rate, int64_t out_first,
                                      int64_t out_count);

}  // namespace sonavec
