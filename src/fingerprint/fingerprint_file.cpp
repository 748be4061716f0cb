#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "audio/audio_decoder.h"
#include "fingerprint/chromaprint_fingerprinter.h"
#include "sonavec/error.h"
#include "sonavec/fingerprint.h"

namespace sonavec {

namespace {
// Chromaprint works at 11025 Hz mono. Decoding straight to that rate (sonavec's soxr resampler, the
// channels averaged) costs about 40 % less than handing Chromaprint the file's own rate for it to
// resample, with the same hashes to 0.9999 of the bits (BENCHMARKS.md, "Fingerprints").
constexpr int chromaprint_rate = 11025;
constexpr double chunk_seconds = 30;  // decoded a piece at a time: 1.3 MB of samples at most
}  // namespace

audio_fingerprint fingerprint_file(const std::filesystem::path& path, double max_seconds) {
    if (!(max_seconds > 0 && max_seconds <= 3600))
        throw error(error_kind::invalid_input, "fingerprint length must be more than 0 and at most 3600 seconds");
    audio_decoder dec(path, chromaprint_rate);  // throws not_found, corrupt_file, unsupported or io, naming the file
    const double seconds = std::min(max_seconds, dec.info().duration_seconds);
    chromaprint_fingerprinter fp(1, chromaprint_rate, path.string());
    // Whole pieces of 30 s are whole samples at 11025 Hz, so the pieces join without a gap or overlap.
    for (double start = 0; start < seconds; start += chunk_seconds) {
        const double length = std::min(chunk_seconds, seconds - start);
        const std::vector<float> x = dec.read(start, length);
        fp.add(x.data(), x.size());
        if (static_cast<double>(x.size()) < std::floor(length * chromaprint_rate)) break;  // the file ended early
    }
    return fp.finish();
}

audio_fingerprint fingerprint_samples(const float* interleaved, size_t frames, int channels, int sample_rate) {
    if (frames > 0 && !interleaved) throw error(error_kind::invalid_input, "fingerprint_samples: no samples");
    chromaprint_fingerprinter fp(channels, sample_rate, "audio samples");
    fp.add(interleaved, frames);
    return fp.finish();
}

}  // namespace sonavec
