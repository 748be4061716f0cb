// libFuzzer target: any bytes, read as a key the way `--key` and write-tags take one (key_camelot,
// src/descriptors/descriptors.cpp), and as a key name for camelot_notation. key_camelot throws
// sonavec::error or returns a Camelot code, 1A to 12B (^(1[0-2]|[1-9])[AB]$), which key_camelot maps to
// itself; camelot_notation returns such a code or "". Any other exception or result is a bug. Build with
// -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sonavec/descriptors.h"
#include "sonavec/error.h"

namespace {

bool camelot_code(const std::string& c) {
    if (c.size() < 2 || c.size() > 3 || (c.back() != 'A' && c.back() != 'B')) return false;
    const std::string n = c.substr(0, c.size() - 1);
    if (n.size() == 1) return n[0] >= '1' && n[0] <= '9';
    return n[0] == '1' && n[1] >= '0' && n[1] <= '2';
}

void fail(const char* what, const std::string& got) {
    std::fprintf(stderr, "%s: '%s'\n", what, got.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string name = sonavec::camelot_notation(text);
    if (!name.empty() && !camelot_code(name)) fail("camelot_notation returned something other than a code", name);
    try {
        const std::string code = sonavec::key_camelot(text);
        if (!camelot_code(code)) fail("key_camelot returned something other than a code", code);
        if (sonavec::key_camelot(code) != code) fail("key_camelot does not map its code to itself", code);
    } catch (const sonavec::error&) {
    }
    return 0;
}
