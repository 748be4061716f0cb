// libFuzzer target: any bytes, opened as a weight file by the reader tensor_file::open would choose
// (zip checkpoint or safetensors). Refusing is fine; crashing, or accepting a view that lies outside
// the file, is a bug. Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <cstdint>
#include <cstdlib>
#include <cstdio>

#include "memory_file.h"
#include "sonavec/error.h"
#include "view_bounds_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static sonavec::test::memory_file file;  // one in-memory file, rewritten per input
    file.assign(data, size);
    try {
        const std::string problem = sonavec::test::open_and_check_views(file.path());
        if (!problem.empty()) {
            std::fprintf(stderr, "accepted an unsound view: %s\n", problem.c_str());
            std::abort();
        }
    } catch (const sonavec::error&) {
    }
    return 0;
}
