#include "roomchat/text_rules.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

std::string repeat(std::string_view unit, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i) {
        out += unit;
    }
    return out;
}

void expect_text(std::string_view input, std::string_view expected, const text_limits& limits = {}) {
    const auto result = normalize_text(input, limits);
    ASSERT_TRUE(result.ok()) << "input: " << input << " error: " << to_string(result.error());
    EXPECT_EQ(*result, expected);
}

void expect_error(std::string_view input, errc expected, const text_limits& limits = {}) {
    const auto result = normalize_text(input, limits);
    ASSERT_FALSE(result.ok()) << "input accepted: " << input;
    EXPECT_EQ(result.error(), expected) << "input: " << input << " got " << to_string(result.error());
}

// ---- UTF-8 well-formedness -------------------------------------------------

TEST(utf8, accepts_every_encoding_length_at_its_boundaries) {
    const std::vector<std::string> good = {
        "",
        std::string("\0", 1),
        "\x7f",
        "\xc2\x80",          // U+0080, smallest two-byte
        "\xdf\xbf",          // U+07FF
        "\xe0\xa0\x80",      // U+0800, smallest three-byte
        "\xed\x9f\xbf",      // U+D7FF, just below the surrogates
        "\xee\x80\x80",      // U+E000, just above them
        "\xef\xbf\xbf",      // U+FFFF
        "\xf0\x90\x80\x80",  // U+10000, smallest four-byte
        "\xf4\x8f\xbf\xbf",  // U+10FFFF, the last code point
        "h\xc3\xa9llo \xf0\x9f\x98\x80",
    };
    for (const auto& text : good) {
        EXPECT_TRUE(is_valid_utf8(text)) << text;
    }
}

struct bad_utf8 {
    const char* name;
    std::string bytes;
};

std::vector<bad_utf8> bad_utf8_forms() {
    return {
        {"C0 overlong of '/'", "\xc0\xaf"},
        {"C0 overlong of NUL", "\xc0\x80"},
        {"C1 overlong", "\xc1\xbf"},
        {"three-byte overlong of NUL", "\xe0\x80\x80"},
        {"three-byte overlong of U+07FF", "\xe0\x9f\xbf"},
        {"four-byte overlong of U+FFFF", "\xf0\x8f\xbf\xbf"},
        {"overlong of C1 control U+0085", "\xe0\x82\x85"},
        {"high surrogate U+D800", "\xed\xa0\x80"},
        {"low surrogate U+DFFF", "\xed\xbf\xbf"},
        {"surrogate pair (CESU-8)", "\xed\xa0\xbd\xed\xb8\x80"},
        {"U+110000", "\xf4\x90\x80\x80"},
        {"F5 lead", "\xf5\x80\x80\x80"},
        {"F7 lead", "\xf7\xbf\xbf\xbf"},
        {"F8 five-byte lead", "\xf8\x88\x80\x80\x80"},
        {"FC six-byte lead", "\xfc\x84\x80\x80\x80\x80"},
        {"FE", "\xfe"},
        {"FF", "\xff"},
        {"stray continuation", "\x80"},
        {"stray continuation after ASCII", "a\xbf"},
        {"two stray continuations", "\x80\x80"},
        {"truncated two-byte", "\xc3"},
        {"truncated three-byte", "\xe2\x82"},
        {"truncated four-byte", "\xf0\x9f\x98"},
        {"truncated four-byte after one byte", "\xf0"},
        {"lead followed by ASCII", "\xc3("},
        {"three-byte with ASCII last", "\xe2\x82("},
        {"four-byte with ASCII third", "\xf0\x9f(\x80"},
        {"lead followed by lead", "\xc3\xc3\xa9"},
        {"truncated at end after valid text", "ok \xe2\x82"},
    };
}

TEST(utf8, rejects_every_malformed_form) {
    for (const auto& form : bad_utf8_forms()) {
        EXPECT_FALSE(is_valid_utf8(form.bytes)) << form.name;
        expect_error(form.bytes, errc::invalid_utf8);
        expect_error("hi " + form.bytes + " there", errc::invalid_utf8);
    }
}

TEST(utf8, every_lead_byte_outside_the_rfc_ranges_is_rejected) {
    for (int lead = 0x80; lead <= 0xFF; ++lead) {
        const bool allowed = (lead >= 0xC2 && lead <= 0xF4);
        // Continuation bytes that complete a valid sequence for every allowed lead.
        std::string bytes(1, static_cast<char>(lead));
        if (lead >= 0xF0) {
            bytes += lead == 0xF0 ? "\x90\x80\x80" : "\x80\x80\x80";
        } else if (lead >= 0xE0) {
            bytes += lead == 0xE0 ? "\xa0\x80" : "\x80\x80";
        } else {
            bytes += "\x80";
        }
        EXPECT_EQ(is_valid_utf8(bytes), allowed) << std::hex << lead;
    }
}

