#include "roomchat/unread.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "support/test_ids.hpp"

namespace roomchat::detail {
namespace {

using test::id_of;

std::map<seq_t, chat_message> held(const std::map<seq_t, std::string>& authors) {
    std::map<seq_t, chat_message> out;
    for (const auto& [seq, author] : authors) {
        out.emplace(seq, chat_message{seq, id_of(seq), {author, author}, "text", 1});
    }
    return out;
}

TEST(unread, counts_messages_from_others_after_the_marker) {
    unread_tracker t;
    EXPECT_TRUE(t.advance(2));
    const auto summary = t.refresh(held({{1, "bob"}, {2, "bob"}, {3, "me"}, {4, "bob"}, {5, "cy"}}), "me");
    ASSERT_TRUE(summary);
    EXPECT_EQ(summary->count, 2U);
    EXPECT_EQ(summary->first_unread, id_of(4));
    EXPECT_EQ(t.summary(), *summary);
}

TEST(unread, reports_only_changes) {
    unread_tracker t;
    const auto messages = held({{1, "bob"}});
    EXPECT_TRUE(t.refresh(messages, "me"));
    EXPECT_FALSE(t.refresh(messages, "me"));
    t.advance(1);
    const auto summary = t.refresh(messages, "me");
    ASSERT_TRUE(summary);
    EXPECT_EQ(summary->count, 0U);
    EXPECT_EQ(summary->first_unread, std::nullopt);
}

TEST(unread, nothing_unread_at_first_is_no_change) {
    unread_tracker t;
    EXPECT_FALSE(t.refresh({}, "me"));
    EXPECT_FALSE(t.refresh(held({{1, "me"}}), "me"));
}

TEST(unread, the_marker_only_moves_forward) {
    unread_tracker t;
    EXPECT_TRUE(t.advance(5));
    EXPECT_FALSE(t.advance(5));
    EXPECT_FALSE(t.advance(3));
    EXPECT_EQ(t.read_seq(), 5U);
    EXPECT_TRUE(t.advance(6));
    EXPECT_EQ(t.read_seq(), 6U);
}

}  // namespace
}  // namespace roomchat::detail
