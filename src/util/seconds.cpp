#include "sonavec/seconds.h"

#include <charconv>
#include <cmath>
#include <string>

#include "sonavec/error.h"

namespace sonavec {

double parse_seconds(std::string_view text) {
    double v = 0;
    const char* end = text.data() + text.size();
    // from_chars, unlike strtod, ignores the locale (a German locale's "0,5") and takes no sign or space.
    const auto [stop, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || stop != end || !std::isfinite(v) || v < 0)
        throw error(error_kind::invalid_input,
                    "'" + std::string(text.substr(0, 80)) + "' is not a number of seconds (a finite number >= 0)");
    return v + 0.0;  // "-0" is 0
}

}  // namespace sonavec
