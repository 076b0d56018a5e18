#include "roomchat/dedupe.hpp"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

#include "support/test_ids.hpp"

namespace roomchat {
namespace {

using test::id_of;

TEST(dedupe_window, unknown_id_is_not_found) {
    const dedupe_window window;
    EXPECT_EQ(window.find(id_of(1)), nullptr);
    EXPECT_EQ(window.size(), 0u);
}

TEST(dedupe_window, remembers_who_sent_it_and_its_ack) {
    dedupe_window window;
    window.remember(id_of(1), {"ann", 7, 1234});
    const accepted_send* found = window.find(id_of(1));
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->user_id, "ann");
    EXPECT_EQ(found->seq, 7u);
    EXPECT_EQ(found->ts, 1234);
    EXPECT_EQ(window.find(id_of(2)), nullptr);
    EXPECT_EQ(window.size(), 1u);
}

TEST(dedupe_window, forgets_the_oldest_beyond_capacity) {
    dedupe_window window(3);
    for (std::uint8_t n = 1; n <= 5; ++n) {
        window.remember(id_of(n), {"ann", n, 0});
    }
    EXPECT_EQ(window.size(), 3u);
    EXPECT_EQ(window.find(id_of(1)), nullptr);
    EXPECT_EQ(window.find(id_of(2)), nullptr);
    for (std::uint8_t n = 3; n <= 5; ++n) {
        ASSERT_NE(window.find(id_of(n)), nullptr) << int{n};
        EXPECT_EQ(window.find(id_of(n))->seq, n);
    }
}

TEST(dedupe_window, remembering_again_keeps_the_first_record) {
    dedupe_window window(2);
    window.remember(id_of(1), {"ann", 1, 10});
    window.remember(id_of(1), {"bob", 2, 20});
    EXPECT_EQ(window.size(), 1u);
    EXPECT_EQ(window.find(id_of(1))->user_id, "ann");
    EXPECT_EQ(window.find(id_of(1))->seq, 1u);
    window.remember(id_of(2), {"ann", 2, 20});
    EXPECT_NE(window.find(id_of(1)), nullptr) << "a repeated id took no slot";
}

TEST(dedupe_window, zero_capacity_remembers_nothing) {
    dedupe_window window(0);
    window.remember(id_of(1), {"ann", 1, 10});
    EXPECT_EQ(window.size(), 0u);
    EXPECT_EQ(window.find(id_of(1)), nullptr);
}

}  // namespace
}  // namespace roomchat
