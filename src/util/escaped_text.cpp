#include "sonavec/escaped_text.h"

#include <cstdint>
#include <cstdio>

#include "util/utf8.h"

namespace sonavec {

namespace {

void append_hex(std::string& out, uint8_t byte) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
}

// escape_controls: the terminal's set (every control character); otherwise only what breaks a line.
std::string escaped(std::string_view text, bool escape_controls) {
    std::string out;
    out.reserve(text.size());
    for (size_t at = 0; at < text.size();) {
        const auto lead = static_cast<uint8_t>(text[at]);
        const size_t length = utf8_sequence_length(text, at);
        if (length == 0) {
            append_hex(out, lead);
            at++;
            continue;
        }
        if (length == 1) {
            if (lead == '\\') out += "\\\\";
            else if (lead == '\n') out += "\\n";
            else if (lead == '\r') out += "\\r";
            else if (escape_controls && lead == '\t') out += "\\t";
            else if (escape_controls && (lead < 0x20 || lead == 0x7f)) append_hex(out, lead);
            else out += static_cast<char>(lead);
        } else if (escape_controls && lead == 0xC2 && static_cast<uint8_t>(text[at + 1]) < 0xA0) {
            append_hex(out, lead);  // U+0080..U+009F
            append_hex(out, static_cast<uint8_t>(text[at + 1]));
        } else {
            out.append(text.substr(at, length));
        }
        at += length;
    }
    return out;
}

}  // namespace

std::string for_terminal(std::string_view text) { return escaped(text, true); }

std::string escaped_line(std::string_view text) { return escaped(text, false); }

std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string q = "\"";
    for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string seconds_text(double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", seconds);
    return buf;
}

}  // namespace sonavec
