// libFuzzer target: any bytes as the column values of one catalog row (files, vectors and windows
// tables), decoded by catalog_row_decoder as catalog.cpp decodes what SQLite returns. Input layout:
//   9 little-endian 8-byte numbers: id, size_bytes, mtime_ns, duration_seconds (double bits),
//     sample_rate, channels, dim, flags (bit 0: the row has a vector), window count (low byte, at most 8)
//   the files table's 8 text columns, each ended by '\n': path, content_hash, format, tags, status,
//     error, model_id, window_plan
//   the vector BLOB, then for each window 16 bytes (start, length as double bits) and its BLOB, the
//     BLOBs separated by the 4 bytes "WNDW"
// Missing bytes read as zeros and empty texts. Refusing is fine; crashing, an exception other than
// sonavec::error, or an accepted entry whose values break the catalog's own rules is a bug.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "library/catalog_row.h"
#include "sonavec/error.h"

namespace {

using fuzz::fail;

sonavec::catalog_blob as_blob(std::string_view bytes) {
    return {bytes.empty() ? nullptr : bytes.data(), bytes.size()};  // SQLite gives no pointer for an empty BLOB
}

void check_floats(const std::vector<float>& v, int64_t dim) {
    if (static_cast<int64_t>(v.size()) != dim) fail("a vector of the wrong size was accepted");
    for (float x : v)
        if (!std::isfinite(x)) fail("a non-finite vector was accepted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::input_reader in(std::string_view(reinterpret_cast<const char*>(data), size));
    sonavec::catalog_row row;
    row.id = static_cast<int64_t>(in.number());
    row.size_bytes = static_cast<int64_t>(in.number());
    row.mtime_ns = static_cast<int64_t>(in.number());
    row.duration_seconds = in.real();
    row.sample_rate = static_cast<int64_t>(in.number());
    row.channels = static_cast<int64_t>(in.number());
    const int64_t dim = static_cast<int64_t>(in.number());
    const bool has_vector = (in.number() & 1) != 0;
    const int windows = static_cast<int>(in.number() & 0xff) % 9;
    for (std::string* text : {&row.path, &row.content_hash, &row.format, &row.tags, &row.status, &row.error,
                              &row.model_id, &row.window_plan})
        *text = in.line();

    const sonavec::catalog_row_decoder decode("fuzz.sqlite");
    try {
        sonavec::catalog_entry e = decode.entry(row);
        if (e.path != row.path || static_cast<int64_t>(e.size_bytes) != row.size_bytes) fail("values changed on decoding");
        if (!(e.duration_seconds >= 0) || !std::isfinite(e.duration_seconds)) fail("a bad duration was accepted");
        if (e.sample_rate < 0 || e.channels < 0) fail("a negative rate or channel count was accepted");
        const int64_t got = decode.vector(e, has_vector, dim, as_blob(in.until("WNDW")));
        if ((e.status == sonavec::entry_status::ok) != (got > 0)) fail("a vector disagrees with the row's status");
        if (got == 0) return 0;
        check_floats(e.vector, got);
        for (int i = 0; i < windows; i++) {
            const double start = in.real(), length = in.real();
            const sonavec::catalog_window w = decode.window(start, length, as_blob(in.until("WNDW")), got, e.path,
                                                                      e.vector.size() == static_cast<size_t>(got) ? e.vector.data() : nullptr);
            if (!(w.start_seconds >= 0) || !(w.length_seconds >= 0)) fail("a bad window span was accepted");
            check_floats(w.vector, got);
        }
    } catch (const sonavec::error&) {
    }
    return 0;
}
