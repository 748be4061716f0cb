#include "util/base64.h"

#include <algorithm>
#include <cstdint>

#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::string base64_encoded(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t at = 0; at < bytes.size(); at += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - at);
        uint32_t group = 0;
        for (size_t i = 0; i < 3; i++)
            group = group << 8 | (i < n ? static_cast<uint8_t>(bytes[at + i]) : 0u);
        for (size_t i = 0; i < 4; i++) out += i <= n ? alphabet[(group >> (18 - 6 * i)) & 63] : '=';
    }
    return out;
}

std::string base64_decoded(std::string_view text) {
    if (text.size() % 4 != 0)
        throw error(error_kind::corrupt_file,
                    "base64 text of " + std::to_string(text.size()) + " characters, not a multiple of 4");
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t at = 0; at < text.size(); at += 4) {
        const bool last = at + 4 == text.size();
        size_t padding = 0;
        if (last) padding = text[at + 3] == '=' ? (text[at + 2] == '=' ? 2 : 1) : 0;
        uint32_t group = 0;
        for (size_t i = 0; i < 4; i++) {
            const int v = i < 4 - padding ? sextet(text[at + i]) : 0;
            if (v < 0)
                throw error(error_kind::corrupt_file,
                            "base64 text holds a character outside its alphabet at " + std::to_string(at + i));
            group = group << 6 | static_cast<uint32_t>(v);
        }
        // Canonical only: the bits the padding stands for must be zero, so each byte string has one text.
        if ((padding == 1 && (group & 0xff) != 0) || (padding == 2 && (group & 0xffff) != 0))
            throw error(error_kind::corrupt_file, "base64 text has stray bits before its padding");
        for (size_t i = 0; i < 3 - padding; i++) out += static_cast<char>((group >> (16 - 8 * i)) & 0xff);
    }
    return out;
}

}  // namespace sonavec
