#include "roomchat/rate_limiter.hpp"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

constexpr millis max_time = std::numeric_limits<millis>::max();
constexpr millis min_time = std::numeric_limits<millis>::min();

int drain(rate_limiter& limiter, millis now) {
    int taken = 0;
    while (limiter.try_acquire(now) == 0) {
        ++taken;
    }
    return taken;
}

TEST(rate_limiter, starts_full_with_burst_tokens) {
    rate_limiter limiter({5, 1000}, 0);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(limiter.try_acquire(0), 0u) << "token " << i;
    }
    EXPECT_EQ(limiter.try_acquire(0), 1000u);
}

TEST(rate_limiter, default_config_is_the_product_default) {
    rate_limiter limiter;
    EXPECT_EQ(limiter.config(), (rate_limit_config{5, 1000}));
    EXPECT_EQ(drain(limiter, 0), 5);
}

TEST(rate_limiter, refills_one_token_per_interval_exactly_at_the_boundary) {
    rate_limiter limiter({5, 1000}, 0);
    ASSERT_EQ(drain(limiter, 0), 5);
    EXPECT_EQ(limiter.try_acquire(999), 1u);
    EXPECT_EQ(limiter.try_acquire(1000), 0u);
    EXPECT_EQ(limiter.try_acquire(1000), 1000u);
    EXPECT_EQ(limiter.try_acquire(1999), 1u);
    EXPECT_EQ(limiter.try_acquire(2000), 0u);
}

TEST(rate_limiter, refill_never_exceeds_burst) {
    rate_limiter limiter({3, 100}, 0);
    ASSERT_EQ(drain(limiter, 0), 3);
    EXPECT_EQ(drain(limiter, 250), 2);
    EXPECT_EQ(drain(limiter, 1'000'000), 3);
}

TEST(rate_limiter, partial_progress_is_kept_across_calls) {
    rate_limiter limiter({1, 1000}, 0);
    ASSERT_EQ(limiter.try_acquire(0), 0u);
    EXPECT_EQ(limiter.try_acquire(300), 700u);
    EXPECT_EQ(limiter.try_acquire(600), 400u);
    EXPECT_EQ(limiter.try_acquire(1000), 0u);
}

// 1000 milli-tokens per 3 ms is 333.33 per ms: dropping the remainder would
// make every refill late.
TEST(rate_limiter, intervals_not_dividing_a_thousand_stay_exact) {
    rate_limiter limiter({1, 3}, 0);
    for (millis now = 0; now <= 300; ++now) {
        const bool allowed = limiter.try_acquire(now) == 0;
        EXPECT_EQ(allowed, now % 3 == 0) << "at " << now;
    }
}

TEST(rate_limiter, many_small_steps_refill_like_one_big_step) {
    for (const std::uint32_t interval : {1u, 3u, 7u, 999u, 1000u, 1001u, 1337u}) {
        rate_limiter stepped({4, interval}, 0);
        rate_limiter jumped({4, interval}, 0);
        ASSERT_EQ(drain(stepped, 0), 4);
        ASSERT_EQ(drain(jumped, 0), 4);
        const millis end = 3 * static_cast<millis>(interval) + 1;
        for (millis now = 1; now <= end; ++now) {
            ASSERT_EQ(stepped.wait_ms(now), jumped.wait_ms(now)) << "interval " << interval << " at " << now;
            // Refused attempts commit the elapsed time, as a polling client's do.
            if (stepped.wait_ms(now) > 0) {
                EXPECT_GT(stepped.try_acquire(now), 0u);
            }
        }
        EXPECT_EQ(drain(stepped, end), drain(jumped, end)) << "interval " << interval;
    }
}

