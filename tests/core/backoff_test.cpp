#include "roomchat/backoff.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

// A source that always yields the same byte, to pin the jitter draw.
random_source constant(std::uint8_t byte) {
    return [byte](std::uint8_t* data, std::size_t size) { std::memset(data, byte, size); };
}

TEST(backoff, without_jitter_doubles_from_initial_up_to_the_cap) {
    const backoff_policy policy{500, 30'000, 2, 0};
    std::vector<millis> delays;
    for (std::uint32_t attempt = 0; attempt < 9; ++attempt) {
        delays.push_back(backoff_delay(policy, attempt, constant(0x5a)));
    }
    EXPECT_EQ(delays, (std::vector<millis>{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
}

TEST(backoff, jitter_spans_exactly_the_configured_range) {
    const backoff_policy policy{1000, 30'000, 2, 20};
    EXPECT_EQ(backoff_delay(policy, 0, constant(0x00)), 800);
    EXPECT_EQ(backoff_delay(policy, 0, constant(0xff)), 1000);
    EXPECT_EQ(backoff_delay(policy, 2, constant(0x00)), 3200);
    EXPECT_EQ(backoff_delay(policy, 2, constant(0xff)), 4000);
}

TEST(backoff, draws_spread_over_the_range) {
    const backoff_policy policy{1000, 30'000, 2, 50};
    std::uint8_t next = 0;
    const random_source counting = [&next](std::uint8_t* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            data[i] = next;
            next = static_cast<std::uint8_t>(next + 37);
        }
    };
    millis lowest = 1000;
    millis highest = 0;
    for (int i = 0; i < 200; ++i) {
        const millis delay = backoff_delay(policy, 0, counting);
        ASSERT_GE(delay, 500);
        ASSERT_LE(delay, 1000);
        lowest = std::min(lowest, delay);
        highest = std::max(highest, delay);
    }
    EXPECT_LT(lowest, 600);
    EXPECT_GT(highest, 900);
}

TEST(backoff, huge_attempt_numbers_stay_at_the_cap) {
    const backoff_policy policy{500, 30'000, 10, 0};
    EXPECT_EQ(backoff_delay(policy, 4'000'000'000U, constant(1)), 30'000);
}

TEST(backoff, multiplier_of_one_keeps_the_delay_constant) {
    const backoff_policy policy{700, 30'000, 1, 0};
    EXPECT_EQ(backoff_delay(policy, 0, constant(1)), 700);
    EXPECT_EQ(backoff_delay(policy, 12, constant(1)), 700);
}

TEST(backoff, initial_above_the_cap_is_capped) {
    const backoff_policy policy{60'000, 30'000, 2, 0};
    EXPECT_EQ(backoff_delay(policy, 0, constant(1)), 30'000);
}

TEST(backoff, jitter_over_one_hundred_percent_reaches_zero_at_most) {
    const backoff_policy policy{1000, 30'000, 2, 150};
    EXPECT_EQ(backoff_delay(policy, 0, constant(0)), 0);
    EXPECT_EQ(backoff_delay(policy, 0, constant(0xff)), 1000);
}

}  // namespace
}  // namespace roomchat
