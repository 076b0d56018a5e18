#include "roomchat/errc.hpp"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

// Every enumerator, found the way the wire does: names end where to_string()
// has none, and -Wswitch keeps the switch complete.
std::vector<errc> all_codes() {
    std::vector<errc> codes;
    for (int i = 0; !to_string(static_cast<errc>(i)).empty(); ++i) {
        codes.push_back(static_cast<errc>(i));
    }
    return codes;
}

TEST(errc, every_enumerator_up_to_the_last_has_a_name) {
    EXPECT_EQ(all_codes().size(), static_cast<std::size_t>(errc::no_ack) + 1);
}

TEST(errc, names_are_unique_snake_case) {
    std::set<std::string_view> seen;
    for (const errc code : all_codes()) {
        const std::string_view name = to_string(code);
        EXPECT_TRUE(seen.insert(name).second) << name;
        for (const char c : name) {
            EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << name;
        }
    }
}

TEST(errc, messages_are_unique_sentences) {
    std::set<std::string_view> seen;
    for (const errc code : all_codes()) {
        const std::string_view text = message(code);
        ASSERT_FALSE(text.empty()) << to_string(code);
        EXPECT_TRUE(seen.insert(text).second) << text;
        EXPECT_TRUE(text.front() >= 'A' && text.front() <= 'Z') << text;
        EXPECT_EQ(text.back(), '.') << text;
    }
}

TEST(errc, names_round_trip) {
    for (const errc code : all_codes()) {
        const auto parsed = errc_from_string(to_string(code));
        ASSERT_TRUE(parsed.has_value()) << to_string(code);
        EXPECT_EQ(*parsed, code);
    }
}

TEST(errc, wire_names_match_the_protocol) {
    EXPECT_EQ(to_string(errc::empty_text), "empty_text");
    EXPECT_EQ(to_string(errc::rate_limited), "rate_limited");
    EXPECT_EQ(to_string(errc::no_ack), "no_ack");
    EXPECT_EQ(errc_from_string("unsupported_version"), errc::unsupported_version);
}

TEST(errc, unknown_names_are_rejected) {
    EXPECT_FALSE(errc_from_string(""));
    EXPECT_FALSE(errc_from_string("Rate_limited"));
    EXPECT_FALSE(errc_from_string("rate_limited "));
    EXPECT_FALSE(errc_from_string("rate"));
    EXPECT_FALSE(errc_from_string(std::string_view("rate_limited\0", 13)));
}

TEST(errc, values_outside_the_enumeration_have_no_name_or_message) {
    const auto beyond = static_cast<errc>(static_cast<int>(errc::no_ack) + 1);
    EXPECT_TRUE(to_string(beyond).empty());
    EXPECT_TRUE(message(beyond).empty());
    EXPECT_FALSE(is_retryable(beyond));
}

TEST(errc, only_timing_and_relay_state_codes_are_retryable) {
    const std::set<errc> retryable = {errc::rate_limited, errc::internal, errc::going_away, errc::unavailable,
                                      errc::slow_consumer};
    for (const errc code : all_codes()) {
        EXPECT_EQ(is_retryable(code), retryable.count(code) == 1) << to_string(code);
    }
}

TEST(errc, a_rate_limit_says_when_sending_works_again_in_whole_seconds_rounded_up) {
    EXPECT_EQ(message(errc::rate_limited, 1), "You are sending too fast. You can send again in 1 s.");
    EXPECT_EQ(message(errc::rate_limited, 1000), "You are sending too fast. You can send again in 1 s.");
    EXPECT_EQ(message(errc::rate_limited, 1001), "You are sending too fast. You can send again in 2 s.");
    EXPECT_EQ(message(errc::rate_limited, 0), message(errc::rate_limited));
    EXPECT_EQ(message(errc::text_too_long, 5000), message(errc::text_too_long)) << "only waiting codes wait";
}

TEST(errc, a_mute_says_when_sending_works_again_in_minutes_from_a_minute_on) {
    EXPECT_EQ(message(errc::muted, 59'000),
              "A moderator has muted you in this room. You can send again in 59 s.");
    EXPECT_EQ(message(errc::muted, 60'000),
              "A moderator has muted you in this room. You can send again in 1 min.");
    EXPECT_EQ(message(errc::muted, 60'001),
              "A moderator has muted you in this room. You can send again in 2 min.");
    EXPECT_EQ(message(errc::muted, 0), message(errc::muted));
}

}  // namespace
}  // namespace roomchat
