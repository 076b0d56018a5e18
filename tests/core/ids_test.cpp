#include "roomchat/ids.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

// A random_source that replays fixed bytes and counts its calls.
struct scripted_source {
    std::vector<std::uint8_t> bytes;
    std::size_t next = 0;
    int calls = 0;

    random_source source() {
        return [this](std::uint8_t* data, std::size_t size) {
            ++calls;
            for (std::size_t i = 0; i < size; ++i) {
                data[i] = bytes.at(next++);
            }
        };
    }
};

std::array<std::uint8_t, message_id::size_bytes> counting_bytes(std::uint8_t first) {
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::uint8_t>(first + i * 17);
    }
    return bytes;
}

TEST(message_id, generate_uses_the_injected_bytes) {
    const auto drawn = counting_bytes(3);
    scripted_source script{{drawn.begin(), drawn.end()}};
    const message_id id = message_id::generate(script.source());
    EXPECT_EQ(script.calls, 1);
    EXPECT_TRUE(std::equal(id.bytes().begin(), id.bytes().end(), script.bytes.begin()));
}

TEST(message_id, generate_is_deterministic_for_a_seeded_source) {
    auto seeded = [](unsigned seed) {
        auto engine = std::make_shared<std::mt19937>(seed);
        return random_source([engine](std::uint8_t* data, std::size_t size) {
            for (std::size_t i = 0; i < size; ++i) {
                data[i] = static_cast<std::uint8_t>((*engine)() & 0xFFU);
            }
        });
    };
    const auto a = seeded(42);
    const auto b = seeded(42);
    const message_id first = message_id::generate(a);
    EXPECT_EQ(first, message_id::generate(b));
    EXPECT_NE(first, message_id::generate(a));
}

TEST(message_id, nil_draws_are_redrawn) {
    // Two nil draws, then `second`. The buffer is sized once and filled in
    // place. Appending `second` with vector::insert made g++ 12 at -O3 warn
    // about the memcpy on insert's reallocation path (-Warray-bounds,
    // "offset 32 is out of the bounds [0, 32]"): a false positive of g++ 12's
    // bounds checking inside libstdc++'s inlined vector code, which -Werror
    // turned into a failed release build. The bytes drawn are the same.
    const auto second = counting_bytes(9);
    std::vector<std::uint8_t> bytes(3 * message_id::size_bytes, 0);
    std::copy(second.begin(), second.end(), bytes.begin() + 2 * message_id::size_bytes);
    scripted_source script{std::move(bytes)};
    const message_id id = message_id::generate(script.source());
    EXPECT_EQ(script.calls, 3);
    EXPECT_FALSE(id.is_nil());
    EXPECT_TRUE(std::equal(id.bytes().begin(), id.bytes().end(), second.begin()));
}

TEST(message_id, default_is_nil) {
    EXPECT_TRUE(message_id().is_nil());
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    bytes[15] = 1;
    EXPECT_FALSE(message_id(bytes).is_nil());
}

TEST(message_id, text_is_lowercase_hex_in_byte_order) {
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::uint8_t>(0xF0 + i);
    }
    bytes[0] = 0x0A;
    EXPECT_EQ(message_id(bytes).to_string(), "0af1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    EXPECT_EQ(message_id().to_string(), std::string(32, '0'));
    const auto text = message_id(bytes).text();  // the same, without a string
    EXPECT_EQ(std::string(text.begin(), text.end()), "0af1f2f3f4f5f6f7f8f9fafbfcfdfeff");
}

TEST(message_id, parse_round_trips) {
    std::mt19937 engine(7);
    for (int i = 0; i < 200; ++i) {
        std::array<std::uint8_t, message_id::size_bytes> bytes{};
        for (auto& b : bytes) {
            b = static_cast<std::uint8_t>(engine() & 0xFFU);
        }
        const message_id id(bytes);
        const auto parsed = message_id::parse(id.to_string());
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(*parsed, id);
    }
    const auto nil = message_id::parse(std::string(32, '0'));
    ASSERT_TRUE(nil.ok());
    EXPECT_TRUE(nil->is_nil());
}

TEST(message_id, parse_rejects_non_canonical_text) {
    const std::string good = "0123456789abcdef0123456789abcdef";
    ASSERT_TRUE(message_id::parse(good).ok());
    const std::vector<std::string> bad = {
        "",
        good.substr(0, 31),
        good + "0",
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdeF0123456789abcdef",
        "0123456789abcdeg0123456789abcdef",
        "0123456789abcdef0123456789abcde ",
        " 123456789abcdef0123456789abcdef",
        "0123456789abcdef-0123456789abcde",
        "{0123456789abcdef0123456789abcd}",
        std::string("0123456789abcdef\0"
                    "123456789abcdef",
                    32),
        "0x23456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcd/f",
        "0123456789abcdef0123456789abcd:f",
        "0123456789abcdef0123456789abcd`f",
    };
    for (const auto& text : bad) {
        const auto parsed = message_id::parse(text);
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_EQ(parsed.error(), errc::invalid_message_id) << text;
    }
}

