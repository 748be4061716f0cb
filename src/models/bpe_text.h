// The character-level rules of byte-level BPE: the byte alphabet, UTF-8 checking, Python's whitespace.
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace sonavec {

// ref: tokenization_roberta.py bytes_to_unicode
// Each byte value 0..255 as the printable character that stands for it in vocab.json, UTF-8 encoded.
std::array<std::string, 256> byte_level_alphabet();

// Throws sonavec::error naming the byte offset if text is not well-formed UTF-8 (truncated sequences,
// overlong forms, surrogates and code points past U+10FFFF are all refused).
void check_utf8(std::string_view text);

// Length of text (valid UTF-8) once trailing whitespace as Python's str.rstrip() sees it is removed.
size_t length_without_trailing_space(std::string_view text);

// "what" quoted for an error message: at most 40 bytes, control bytes escaped.
std::string quoted_for_error(std::string_view what);

}  // namespace sonavec
