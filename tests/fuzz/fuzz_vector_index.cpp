// libFuzzer target: any bytes, loaded as a vector index file (vector_index::load) and, when accepted,
// searched with and without a filter. The harness writes the right checksum into the header first and
// passes the file's own fingerprint, so mutations reach the checks behind them (sizes, ids, list offsets,
// the FAISS index built from them). Refusing is fine; crashing, or a search that returns more hits than
// asked for or a hit the filter refused, is a bug. Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "library/vector_index.h"
#include "memory_file.h"
#include "util/checksum.h"
#include "sonavec/error.h"

namespace {

// Header layout (src/library/vector_index_file.cpp): fingerprint length at 32, checksum at 56, body at 64.
constexpr size_t fingerprint_at = 32, checksum_at = 56, header_bytes = 64;

void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

void check_search(const sonavec::vector_index& idx) {
    std::vector<float> query(static_cast<size_t>(idx.dim()), 0.0f);
    if (!query.empty()) query[0] = 1.0f;
    for (int64_t k : {int64_t(1), int64_t(5), idx.size() + 1}) {
        const auto hits = idx.search(query.data(), k);
        if (static_cast<int64_t>(hits.size()) != std::min(k, idx.size())) fail("search returned the wrong number of hits");
        for (const auto& h : hits)
            if (!std::isfinite(h.score)) fail("search returned a non-finite score");
    }
    auto even = [](int64_t id) { return id % 2 == 0; };
    for (const auto& h : idx.search(query.data(), 3, even))
        if (!even(h.id)) fail("filtered search returned a refused id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static sonavec::test::memory_file file;  // one in-memory file, rewritten per input
    std::vector<uint8_t> bytes(data, data + size);
    std::string fingerprint = "fixture";
    if (size >= header_bytes) {
        uint64_t fingerprint_bytes = 0;
        std::memcpy(&fingerprint_bytes, bytes.data() + fingerprint_at, sizeof fingerprint_bytes);
        if (fingerprint_bytes <= size - header_bytes)
            fingerprint.assign(reinterpret_cast<const char*>(bytes.data() + header_bytes), fingerprint_bytes);
        sonavec::checksum64 sum;
        sum.update(bytes.data(), checksum_at);
        sum.update(bytes.data() + header_bytes, size - header_bytes);
        const uint64_t value = sum.value();
        std::memcpy(bytes.data() + checksum_at, &value, sizeof value);
    }
    file.assign(bytes.data(), bytes.size());
    try {
        check_search(sonavec::vector_index::load(file.path(), fingerprint));
    } catch (const sonavec::error&) {
    }
    return 0;
}
