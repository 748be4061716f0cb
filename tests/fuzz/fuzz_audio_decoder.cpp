// libFuzzer target: any bytes, opened as an audio file and read the way `sonavec embed` reads one
// (the three seed windows, then the whole file). Refusing is fine; crashing, hanging or returning more
// samples than was asked for is a bug. Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "audio/audio_decoder.h"
#include "memory_file.h"
#include "sonavec/error.h"

namespace {

void check_length(size_t got, double seconds, int rate) {
    if (static_cast<double>(got) > seconds * rate + 1) {
        std::fprintf(stderr, "read returned %zu samples for %.2f s\n", got, seconds);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static sonavec::test::memory_file file;  // one in-memory file, rewritten per input
    file.assign(data, size);
    try {
        sonavec::audio_decoder decoder(file.path());
        const int rate = decoder.target_rate();
        const double duration = std::min(decoder.info().duration_seconds, 300.0);
        for (const double at : {0.1, 0.45, 0.8}) check_length(decoder.read(at * duration, 2.0).size(), 2.0, rate);
        check_length(decoder.read_all(10.0).size(), 10.0, rate);
    } catch (const sonavec::error&) {
    }
    return 0;
}
