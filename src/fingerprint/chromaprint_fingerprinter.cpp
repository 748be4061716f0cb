#include "fingerprint/chromaprint_fingerprinter.h"

#include <chromaprint.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sonavec/error.h"

namespace sonavec {

struct chromaprint_fingerprinter::state {
    ChromaprintContext* ctx = nullptr;
    int channels = 0;
    int sample_rate = 0;
    int64_t frames = 0;
    std::string what;
    std::vector<int16_t> mono;  // one decoded frame's worth, reused
};

chromaprint_fingerprinter::chromaprint_fingerprinter(int channels, int sample_rate, std::string what)
    : state_(std::make_unique<state>()) {
    if (channels < 1 || sample_rate < 1)
        throw error(error_kind::invalid_input, what + ": no audio channels or no sample rate to fingerprint");
    state_->channels = channels;
    state_->sample_rate = sample_rate;
    state_->what = std::move(what);
    state_->ctx = chromaprint_new(CHROMAPRINT_ALGORITHM_DEFAULT);
    if (!state_->ctx) throw error(error_kind::io, state_->what + ": Chromaprint could not start (out of memory)");
    if (!chromaprint_start(state_->ctx, sample_rate, 1)) {
        chromaprint_free(state_->ctx);
        throw error(error_kind::unsupported,
                    state_->what + ": Chromaprint cannot fingerprint audio at " + std::to_string(sample_rate) + " Hz");
    }
}

chromaprint_fingerprinter::~chromaprint_fingerprinter() { chromaprint_free(state_->ctx); }

void chromaprint_fingerprinter::add(const float* interleaved, size_t frames) {
    state& s = *state_;
    // Fed in pieces so that a frame count never overflows Chromaprint's int.
    constexpr size_t piece = 1 << 16;
    for (size_t done = 0; done < frames; done += piece) {
        const size_t n = std::min(piece, frames - done);
        s.mono.resize(n);
        const float* x = interleaved + done * static_cast<size_t>(s.channels);
        for (size_t i = 0; i < n; i++) {
            float sum = 0;
            for (int c = 0; c < s.channels; c++) sum += x[i * static_cast<size_t>(s.channels) + static_cast<size_t>(c)];
            const float v = std::clamp(sum / static_cast<float>(s.channels), -1.0f, 1.0f) * 32767.0f;
            s.mono[i] = static_cast<int16_t>(std::lrint(std::isfinite(v) ? v : 0.0f));
        }
        if (!chromaprint_feed(s.ctx, s.mono.data(), static_cast<int>(n)))
            throw error(error_kind::corrupt_file, s.what + ": Chromaprint rejected the audio");
    }
    s.frames += static_cast<int64_t>(frames);
}

audio_fingerprint chromaprint_fingerprinter::finish() {
    state& s = *state_;
    if (!chromaprint_finish(s.ctx)) throw error(error_kind::corrupt_file, s.what + ": Chromaprint could not finish");
    audio_fingerprint fp;
    fp.seconds_per_hash = static_cast<double>(chromaprint_get_item_duration(s.ctx)) /
                          static_cast<double>(chromaprint_get_sample_rate(s.ctx));
    fp.duration_seconds = static_cast<double>(s.frames) / static_cast<double>(s.sample_rate);
    uint32_t* raw = nullptr;
    int size = 0;
    // Too short a clip has no fingerprint: Chromaprint then reports failure or size 0.
    if (chromaprint_get_raw_fingerprint(s.ctx, &raw, &size) && raw) {
        if (size > 0) fp.hashes.assign(raw, raw + size);
        chromaprint_dealloc(raw);
    }
    return fp;
}

}  // namespace sonavec
