// Base64 (RFC 4648, the standard alphabet, padded with '='): how exports carry a name's exact bytes
// when the name is not valid UTF-8 and so cannot be a JSON or SQL string as it is.
#pragma once
#include <string>
#include <string_view>

namespace sonavec {

std::string base64_encoded(std::string_view bytes);

// Throws sonavec::error on anything but canonical padded base64: a length that is not a multiple of
// 4, a character outside the alphabet, misplaced padding, or non-zero bits left over in the padding.
std::string base64_decoded(std::string_view text);

}  // namespace sonavec
