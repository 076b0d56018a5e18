#include "delivery_ledger.hpp"

#include <gtest/gtest.h>

namespace roomchat::load {
namespace {

TEST(DeliveryLedger, AMessageIsDueAtEveryOtherSeatOfItsRoom) {
    delivery_ledger ledger;
    const auto n = ledger.add(0, 1, 3);
    EXPECT_FALSE(ledger.complete());
    EXPECT_TRUE(ledger.acked(n));
    EXPECT_TRUE(ledger.delivered(n, 0, 0));
    EXPECT_FALSE(ledger.complete());
    EXPECT_TRUE(ledger.delivered(n, 0, 2));
    EXPECT_TRUE(ledger.complete());
    const auto t = ledger.totals();
    EXPECT_EQ(t.expected, 2U);
    EXPECT_EQ(t.delivered, 2U);
    EXPECT_EQ(t.lost, 0U);
    EXPECT_EQ(t.duplicated, 0U);
}

TEST(DeliveryLedger, CountsTheLostTheDuplicatedAndTheStrays) {
    delivery_ledger ledger;
    const auto n = ledger.add(0, 0, 4);
    EXPECT_TRUE(ledger.delivered(n, 0, 1));
    EXPECT_FALSE(ledger.delivered(n, 0, 1));  // twice
    EXPECT_FALSE(ledger.delivered(n, 0, 0));  // to its sender
    EXPECT_FALSE(ledger.delivered(n, 1, 2));  // to another room
    EXPECT_FALSE(ledger.delivered(n + 1, 0, 2));
    EXPECT_TRUE(ledger.acked(n));
    EXPECT_FALSE(ledger.acked(n));
    const auto t = ledger.totals();
    EXPECT_EQ(t.lost, 2U);
    EXPECT_EQ(t.duplicated, 2U);
    EXPECT_EQ(t.unknown, 3U);
}

TEST(DeliveryLedger, ARefusedMessageIsDueNowhere) {
    delivery_ledger ledger;
    const auto n = ledger.add(0, 0, 3);
    ledger.nacked(n);
    EXPECT_TRUE(ledger.complete());
    const auto t = ledger.totals();
    EXPECT_EQ(t.nacked, 1U);
    EXPECT_EQ(t.expected, 0U);
    EXPECT_EQ(t.lost, 0U);
}

}  // namespace
}  // namespace roomchat::load