TEST(utf8, validity_matches_a_decoder_over_all_code_points) {
    for (std::uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x11000 ? 1 : 61)) {
        std::string bytes;
        if (cp < 0x80) {
            bytes = std::string(1, static_cast<char>(cp));
        } else if (cp < 0x800) {
            bytes = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
        } else if (cp < 0x10000) {
            bytes = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                     static_cast<char>(0x80 | (cp & 0x3F))};
        } else {
            bytes = {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                     static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
        }
        const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        ASSERT_EQ(is_valid_utf8(bytes), !surrogate) << std::hex << cp;
        ASSERT_EQ(count_code_points(bytes), surrogate ? bytes.size() : 1U) << std::hex << cp;
        const auto units = utf16_length(bytes);
        ASSERT_EQ(units, surrogate ? std::nullopt : std::optional<std::size_t>(cp > 0xFFFF ? 2 : 1))
            << std::hex << cp;
    }
}

// ---- UTF-16 length -----------------------------------------------------------

TEST(utf16_length, is_a_javascript_strings_length) {
    EXPECT_EQ(utf16_length(""), 0U);
    EXPECT_EQ(utf16_length("abc"), 3U);
    EXPECT_EQ(utf16_length(std::string("a\0b", 3)), 3U);  // NUL is a character
    EXPECT_EQ(utf16_length("\xc3\xa9t\xc3\xa9"), 3U);     // "été": 5 bytes, 3 units
    EXPECT_EQ(utf16_length("\xef\xbb\xbfhi"), 3U);        // a byte order mark is one unit
    EXPECT_EQ(utf16_length("\xf0\x9f\x91\x8d!"), 3U);     // U+1F44D is a surrogate pair
}

TEST(utf16_length, is_nullopt_for_bytes_that_are_not_utf8) {
    EXPECT_EQ(utf16_length("ok \xff"), std::nullopt);
    EXPECT_EQ(utf16_length("\xed\xa0\x80"), std::nullopt);  // a surrogate
    EXPECT_EQ(utf16_length("\xf0\x9f\x91"), std::nullopt);  // cut short
}

// ---- counting ----------------------------------------------------------------