TEST(message_id, comparisons_follow_the_bytes) {
    std::array<std::uint8_t, message_id::size_bytes> low{};
    std::array<std::uint8_t, message_id::size_bytes> high{};
    low[0] = 1;
    high[0] = 2;
    EXPECT_TRUE(message_id(low) < message_id(high));
    EXPECT_FALSE(message_id(high) < message_id(low));
    EXPECT_TRUE(message_id(low) != message_id(high));
    EXPECT_TRUE(message_id(low) == message_id(low));
}

TEST(message_id, hash_uses_every_byte) {
    const std::hash<message_id> hash;
    std::unordered_set<std::size_t> seen;
    for (std::size_t position = 0; position < message_id::size_bytes; ++position) {
        std::array<std::uint8_t, message_id::size_bytes> bytes{};
        bytes[position] = 1;
        EXPECT_TRUE(seen.insert(hash(message_id(bytes))).second) << position;
    }
    EXPECT_EQ(hash(message_id(counting_bytes(5))), hash(message_id(counting_bytes(5))));
}

TEST(ids, user_and_room_ids_accept_the_allowed_charset) {
    const std::vector<std::string> good = {"a",   "lobby",   "A-Z_a.z-09", std::string(max_id_length, 'x'),
                                           "...", "user_123"};
    for (const auto& id : good) {
        EXPECT_TRUE(validate_user_id(id).ok()) << id;
        EXPECT_TRUE(validate_room_id(id).ok()) << id;
        EXPECT_TRUE(validate_epoch(id).ok()) << id;
    }
}

// The HTTP API's paths hold the room; URL parsers remove these before the relay could see them.
TEST(ids, a_room_id_is_no_dot_segment) {
    for (const std::string id : {".", ".."}) {
        EXPECT_EQ(validate_room_id(id).error(), errc::invalid_room_id) << id;
        EXPECT_TRUE(validate_user_id(id).ok()) << id;
    }
}

TEST(ids, user_and_room_ids_reject_empty_long_and_foreign_characters) {
    const std::vector<std::string> bad = {"",     std::string(max_id_length + 1, 'x'),
                                          "a b",  "a/b",
                                          "a:b",  "caf\xc3\xa9",
                                          "a\nb", std::string("a\0b", 3),
                                          "a@b",  "a+b",
                                          "~",    "[room]"};
    for (const auto& id : bad) {
        const status user = validate_user_id(id);
        ASSERT_FALSE(user.ok()) << id;
        EXPECT_EQ(user.error(), errc::invalid_user_id) << id;
        const status room = validate_room_id(id);
        ASSERT_FALSE(room.ok()) << id;
        EXPECT_EQ(room.error(), errc::invalid_room_id) << id;
        const status epoch = validate_epoch(id);
        ASSERT_FALSE(epoch.ok()) << id;
        EXPECT_EQ(epoch.error(), errc::invalid_epoch) << id;
    }
}

TEST(ids, generated_epochs_are_sixteen_hex_digits_from_the_source) {
    std::mt19937 a(7);
    std::mt19937 b(7);
    const auto source = [](std::mt19937& engine) -> random_source {
        return [&engine](std::uint8_t* data, std::size_t size) {
            for (std::size_t i = 0; i < size; ++i) {
                data[i] = static_cast<std::uint8_t>(engine() & 0xffU);
            }
        };
    };
    const std::string first = generate_epoch(source(a));
    EXPECT_EQ(first.size(), 16U);
    EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos) << first;
    EXPECT_TRUE(validate_epoch(first).ok());
    EXPECT_EQ(first, generate_epoch(source(b))) << "all randomness comes from the source";
    EXPECT_NE(first, generate_epoch(source(a)));
}

TEST(display_name, is_trimmed_and_normalised) {
    const auto name = normalize_display_name("  Ann \xe3\x80\x80");
    ASSERT_TRUE(name.ok());
    EXPECT_EQ(*name, "Ann");
}

TEST(display_name, allows_forty_code_points_and_no_more) {
    std::string forty;
    for (std::size_t i = 0; i < max_display_name_code_points; ++i) {
        forty += "\xc3\xa9";  // é, two bytes, one code point
    }
    const auto ok = normalize_display_name(forty);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, forty);
    const auto long_name = normalize_display_name(forty + "x");
    ASSERT_FALSE(long_name.ok());
    EXPECT_EQ(long_name.error(), errc::text_too_long);
}

TEST(display_name, rejects_inner_newlines_and_empty_names) {
    for (const char* name : {"Ann\nLee", "Ann\r\nLee", "Ann\rLee"}) {
        const auto result = normalize_display_name(name);
        ASSERT_FALSE(result.ok()) << name;
        EXPECT_EQ(result.error(), errc::control_character) << name;
    }
    const auto tab = normalize_display_name("Ann\tLee");
    ASSERT_TRUE(tab.ok());
    EXPECT_EQ(*tab, "Ann\tLee");
    const auto empty = normalize_display_name(" \n ");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error(), errc::empty_text);
    const auto bad = normalize_display_name("\xc0\xae");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error(), errc::invalid_utf8);
}

}  // namespace
}  // namespace roomchat
