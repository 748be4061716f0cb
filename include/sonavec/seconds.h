// A number of seconds given as text (an option, a filter): a decimal number such as "7", "0.5" or
// "1e3", read the same in every locale.
#pragma once
#include <string_view>

namespace sonavec {

// The whole text as a finite number >= 0; anything else ("", " 1", "+1", "1s", "-2", "inf", "nan",
// "0x10") is error_kind::invalid_input quoting it.
double parse_seconds(std::string_view text);

}  // namespace sonavec
