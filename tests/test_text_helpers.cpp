// The shared text helpers: ascii_lower (only A-Z change, in any locale) and parse_seconds (a whole
// finite number >= 0, else invalid input quoting the text).
#include <gtest/gtest.h>

#include <cmath>

#include "sonavec/seconds.h"
#include "util/text_case.h"
#include "sonavec/error.h"

using namespace sonavec;

TEST(text_case, only_ascii_letters_are_lowered) {
    EXPECT_EQ(ascii_lower("FLAC"), "flac");
    EXPECT_EQ(ascii_lower("Content-Length: 12"), "content-length: 12");
    EXPECT_EQ(ascii_lower("AZaz@[`{09"), "azaz@[`{09");
    // UTF-8 and Latin-1 bytes are kept as they are, even where a locale would lower \xC9 (É in Latin-1).
    EXPECT_EQ(ascii_lower("\xC3\x89T\xC3\x89 \xC9"), "\xC3\x89t\xC3\x89 \xC9");
    EXPECT_EQ(ascii_lower(std::string("A\0B", 3)), std::string("a\0b", 3));
    EXPECT_EQ(ascii_lower(""), "");
}

TEST(seconds, decimal_numbers_of_seconds_are_read_whole) {
    EXPECT_EQ(parse_seconds("7"), 7.0);
    EXPECT_EQ(parse_seconds("0.5"), 0.5);
    EXPECT_EQ(parse_seconds(".25"), 0.25);
    EXPECT_EQ(parse_seconds("1e3"), 1000.0);
    EXPECT_EQ(parse_seconds("604800"), 604800.0);
    EXPECT_EQ(parse_seconds("0"), 0.0);
    const double negative_zero = parse_seconds("-0");
    EXPECT_EQ(negative_zero, 0.0);
    EXPECT_FALSE(std::signbit(negative_zero));
}

TEST(seconds, anything_else_is_invalid_input_quoting_it) {
    for (const char* bad : {"", " 1", "1 ", "+1", "1s", "-2", "-1e-9", "inf", "nan", "0x10", "1,5", "1e999", "--1", "."}) {
        try {
            const double v = parse_seconds(bad);
            ADD_FAILURE() << "'" << bad << "' read as " << v;
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_input) << bad;
            EXPECT_EQ(std::string(e.what()), "'" + std::string(bad) + "' is not a number of seconds (a finite number >= 0)");
        }
    }
    // A long text is quoted in part only.
    const std::string huge(100000, '9');
    EXPECT_THROW(parse_seconds(huge + "x"), error);
}
