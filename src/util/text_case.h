// Lower-casing for names that are ASCII by definition (file extensions, tag keys, option values):
// only A-Z change, whatever the process's locale, and other bytes (UTF-8 included) pass unchanged.
#pragma once
#include <string>
#include <string_view>

namespace sonavec {

inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace sonavec
