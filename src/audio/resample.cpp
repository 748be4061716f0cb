#include "audio/resample.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cmath>
#include <numeric>

#include "audio/ffmpeg_error.h"
#include "sonavec/error.h"

namespace sonavec {
namespace {

constexpr double preroll_seconds = 0.25;  // decoder warm-up after a seek: Vorbis blocks, MP3 reservoir, Opus
constexpr int memory_chunk_samples = 4096;  // in-memory input fed per call, as a decoder's frames would be

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// swr with the soxr engine (the resampler librosa uses by default, at its "HQ" precision of 20 bits) and
// a rematrix that makes mono the plain mean of all input channels: swr's own downmix weights the
// channels (centre-biased, -3 dB fronts, LFE dropped) and would not be an average.
SwrContext* make_resampler(const pcm_layout& in, int target_rate, const std::string& context) {
    AVChannelLayout in_layout{};
    av_channel_layout_default(&in_layout, in.channels);  // channel identities do not matter to a plain mean
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* raw = nullptr;
    int r = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, target_rate, &in_layout,
                                static_cast<AVSampleFormat>(in.sample_format), in.sample_rate, 0, nullptr);
    av_channel_layout_uninit(&in_layout);
    if (r < 0) {
        swr_free(&raw);
        throw error(error_kind::io, context + ": cannot set up the resampler: " + ffmpeg_error_text(r));
    }
    auto fail = [&](const char* what, int code) {
        swr_free(&raw);
        throw error(error_kind::io, context + ": " + what + ": " + ffmpeg_error_text(code));
    };
    if ((r = av_opt_set_int(raw, "resampler", SWR_ENGINE_SOXR, 0)) < 0 ||
        (r = av_opt_set_double(raw, "precision", 20, 0)) < 0)
        fail("cannot select the soxr resampler", r);
    const std::vector<double> mean(static_cast<size_t>(in.channels), 1.0 / in.channels);
    if ((r = swr_set_matrix(raw, mean.data(), in.channels)) < 0) fail("cannot set the downmix matrix", r);
    if ((r = swr_init(raw)) < 0) fail("cannot start the resampler", r);
    return raw;
}

}  // namespace

output_span output_span_at(double start_seconds, double length_seconds, int rate) {
    if (start_seconds < 0) {
        length_seconds += start_seconds;
        start_seconds = 0;
    }
    if (length_seconds <= 0) return {};
    return {std::llround(start_seconds * rate), std::llround(length_seconds * rate)};
}

resample_start resample_start_for(int in_rate, int out_rate, int64_t out_first) {
    const int64_t g = std::gcd(in_rate, out_rate);
    const int64_t step_in = in_rate / g, step_out = out_rate / g;
    const int64_t preroll_in = static_cast<int64_t>(std::ceil(preroll_seconds * in_rate));
    const int64_t block = std::max<int64_t>(0, floor_div(out_first, step_out) - ceil_div(preroll_in, step_in));
    return {block * step_in, block * step_out};
}

void mono_resampler::swr_freer::operator()(SwrContext* s) const { swr_free(&s); }

mono_resampler::mono_resampler(int target_rate, int64_t skip, int64_t keep, std::string context)
    : target_rate_(target_rate), skip_(skip), keep_(keep), context_(std::move(context)) {
    out_.reserve(static_cast<size_t>(std::clamp<int64_t>(keep, 0, int64_t{1} << 24)));
}

mono_resampler::~mono_resampler() = default;

void mono_resampler::feed(const pcm_layout& layout, const uint8_t* const* planes, int count) {
    if (!swr_ || layout.sample_rate != layout_.sample_rate || layout.sample_format != layout_.sample_format ||
        layout.channels != layout_.channels) {
        flush();  // a stream whose parameters change mid-way: finish the old run, start a new one
        swr_.reset(make_resampler(layout, target_rate_, context_));
        layout_ = layout;
    }
    convert(planes, count);
}

void mono_resampler::flush() {
    if (!swr_) return;
    while (!full()) {
        if (convert(nullptr, 0) == 0) break;
    }
    swr_.reset();
}

std::vector<float> mono_resampler::take() {
    if (static_cast<int64_t>(out_.size()) > keep_) out_.resize(static_cast<size_t>(keep_));
    return std::move(out_);
}

int mono_resampler::convert(const uint8_t* const* in, int count) {
    const int capacity = swr_get_out_samples(swr_.get(), count) + 64;
    if (capacity <= 0) throw error(error_kind::corrupt_file, context_ + ": resampler failure");
    buffer_.resize(static_cast<size_t>(capacity));
    uint8_t* out = reinterpret_cast<uint8_t*>(buffer_.data());
    // FFmpeg 5 declares the input planes non-const; swr_convert only reads them.
    const int n = swr_convert(swr_.get(), &out, capacity, const_cast<const uint8_t**>(in), count);
    if (n < 0) throw error(error_kind::corrupt_file, context_ + ": resampling failed: " + ffmpeg_error_text(n));
    const int64_t from = std::min<int64_t>(skip_, n);
    skip_ -= from;
    const int64_t room = keep_ - static_cast<int64_t>(out_.size());
    const int64_t take = std::min<int64_t>(n - from, std::max<int64_t>(room, 0));
    out_.insert(out_.end(), buffer_.begin() + from, buffer_.begin() + from + take);
    return n;
}

std::vector<float> resample_mono_span(std::span<const float> samples, int in_rate, int out_rate, int64_t out_first,
                                      int64_t out_count) {
    if (out_count <= 0 || out_first < 0) return {};
    const resample_start start = resample_start_for(in_rate, out_rate, out_first);
    mono_resampler resampler(out_rate, out_first - start.out_base, out_count, "audio samples");
    const pcm_layout layout{in_rate, 1, AV_SAMPLE_FMT_FLT};
    const auto total = static_cast<int64_t>(samples.size());
    for (int64_t pos = start.in_first; pos < total && !resampler.full(); pos += memory_chunk_samples) {
        const auto* plane = reinterpret_cast<const uint8_t*>(samples.data() + pos);
        resampler.feed(layout, &plane, static_cast<int>(std::min<int64_t>(memory_chunk_samples, total - pos)));
    }
    if (!resampler.full()) resampler.flush();
    return resampler.take();
}

}  // namespace sonavec