TEST(rate_limiter, retry_after_is_exact) {
    for (const std::uint32_t interval : {1u, 2u, 3u, 250u, 1000u, 1001u, 60'000u}) {
        for (const millis offset : {0, 1, 2, 17}) {
            rate_limiter limiter({2, interval}, 0);
            ASSERT_EQ(drain(limiter, 0), 2);
            const millis now = offset % static_cast<millis>(interval);
            const std::uint32_t wait = limiter.try_acquire(now);
            ASSERT_GT(wait, 0u) << "a refusal never says 0";
            if (wait > 1) {
                EXPECT_NE(limiter.try_acquire(now + wait - 1), 0u) << "interval " << interval;
            }
            EXPECT_EQ(limiter.try_acquire(now + wait), 0u) << "interval " << interval;
        }
    }
}

TEST(rate_limiter, wait_ms_predicts_without_taking_a_token_or_committing_time) {
    rate_limiter limiter({1, 1000}, 0);
    EXPECT_EQ(limiter.wait_ms(0), 0u);
    EXPECT_EQ(limiter.wait_ms(0), 0u);
    ASSERT_EQ(limiter.try_acquire(0), 0u);
    EXPECT_EQ(limiter.wait_ms(400), 600u);
    EXPECT_EQ(limiter.wait_ms(0), 1000u) << "an earlier probe did not move the reference time";
    EXPECT_EQ(limiter.try_acquire(400), 600u);
}

TEST(rate_limiter, full_only_once_the_whole_burst_is_back) {
    rate_limiter limiter({3, 1000}, 0);
    EXPECT_TRUE(limiter.full(0));
    ASSERT_EQ(limiter.try_acquire(0), 0U);
    ASSERT_EQ(limiter.try_acquire(0), 0U);
    EXPECT_FALSE(limiter.full(1999));
    EXPECT_TRUE(limiter.full(2000));
    EXPECT_EQ(limiter.try_acquire(0), 0U) << "full() predicts, it takes nothing and keeps no time";
}

TEST(rate_limiter, clock_going_backwards_refills_nothing) {
    rate_limiter limiter({2, 1000}, 10'000);
    ASSERT_EQ(drain(limiter, 10'000), 2);
    EXPECT_EQ(limiter.try_acquire(5'000), 1000u);
    EXPECT_EQ(limiter.try_acquire(0), 1000u);
}

TEST(rate_limiter, refill_resumes_from_the_earlier_reading) {
    rate_limiter limiter({1, 1000}, 10'000);
    ASSERT_EQ(limiter.try_acquire(10'000), 0u);
    ASSERT_EQ(limiter.try_acquire(5'000), 1000u);
    EXPECT_EQ(limiter.try_acquire(5'999), 1u);
    EXPECT_EQ(limiter.try_acquire(6'000), 0u) << "no need to wait for the clock to pass 10000 again";
}

TEST(rate_limiter, huge_time_gaps_do_not_overflow) {
    rate_limiter limiter({5, 1000}, min_time);
    ASSERT_EQ(drain(limiter, min_time), 5);
    EXPECT_EQ(drain(limiter, max_time), 5);
    EXPECT_EQ(limiter.try_acquire(max_time), 1000u);
    EXPECT_EQ(limiter.try_acquire(min_time), 1000u);
    EXPECT_EQ(limiter.try_acquire(min_time + 1000), 0u);
}

TEST(rate_limiter, near_the_end_of_time_refill_stays_exact) {
    rate_limiter limiter({1, 1000}, max_time - 1500);
    ASSERT_EQ(limiter.try_acquire(max_time - 1500), 0u);
    EXPECT_EQ(limiter.try_acquire(max_time - 501), 1u);
    EXPECT_EQ(limiter.try_acquire(max_time - 500), 0u);
    EXPECT_EQ(limiter.try_acquire(max_time), 500u);
}

TEST(rate_limiter, extreme_config_stays_in_range) {
    const std::uint32_t max_u32 = std::numeric_limits<std::uint32_t>::max();
    rate_limiter limiter({max_u32, max_u32}, 0);
    EXPECT_EQ(limiter.config().burst, rate_limiter::max_burst);
    EXPECT_EQ(limiter.config().refill_interval_ms, max_u32);
    ASSERT_EQ(limiter.try_acquire(0), 0u);
    EXPECT_EQ(limiter.wait_ms(0), 0u);
    rate_limiter single({1, max_u32}, 0);
    ASSERT_EQ(single.try_acquire(0), 0u);
    EXPECT_EQ(single.try_acquire(0), max_u32);
    EXPECT_EQ(single.try_acquire(max_time), 0u);
}

TEST(rate_limiter, burst_of_one_alternates) {
    rate_limiter limiter({1, 500}, 0);
    for (millis now = 0; now < 5000; now += 500) {
        EXPECT_EQ(limiter.try_acquire(now), 0u);
        EXPECT_EQ(limiter.try_acquire(now), 500u);
    }
}

TEST(rate_limiter, zero_config_is_clamped_to_one) {
    rate_limiter limiter({0, 0}, 0);
    EXPECT_EQ(limiter.config(), (rate_limit_config{1, 1}));
    EXPECT_EQ(limiter.try_acquire(0), 0u);
    EXPECT_EQ(limiter.try_acquire(0), 1u);
    EXPECT_EQ(limiter.try_acquire(1), 0u);
}

TEST(rate_limiter, client_paces_with_the_relays_welcome) {
    welcome_frame welcome;
    welcome.rate = {3, 250};
    rate_limiter limiter(welcome.rate, 42);
    EXPECT_EQ(limiter.config(), welcome.rate);
    EXPECT_EQ(drain(limiter, 42), 3);
    EXPECT_EQ(limiter.wait_ms(42), 250u);
    EXPECT_EQ(limiter.wait_ms(42 + 250), 0u);
}

}  // namespace
}  // namespace roomchat
