// libFuzzer target: any bytes, read as the model digest cache ($XDG_CACHE_HOME/sonavec/model-digests.json,
// parse_model_digests). It never throws; what it keeps must have the shape sonavec writes (a 64-digit
// lowercase hex digest and a short stat key), whatever the input held. Build with -DSONAVEC_FUZZ=ON; run
// through scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "library/model_identity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto digests = sonavec::parse_model_digests(std::string_view(reinterpret_cast<const char*>(data), size));
    for (const auto& [path, d] : digests) {
        bool hex = d.sha256.size() == 64;
        for (char c : d.sha256) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (!hex || d.stat_key.size() > 200) {
            std::fprintf(stderr, "a malformed entry was kept\n");
            std::abort();
        }
    }
    return 0;
}
