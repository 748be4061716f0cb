// libFuzzer target: any bytes, read as a vectors file by `sonavec import` (a JSON array or JSON Lines,
// read_vectors). Refusing is fine; crashing, an exception other than sonavec::error, or accepting
// entries that break what the reader promises (one dimension, finite unit vectors, unique non-empty
// paths without NUL) is a bug. Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "library/import_formats.h"
#include "sonavec/error.h"

namespace {

void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

void check_vector(const std::vector<float>& v, int64_t dim) {
    if (static_cast<int64_t>(v.size()) != dim) fail("a vector of another dimension was accepted");
    double squares = 0;
    for (float x : v) {
        if (!std::isfinite(x)) fail("a non-finite value was accepted");
        squares += static_cast<double>(x) * x;
    }
    if (std::abs(std::sqrt(squares) - 1) > 1e-4) fail("an accepted vector is not unit length");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        const sonavec::import_result r = sonavec::read_vectors(in, "fuzz", sonavec::import_options{});
        if (r.entries.empty() || r.dim < 1) fail("an empty result was accepted");
        std::set<std::string> paths;
        for (const auto& e : r.entries) {
            if (e.path.empty() || e.path.find('\0') != std::string::npos) fail("an empty or NUL path was accepted");
            if (!paths.insert(e.path).second) fail("a path was accepted twice");
            check_vector(e.vector, r.dim);
            for (const auto& w : e.windows) {
                check_vector(w.vector, r.dim);
                if (!(w.start_seconds >= 0) || !(w.length_seconds >= 0)) fail("a bad window span was accepted");
            }
        }
    } catch (const sonavec::error&) {
    }
    return 0;
}
