// A room's feed from pub/sub: every message once, in seq order, none
// missing, whatever order and losses Redis's at-most-once delivery brings.

#include "room_feed.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace roomchat::relay::store {
namespace {

chat_message message(seq_t seq) {
    chat_message m;
    m.seq = seq;
    m.from = {"ann", "Ann"};
    m.text = "m" + std::to_string(seq);
    return m;
}

std::vector<seq_t> seqs(const room_feed::step& step) {
    std::vector<seq_t> out;
    for (const auto& m : step.deliver) out.push_back(m.seq);
    return out;
}

history_frame page(const std::vector<seq_t>& held, std::string epoch = "e1", bool truncated = false) {
    history_frame frame;
    frame.epoch = std::move(epoch);
    frame.mode = history_mode::after;
    frame.truncated = truncated;
    for (const seq_t seq : held) frame.messages.push_back(message(seq));
    return frame;
}

TEST(room_feed, delivers_from_the_first_position_it_learns_in_order) {
    room_feed feed;
    EXPECT_TRUE(feed.seen("e1", 4).deliver.empty());
    EXPECT_EQ(feed.delivered(), seq_t{4});
    EXPECT_EQ(seqs(feed.published("e1", message(5))), (std::vector<seq_t>{5}));
    EXPECT_TRUE(feed.published("e1", message(5)).deliver.empty()) << "once";
    EXPECT_TRUE(feed.published("e1", message(3)).deliver.empty()) << "before the start: in the views";
    EXPECT_TRUE(feed.seen("e1", 9).deliver.empty()) << "a later view moves nothing";
    EXPECT_EQ(seqs(feed.published("e1", message(6))), (std::vector<seq_t>{6}));
}

TEST(room_feed, a_message_with_nothing_known_before_it_is_the_start) {
    room_feed feed;
    EXPECT_EQ(seqs(feed.published("e1", message(7))), (std::vector<seq_t>{7}));
    EXPECT_EQ(feed.epoch(), "e1");
    EXPECT_TRUE(feed.seen("e1", 3).deliver.empty());
    EXPECT_EQ(feed.delivered(), seq_t{7});
}

TEST(room_feed, a_hole_holds_back_what_follows_until_it_is_fetched) {
    room_feed feed;
    feed.seen("e1", 1);
    const auto held = feed.published("e1", message(4));
    EXPECT_TRUE(held.deliver.empty());
    EXPECT_EQ(held.fetch_after, seq_t{1});
    const auto more = feed.published("e1", message(5));
    EXPECT_TRUE(more.deliver.empty());
    EXPECT_FALSE(more.fetch_after) << "one fetch at a time";
    EXPECT_TRUE(feed.fetching());
    const auto filled = feed.fetched(page({2, 3, 4}), 5);
    EXPECT_EQ(seqs(filled), (std::vector<seq_t>{2, 3, 4, 5}));
    EXPECT_FALSE(filled.fetch_after);
    EXPECT_FALSE(feed.fetching());
}

TEST(room_feed, a_page_cut_at_its_size_asks_for_the_rest) {
    room_feed feed;
    feed.seen("e1", 0);
    EXPECT_EQ(feed.published("e1", message(6)).fetch_after, seq_t{0});
    const auto first = feed.fetched(page({1, 2}), 6);
    EXPECT_EQ(seqs(first), (std::vector<seq_t>{1, 2}));
    EXPECT_EQ(first.fetch_after, seq_t{2});
    EXPECT_EQ(seqs(feed.fetched(page({3, 4, 5}), 6)), (std::vector<seq_t>{3, 4, 5, 6}));
}

TEST(room_feed, a_hole_gone_from_the_history_is_stepped_over) {
    room_feed feed;
    feed.seen("e1", 1);
    feed.published("e1", message(30));
    EXPECT_EQ(seqs(feed.fetched(page({20, 21}, "e1", true), 30)), (std::vector<seq_t>{20, 21}));
    EXPECT_EQ(feed.delivered(), seq_t{21});
}

TEST(room_feed, a_new_subscription_fetches_what_was_published_before_it) {
    room_feed feed;
    feed.seen("e1", 3);
    EXPECT_EQ(feed.subscribed().fetch_after, seq_t{3});
    EXPECT_EQ(seqs(feed.fetched(page({4}), 4)), (std::vector<seq_t>{4}));
    EXPECT_TRUE(feed.published("e1", message(4)).deliver.empty()) << "the late copy from pub/sub";
    EXPECT_EQ(feed.subscribed().fetch_after, seq_t{4}) << "subscribed again: a reconnect";
}

TEST(room_feed, subscribed_before_the_first_view_is_read_it_fetches_after_it) {
    room_feed feed;
    EXPECT_FALSE(feed.subscribed().fetch_after);
    // The view was read before the subscription took hold, its answer came after.
    const auto first = feed.seen("e1", 5);
    EXPECT_EQ(first.fetch_after, seq_t{5});
    EXPECT_EQ(seqs(feed.fetched(page({6}), 6)), (std::vector<seq_t>{6}));
    EXPECT_FALSE(feed.seen("e1", 6).fetch_after) << "only the first position";
}

TEST(room_feed, a_failed_fetch_is_asked_again_by_the_next_message) {
    room_feed feed;
    feed.seen("e1", 1);
    EXPECT_EQ(feed.published("e1", message(3)).fetch_after, seq_t{1});
    feed.fetch_failed();
    EXPECT_EQ(feed.published("e1", message(4)).fetch_after, seq_t{1});
    feed.fetch_failed();
    EXPECT_EQ(feed.subscribed().fetch_after, seq_t{1});
    feed.fetch_failed();
    EXPECT_EQ(feed.retry().fetch_after, seq_t{1}) << "Redis back";
    EXPECT_FALSE(feed.retry().fetch_after) << "under way";
    feed.fetched(page({2, 3, 4}), 4);
    EXPECT_FALSE(feed.retry().fetch_after) << "nothing failed since";
}

TEST(room_feed, another_epoch_is_the_room_beginning_again) {
    room_feed feed;
    feed.seen("e1", 8);
    feed.published("e1", message(10));  // held behind 9
    const auto again = feed.published("e2", message(1));
    EXPECT_TRUE(again.epoch_changed);
    EXPECT_EQ(seqs(again), (std::vector<seq_t>{1}));
    EXPECT_EQ(feed.epoch(), "e2");
    EXPECT_FALSE(feed.published("e2", message(2)).epoch_changed);

    // Learnt from a view or a fetch, the same.
    EXPECT_TRUE(feed.seen("e3", 0).epoch_changed);
    EXPECT_EQ(feed.delivered(), seq_t{0});
    feed.published("e3", message(2));
    const auto fetched = feed.fetched(page({5}, "e4"), 5);
    EXPECT_TRUE(fetched.epoch_changed);
    EXPECT_TRUE(fetched.deliver.empty());
    EXPECT_EQ(feed.delivered(), seq_t{5});
}

TEST(room_feed, a_fetch_of_a_room_redis_no_longer_holds_changes_nothing) {
    room_feed feed;
    feed.seen("e1", 2);
    feed.published("e1", message(4));
    history_frame gone;
    const auto step = feed.fetched(gone, 0);
    EXPECT_TRUE(step.deliver.empty());
    EXPECT_FALSE(step.epoch_changed);
    EXPECT_FALSE(feed.fetching());
}

}  // namespace
}  // namespace roomchat::relay::store
