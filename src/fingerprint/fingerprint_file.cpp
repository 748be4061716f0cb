#include <cmath>
#include <string>

#include "audio/audio_decoder.h"
#include "fingerprint/chromaprint_fingerprinter.h"
#include "sonavec/error.h"
#include "sonavec/fingerprint.h"

namespace sonavec {

audio_fingerprint fingerprint_file(const std::filesystem::path& path, double max_seconds) {
    if (!(max_seconds > 0 && max_seconds <= 3600))
        throw error(error_kind::invalid_input, "fingerprint length must be more than 0 and at most 3600 seconds");
    audio_decoder dec(path);  // throws not_found, corrupt_file, unsupported or io, naming the file
    const audio_info& info = dec.info();
    chromaprint_fingerprinter fp(info.channels, info.sample_rate, path.string());
    // read_native stops at max_seconds and where the stream changes its rate or channel count.
    dec.read_native(max_seconds, [&](const float* x, size_t frames) { fp.add(x, frames); });
    return fp.finish();
}

audio_fingerprint fingerprint_samples(const float* interleaved, size_t frames, int channels, int sample_rate) {
    if (frames > 0 && !interleaved) throw error(error_kind::invalid_input, "fingerprint_samples: no samples");
    chromaprint_fingerprinter fp(channels, sample_rate, "audio samples");
    fp.add(interleaved, frames);
    return fp.finish();
}

}  // namespace sonavec
