// Feeding float audio to Chromaprint: mono int16 at the audio's own rate (Chromaprint resamples to
// 11025 Hz itself), and reading back its raw fingerprint. Only this file and its .cpp see chromaprint.h.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "sonavec/fingerprint.h"

namespace sonavec {

class chromaprint_fingerprinter {
public:
    // what: the file or buffer, named in errors. Throws unsupported when Chromaprint refuses the rate.
    chromaprint_fingerprinter(int channels, int sample_rate, std::string what);
    ~chromaprint_fingerprinter();
    chromaprint_fingerprinter(const chromaprint_fingerprinter&) = delete;
    chromaprint_fingerprinter& operator=(const chromaprint_fingerprinter&) = delete;

    // Interleaved floats, channels per frame; mixed to mono as the mean of the channels.
    void add(const float* interleaved, size_t frames);
    audio_fingerprint finish();

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace sonavec
