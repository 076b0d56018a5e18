#include "roomchat/rate_table.hpp"

#include <string>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

TEST(rate_table, each_key_has_its_own_bucket_created_full) {
    rate_table table({2, 1000});
    EXPECT_EQ(table.wait_ms("ann", 0), 0U);
    EXPECT_EQ(table.try_acquire("ann", 0), 0U);
    EXPECT_EQ(table.try_acquire("ann", 0), 0U);
    EXPECT_EQ(table.try_acquire("ann", 0), 1000U);
    EXPECT_EQ(table.wait_ms("ann", 400), 600U);
    EXPECT_EQ(table.try_acquire("bob", 0), 0U) << "bob is not limited by ann";
    EXPECT_EQ(table.try_acquire("ann", 1000), 0U);
}

TEST(rate_table, a_refusal_takes_nothing) {
    rate_table table({1, 1000});
    ASSERT_EQ(table.try_acquire("ann", 0), 0U);
    EXPECT_EQ(table.try_acquire("ann", 999), 1U);
    EXPECT_EQ(table.try_acquire("ann", 1000), 0U);
}

TEST(rate_table, full_buckets_are_forgotten_so_the_table_stays_small) {
    rate_table table({1, 100});
    // 100,000 keys, each spending once, 1 ms apart: at most ~100 are ever refilling at once.
    for (int i = 0; i < 100'000; ++i) {
        ASSERT_EQ(table.try_acquire("user" + std::to_string(i), i), 0U);
        EXPECT_LE(table.size(), 256U) << "after " << i;
    }
}

TEST(rate_table, a_forgotten_bucket_comes_back_full) {
    rate_table table({3, 1000});
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(table.try_acquire("ann", 0), 0U);
    }
    // Enough other keys to force sweeps, long after ann refilled.
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(table.try_acquire("k" + std::to_string(i), 10'000), 0U);
    }
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(table.try_acquire("ann", 10'000), 0U);
    }
    EXPECT_GT(table.try_acquire("ann", 10'000), 0U);
}

}  // namespace
}  // namespace roomchat
