// Telling valid UTF-8 from other bytes: file names on Linux are bytes, and not every name is text.
#pragma once
#include <cstddef>
#include <string_view>

namespace sonavec {

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at text[at], or 0 when the bytes
// there are not one: a stray continuation byte, a truncated sequence, an overlong form, a surrogate
// (U+D800..U+DFFF) or a code point above U+10FFFF.
size_t utf8_sequence_length(std::string_view text, size_t at);

bool is_valid_utf8(std::string_view text);

}  // namespace sonavec
