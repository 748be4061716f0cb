// Backslash escapes that keep outside text (file names, tags, messages holding them) from acting on a
// terminal or breaking a line-per-record file. Both are reversible: a backslash itself is written \\,
// so every other backslash starts an escape, and the escapes are Python's bytes escapes (\\ \n \r \t
// \xHH, one byte each), so Python's codecs.escape_decode(line)[0] gives the original bytes back.
#pragma once
#include <string>
#include <string_view>

namespace sonavec {

// For a person's terminal: every C0 control (\n, \r and \t by name, the others as \xHH), DEL, the
// C1 controls U+0080..U+009F (CSI, OSC: each of their two bytes as \xHH) and every byte that is not
// part of valid UTF-8 are escaped; printable text (accents, CJK, emoji) is kept as it is.
std::string for_terminal(std::string_view text);

// For one record per line: only \\, \n, \r and the bytes that are not part of valid UTF-8 (\xHH) are
// escaped, so the result is valid UTF-8 on one line.
std::string escaped_line(std::string_view text);

// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
std::string csv_field(std::string_view text);

// Seconds with three decimals ("12.345"): how the CSV, Audacity label and WebVTT outputs of find,
// recurring and timeline write a time.
std::string seconds_text(double seconds);

}  // namespace sonavec
