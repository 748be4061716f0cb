#include "models/bpe_text.h"

#include <cstdint>

#include "sonavec/error.h"

namespace sonavec {

namespace {

std::string utf8_encode(uint32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

// Python's str.isspace(): bidirectional class WS, B or S, or category Zs. Wider than Unicode
// White_Space at U+001C..U+001F, which is why str.rstrip() needs its own list.
bool is_python_space(uint32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

std::string hex_byte(unsigned char c) {
    return {'0', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
}

}  // namespace

std::array<std::string, 256> byte_level_alphabet() {
    // ref: tokenization_roberta.py bytes_to_unicode
    // Printable Latin-1 bytes stand for themselves; the rest take code points 256, 257, ... in byte order.
    std::array<std::string, 256> alphabet;
    uint32_t next_spare = 256;
    for (uint32_t b = 0; b < 256; b++) {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        alphabet[b] = utf8_encode(printable ? b : next_spare++);
    }
    return alphabet;
}

void check_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        size_t len = 0;
        uint32_t cp = 0, min_cp = 0;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min_cp = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min_cp = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min_cp = 0x10000;
        } else {
            throw error(error_kind::invalid_input,
                        "text is not valid UTF-8: unexpected byte " + hex_byte(c) + " at byte " + std::to_string(i));
        }
        if (n - i < len)
            throw error(error_kind::invalid_input,
                        "text is not valid UTF-8: truncated sequence at byte " + std::to_string(i));
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                throw error(error_kind::invalid_input,
                            "text is not valid UTF-8: bad continuation byte at byte " + std::to_string(i + k));
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min_cp)
            throw error(error_kind::invalid_input,
                        "text is not valid UTF-8: overlong sequence at byte " + std::to_string(i));
        if (cp >= 0xD800 && cp <= 0xDFFF)
            throw error(error_kind::invalid_input,
                        "text is not valid UTF-8: encoded surrogate at byte " + std::to_string(i));
        if (cp > 0x10FFFF)
            throw error(error_kind::invalid_input,
                        "text is not valid UTF-8: code point past U+10FFFF at byte " + std::to_string(i));
        i += len;
    }
}

size_t length_without_trailing_space(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    size_t end = text.size();
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (s[start] & 0xC0) == 0x80) start--;
        uint32_t cp = s[start];
        if (cp >= 0xF0) cp &= 0x07;
        else if (cp >= 0xE0) cp &= 0x0F;
        else if (cp >= 0xC0) cp &= 0x1F;
        for (size_t k = start + 1; k < end; k++) cp = (cp << 6) | (s[k] & 0x3F);
        if (!is_python_space(cp)) break;
        end = start;
    }
    return end;
}

std::string quoted_for_error(std::string_view what) {
    std::string out = "\"";
    const size_t shown = what.size() < 40 ? what.size() : 40;
    for (size_t i = 0; i < shown; i++) {
        const auto c = static_cast<unsigned char>(what[i]);
        if (c < 0x20 || c == 0x7F) {
            const std::string hex = hex_byte(c);
            out += '\\';
            out.append(hex, 1, 3);
        } else {
            out += static_cast<char>(c);
        }
    }
    if (shown < what.size()) out += "...";
    return out + "\"";
}

}  // namespace sonavec
