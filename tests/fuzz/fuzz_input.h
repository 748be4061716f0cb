// What the fuzz targets share: reading an input's bytes as fields (missing bytes read as zeros, empty
// texts), and stopping on a broken promise so that libFuzzer records the input.
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace fuzz {

[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

class input_reader {
public:
    explicit input_reader(std::string_view bytes) : rest_(bytes) {}
    bool empty() const { return rest_.empty(); }
    // A little-endian number of `bytes` bytes (at most 8).
    uint64_t number(size_t bytes = 8) {
        uint64_t v = 0;
        const size_t n = std::min({rest_.size(), bytes, sizeof v});
        std::memcpy(&v, rest_.data(), n);
        rest_.remove_prefix(n);
        return v;
    }
    double real() { return std::bit_cast<double>(number()); }
    // Up to the next '\n' (or the end).
    std::string line() {
        const size_t end = rest_.find('\n');
        std::string out(rest_.substr(0, end));
        rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
        return out;
    }
    // Up to the next `separator` (or the end).
    std::string_view until(std::string_view separator) {
        const size_t end = rest_.find(separator);
        const std::string_view out = rest_.substr(0, end);
        rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + separator.size());
        return out;
    }
    // The next n bytes, or what is left.
    std::string_view take(size_t n) {
        const std::string_view out = rest_.substr(0, std::min(n, rest_.size()));
        rest_.remove_prefix(out.size());
        return out;
    }

private:
    std::string_view rest_;
};

}  // namespace fuzz
