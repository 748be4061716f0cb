// for_terminal, escaped_line, the UTF-8 check and base64, against named cases and against Python as an
// independent reference on thousands of random byte strings: Python's strict UTF-8 decoder, its
// unicodedata control category, codecs.escape_decode (which must give every input back) and base64.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cli_run.h"
#include "util/base64.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "util/utf8.h"

using namespace sonavec;

namespace {

std::string hex(const std::string& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) out += std::string{digits[c >> 4], digits[c & 0xf]};
    return out;
}

// Byte strings weighted toward what breaks terminals and decoders: controls, C1 bytes, lead and
// continuation bytes, backslashes and 'x' (to forge an escape), and well-formed multi-byte characters.
std::vector<std::string> random_strings(size_t count) {
    static const std::vector<std::string> pieces = {
        "\x1b", "\x07", "\n", "\r", "\t", "\x7f", "\x9b", "\x9d", "\xc2\x9b", "\xc2\x9d", "\xc2\xa0", "\xc3\xa9",
        "\xe6\x97\xa5", "\xf0\x9f\x8e\xb5", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xe2\x80", "\xff",
        "\\", "x", "1b", "]52;c;", "a", " ", "/", "\x00"};
    std::mt19937 rng(12345);
    std::vector<std::string> out;
    for (size_t i = 0; i < count; i++) {
        std::string s;
        const size_t n = rng() % 12;
        for (size_t k = 0; k < n; k++) {
            if (rng() % 4 == 0) s += static_cast<char>(rng() % 256);
            else s += pieces[rng() % pieces.size()];
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

TEST(escaped_text, terminal_escapes_controls_and_bad_bytes_and_keeps_text) {
    // OSC 52 (set the clipboard) and BEL.
    EXPECT_EQ(for_terminal("a\x1b]52;c;aGk=\x07.wav"), "a\\x1b]52;c;aGk=\\x07.wav");
    EXPECT_EQ(for_terminal("one\ntwo\rthree\tfour"), "one\\ntwo\\rthree\\tfour");
    EXPECT_EQ(for_terminal(std::string("nul\0", 4)), "nul\\x00");
    EXPECT_EQ(for_terminal("del\x7f"), "del\\x7f");
    EXPECT_EQ(for_terminal("back\\slash"), "back\\\\slash");
    EXPECT_EQ(for_terminal("\\x1b"), "\\\\x1b");  // a name spelling an escape is not taken for one
    // C1 controls as UTF-8 (CSI U+009B, OSC U+009D) and as raw bytes.
    EXPECT_EQ(for_terminal("\xc2\x9b" "2J \xc2\x9d" "0;t"), "\\xc2\\x9b2J \\xc2\\x9d0;t");
    EXPECT_EQ(for_terminal("\x9b" "31m"), "\\x9b31m");
    // Invalid UTF-8: a stray byte, an overlong '/', a surrogate, past U+10FFFF, a cut-off character.
    EXPECT_EQ(for_terminal("\xff"), "\\xff");
    EXPECT_EQ(for_terminal("\xc0\xaf"), "\\xc0\\xaf");
    EXPECT_EQ(for_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");
    EXPECT_EQ(for_terminal("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
    EXPECT_EQ(for_terminal("\xe6\x97"), "\\xe6\\x97");
    // Printable text is kept: accents, NBSP (U+00A0, the first code point after C1), CJK, emoji.
    const std::string text = "/m\xc3\xbasica/\xc2\xa0\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\xb5 it's \"ok\".flac";
    EXPECT_EQ(for_terminal(text), text);
    EXPECT_EQ(for_terminal(""), "");
}

TEST(escaped_text, a_line_escapes_only_what_breaks_lines_or_utf8) {
    EXPECT_EQ(escaped_line("/m/new\nline\r.wav"), "/m/new\\nline\\r.wav");
    EXPECT_EQ(escaped_line("/m/back\\slash"), "/m/back\\\\slash");
    EXPECT_EQ(escaped_line("/m/\xff\xfe.wav"), "/m/\\xff\\xfe.wav");
    EXPECT_EQ(escaped_line("/m/tab\there \xc3\xa9\x1b.wav"), "/m/tab\there \xc3\xa9\x1b.wav");
}

TEST(escaped_text, utf8_check_refuses_every_malformed_sequence) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8e\xb5 \xf4\x8f\xbf\xbf \xed\x9f\xbf"));
    for (const char* bad : {"\x80", "\xc1\xbf", "\xc2", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xf0\x8f\xbf\xbf",
                            "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3\xa9\x80", "\xe6\x97x"})
        EXPECT_FALSE(is_valid_utf8(bad)) << hex(bad);
}

TEST(escaped_text, base64_matches_rfc4648_and_refuses_what_is_not_canonical) {
    // RFC 4648, section 10.
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"}};
    for (const auto& [bytes, text] : vectors) {
        EXPECT_EQ(base64_encoded(bytes), text);
        EXPECT_EQ(base64_decoded(text), bytes);
    }
    EXPECT_EQ(base64_encoded("\xff\xfe\xfd"), "//79");
    for (const char* bad : {"Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zg==Zg==", "Zm9v!A==", "Zm 9", "=Zm9"})
        EXPECT_THROW(base64_decoded(bad), error) << bad;
}

// Python decides, for each random string: is it valid UTF-8, does the terminal form hold a control
// character (category Cc: C0, DEL, C1) or a line break, and do the escapes decode to the input?
TEST(escaped_text, python_agrees_on_random_bytes) {
    const auto inputs = random_strings(4000);
    std::string table;
    for (const auto& s : inputs)
        table += hex(s) + " " + hex(for_terminal(s)) + " " + hex(escaped_line(s)) + " " + (is_valid_utf8(s) ? "1" : "0") +
                 " " + hex(base64_encoded(s)) + "\n";
    const auto dir = test::scratch_dir();
    test::write_file(dir / "escapes.txt", table);
    test::write_file(dir / "check.py", R"(import base64, codecs, sys, unicodedata
def controls(text):
    return any(unicodedata.category(c) == 'Cc' for c in text)
failures = 0
for n, row in enumerate(open(sys.argv[1])):
    raw, term, line, valid, b64 = row.rstrip('\n').split(' ')
    raw, term, line, b64 = (bytes.fromhex(f) for f in (raw, term, line, b64))
    problems = []
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        text = None
    if (text is not None) != (valid == '1'): problems.append('utf-8 validity')
    for name, escaped in (('terminal', term), ('line', line)):
        if codecs.escape_decode(escaped)[0] != raw: problems.append(name + ': does not decode back')
        try:
            shown = escaped.decode('utf-8')
        except UnicodeDecodeError:
            problems.append(name + ': not UTF-8')
            continue
        if '\n' in shown or '\r' in shown: problems.append(name + ': a line break')
        if name == 'terminal' and controls(shown): problems.append(name + ': a control character')
    if text is not None and '\\' not in text and not controls(text) and term != raw:
        problems.append('printable text changed')
    if base64.b64encode(raw) != b64: problems.append('base64')
    if problems:
        failures += 1
        if failures <= 10: print(n, raw, problems)
print('checked', n + 1)
sys.exit(1 if failures else 0)
)");
    const auto r = test::run_shell("/usr/bin/python3 " + test::quoted(dir / "check.py") + " " + test::quoted(dir / "escapes.txt"));
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("checked 4000"), std::string::npos) << r.out;
    for (const auto& s : inputs) ASSERT_EQ(base64_decoded(base64_encoded(s)), s) << hex(s);
}
