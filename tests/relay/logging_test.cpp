#include "logging.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace roomchat::relay {
namespace {

TEST(log_value, plain_values_stay_bare) {
    EXPECT_EQ(format_log_value("lobby"), "lobby");
    EXPECT_EQ(format_log_value("http://a.example/x?y"), "http://a.example/x?y");
    EXPECT_EQ(format_log_value("caf\xc3\xa9 \xf0\x9f\x98\x80").front(), '"') << "a space quotes";
    EXPECT_EQ(format_log_value("caf\xc3\xa9\xf0\x9f\x98\x80"), "caf\xc3\xa9\xf0\x9f\x98\x80")
        << "UTF-8 is kept";
}

TEST(log_value, separators_and_quotes_are_quoted) {
    EXPECT_EQ(format_log_value(""), "\"\"");
    EXPECT_EQ(format_log_value("a b"), "\"a b\"");
    EXPECT_EQ(format_log_value("a=b"), "\"a=b\"");
    EXPECT_EQ(format_log_value("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(format_log_value("back\\slash"), "\"back\\\\slash\"");
}

TEST(log_value, every_control_character_is_escaped) {
    EXPECT_EQ(format_log_value("a\nb"), "\"a\\nb\"");
    EXPECT_EQ(format_log_value("a\rb"), "\"a\\rb\"");
    EXPECT_EQ(format_log_value("a\tb"), "\"a\\tb\"");
    EXPECT_EQ(format_log_value("\x1b[2Jevil"), "\"\\x1b[2Jevil\"");
    EXPECT_EQ(format_log_value(std::string("a\0b", 3)), "\"a\\x00b\"");
    EXPECT_EQ(format_log_value("a\x7f"), "\"a\\x7f\"");
    EXPECT_EQ(format_log_value("a\xc2\x9b"
                               "b"),
              "\"a\\u009bb\"")
        << "C1 CSI in UTF-8";
    EXPECT_EQ(format_log_value("\xc2\xa0"), "\xc2\xa0") << "U+00A0 is not a control";
    EXPECT_EQ(format_log_value("a\xe2\x80\xa8"
                               "b"),
              "\"a\\u2028b\"")
        << "LINE SEPARATOR";
    EXPECT_EQ(format_log_value("\xe2\x80\xae"
                               "gnp.exe"),
              "\"\\u202egnp.exe\"")
        << "RIGHT-TO-LEFT OVERRIDE";
    EXPECT_EQ(format_log_value("\xe2\x81\xa6x"), "\"\\u2066x\"") << "LEFT-TO-RIGHT ISOLATE";
    EXPECT_EQ(format_log_value("\xe2\x80\x94"), "\xe2\x80\x94") << "an em dash is just text";
}

TEST(log_value, bytes_that_are_not_utf8_are_escaped) {
    EXPECT_EQ(format_log_value("a\x9b"
                               "b"),
              "\"a\\x9bb\"")
        << "a raw 8-bit CSI";
    EXPECT_EQ(format_log_value("\xff\xfe"), "\"\\xff\\xfe\"");
    EXPECT_EQ(format_log_value("\xc0\xaf"), "\"\\xc0\\xaf\"") << "overlong";
    EXPECT_EQ(format_log_value("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"") << "surrogate";
    EXPECT_EQ(format_log_value("\xe2\x82"), "\"\\xe2\\x82\"") << "truncated";
}

TEST(log_value, every_byte_value_keeps_the_line_whole) {
    for (int c = 0; c < 256; ++c) {
        const std::string value = "x" + std::string(1, static_cast<char>(c)) + "y";
        const std::string out = format_log_value(value);
        for (const char byte : out) {
            const auto u = static_cast<unsigned char>(byte);
            EXPECT_TRUE(u >= 0x20 && u != 0x7f) << "byte " << c << " left a raw " << int(u);
        }
    }
}

TEST(logger, writes_one_line_per_event_with_escaped_fields) {
    std::ostringstream out;
    logger log(log_level::info, out);
    log.write(log_level::debug, "hidden");
    log.write(log_level::warn, "origin_rejected", {{"origin", "http://x\r\nts=forged level=error"}});
    const std::string line = out.str();
    EXPECT_EQ(line.find("hidden"), std::string::npos);
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
    EXPECT_NE(line.find("level=warn event=origin_rejected origin=\"http://x\\r\\nts=forged level=error\"\n"),
              std::string::npos)
        << line;
}

}  // namespace
}  // namespace roomchat::relay