TEST(count_code_points, counts_code_points_not_bytes_or_graphemes) {
    EXPECT_EQ(count_code_points(""), 0U);
    EXPECT_EQ(count_code_points("abc"), 3U);
    EXPECT_EQ(count_code_points("\xc3\xa9"), 1U);                          // é precomposed
    EXPECT_EQ(count_code_points("e\xcc\x81"), 2U);                         // e + combining acute
    EXPECT_EQ(count_code_points("\xf0\x9f\x98\x80"), 1U);                  // 😀
    EXPECT_EQ(count_code_points("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 2U);  // 👍🏽 with skin tone
    // 👨‍👩‍👧: man ZWJ woman ZWJ girl is five code points.
    EXPECT_EQ(count_code_points("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"),
              5U);
}

TEST(count_code_points, counts_malformed_bytes_one_each) {
    EXPECT_EQ(count_code_points("\xff\xfe"), 2U);
    EXPECT_EQ(count_code_points("a\x80"
                                "b"),
              3U);
    EXPECT_EQ(count_code_points("\xe2\x82"), 2U);
    EXPECT_EQ(count_code_points("\xed\xa0\x80"), 3U);
}

// ---- normalisation -------------------------------------------------------------

TEST(normalize_text, keeps_ordinary_text) {
    expect_text("hello", "hello");
    expect_text("a\tb\nc", "a\tb\nc");
    expect_text("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(normalize_text, normalises_line_breaks) {
    expect_text("a\r\nb", "a\nb");
    expect_text("a\rb", "a\nb");
    expect_text("a\r\r\nb", "a\n\nb");
    expect_text("a\n\rb", "a\n\nb");
    expect_text("a\r\n\r\nb", "a\n\nb");
    expect_text("\r\na\r", "a");
}

TEST(normalize_text, trims_unicode_white_space_at_both_ends) {
    expect_text(" \t\nhi\n\t ", "hi");
    expect_text("\xc2\xa0hi\xc2\xa0", "hi");          // U+00A0
    expect_text("\xe3\x80\x80hi\xe3\x80\x80", "hi");  // U+3000
    expect_text("\xe2\x80\x80hi\xe2\x80\x8a", "hi");  // U+2000, U+200A
    expect_text("\xe2\x80\xa8hi\xe2\x80\xa9", "hi");  // U+2028, U+2029
    expect_text("\xe2\x80\xafhi\xe2\x81\x9f", "hi");  // U+202F, U+205F
    expect_text("\xe1\x9a\x80hi\xc2\x85", "hi");      // U+1680, U+0085
    expect_text("\x0b\x0chi\x0c\x0b", "hi");          // VT, FF
    expect_text(" a b ", "a b");
    expect_text(
        "a\xe3\x80\x80"
        "b",
        "a\xe3\x80\x80"
        "b");  // inner space kept
}

TEST(normalize_text, does_not_trim_invisible_characters_that_are_not_white_space) {
    expect_text("\xe2\x80\x8bhi", "\xe2\x80\x8bhi");  // U+200B zero width space
    expect_text("hi\xef\xbb\xbf", "hi\xef\xbb\xbf");  // U+FEFF
    expect_text("hi\xe2\x80\x8d", "hi\xe2\x80\x8d");  // U+200D ZWJ
}

TEST(normalize_text, empty_after_trimming_is_an_error) {
    expect_error("", errc::empty_text);
    expect_error(" ", errc::empty_text);
    expect_error("\r\n\t \xc2\xa0\xe3\x80\x80", errc::empty_text);
}

TEST(normalize_text, rejects_control_characters_other_than_newline_and_tab) {
    for (int c = 0; c < 0x20; ++c) {
        if (c == '\n' || c == '\t' || c == '\r') {
            continue;
        }
        expect_error("a" + std::string(1, static_cast<char>(c)) + "b", errc::control_character);
    }
    expect_error(
        "a\x7f"
        "b",
        errc::control_character);
    for (int c = 0x80; c <= 0x9F; ++c) {
        const std::string c1 = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
        expect_error("a" + c1 + "b", errc::control_character);
    }
    expect_text(
        "a\xc2\xa1"
        "b",
        "a\xc2\xa1"
        "b");  // U+00A1 is the first after C1
    expect_error(std::string("a\0b", 3), errc::control_character);
}

TEST(normalize_text, newlines_can_be_forbidden) {
    const text_limits single_line{500, false};
    expect_error("a\nb", errc::control_character, single_line);
    expect_error("a\r\nb", errc::control_character, single_line);
    expect_text("\na\tb\n", "a\tb", single_line);
}

TEST(normalize_text, limit_is_counted_in_code_points) {
    expect_text(repeat("a", 500), repeat("a", 500));
    expect_error(repeat("a", 501), errc::text_too_long);
    const std::string emoji = "\xf0\x9f\x98\x80";
    expect_text(repeat(emoji, 500), repeat(emoji, 500));
    expect_error(repeat(emoji, 501), errc::text_too_long);
    const std::string combined = "e\xcc\x81";  // two code points
    expect_text(repeat(combined, 250), repeat(combined, 250));
    expect_error(repeat(combined, 250) + "x", errc::text_too_long);
    const std::string family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7";
    expect_text(repeat(family, 100), repeat(family, 100));
    expect_error(repeat(family, 100) + "x", errc::text_too_long);
}

TEST(normalize_text, limit_applies_after_trimming_and_line_break_normalisation) {
    expect_text("  " + repeat("a", 500) + "  ", repeat("a", 500));
    const std::string crlf = repeat("a\r\n", 250);  // 750 bytes, 500 code points once normalised
    const auto result = normalize_text(crlf);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(count_code_points(*result), 499U);  // the final newline is trimmed
}

TEST(normalize_text, limit_is_configurable) {
    expect_text("abc", "abc", text_limits{3, true});
    expect_error("abcd", errc::text_too_long, text_limits{3, true});
    expect_error("a", errc::text_too_long, text_limits{0, true});
}

TEST(normalize_text, checks_run_in_the_documented_order) {
    // invalid UTF-8 wins over everything, even in an otherwise empty text.
    expect_error(" \xff ", errc::invalid_utf8);
    // empty wins over control characters: trimming removes edge controls first.
    expect_error("\x0b", errc::empty_text);
    // control characters win over length.
    expect_error(repeat("a", 600) + "\x01", errc::control_character);
}

}  // namespace
}  // namespace roomchat
