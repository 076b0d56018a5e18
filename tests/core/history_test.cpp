#include "roomchat/history.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

chat_message make(seq_t seq, std::string text = "hello") {
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    bytes[0] = static_cast<std::uint8_t>(seq);
    bytes[1] = static_cast<std::uint8_t>(seq >> 8U);
    bytes[15] = 1;
    return chat_message{seq, message_id(bytes), user_info{"ann", "Ann"}, std::move(text),
                        static_cast<millis>(seq) * 10};
}

history_ring filled(seq_t first, seq_t last, history_limits limits = {}) {
    history_ring ring(limits);
    for (seq_t seq = first; seq <= last; ++seq) {
        ring.append(make(seq));
    }
    return ring;
}

std::vector<seq_t> seqs(const history_page& page) {
    std::vector<seq_t> out;
    out.reserve(page.messages.size());
    for (const chat_message& m : page.messages) {
        out.push_back(m.seq);
    }
    return out;
}

using seq_list = std::vector<seq_t>;

TEST(message_bytes, charges_text_author_and_fixed_overhead) {
    chat_message m = make(1, "twelve bytes");
    m.from = {"user-7", "Zoë"};
    EXPECT_EQ(message_bytes(m), 12 + 6 + 4 + message_overhead_bytes);
    m.text.clear();
    m.from = {"", ""};
    EXPECT_EQ(message_bytes(m), message_overhead_bytes);
}

TEST(history_ring, empty_ring_answers_every_query_with_nothing) {
    const history_ring ring;
    EXPECT_EQ(ring.size(), 0u);
    EXPECT_EQ(ring.bytes(), 0u);
    EXPECT_EQ(ring.first_seq(), 0u);
    EXPECT_EQ(ring.last_seq(), 0u);
    for (const history_page& page :
         {ring.latest(50), ring.after(0, 50), ring.after(7, 50), ring.before(10, 50)}) {
        EXPECT_TRUE(page.messages.empty());
        EXPECT_FALSE(page.truncated);
        EXPECT_FALSE(page.has_more);
    }
}

TEST(history_ring, keeps_messages_in_order_and_counts_bytes) {
    const history_ring ring = filled(1, 4);
    EXPECT_EQ(ring.size(), 4u);
    EXPECT_EQ(ring.first_seq(), 1u);
    EXPECT_EQ(ring.last_seq(), 4u);
    EXPECT_EQ(ring.bytes(), 4 * message_bytes(make(1)));
    const history_page page = ring.latest(10);
    ASSERT_EQ(page.messages.size(), 4u);
    EXPECT_EQ(page.messages[2], make(3));
}

TEST(history_ring, latest_returns_the_newest_ascending) {
    const history_ring ring = filled(1, 10);
    EXPECT_EQ(seqs(ring.latest(3)), (seq_list{8, 9, 10}));
    EXPECT_TRUE(ring.latest(3).has_more);
    EXPECT_EQ(seqs(ring.latest(10)), (seq_list{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    EXPECT_FALSE(ring.latest(10).has_more);
    EXPECT_FALSE(ring.latest(11).has_more);
    EXPECT_TRUE(ring.latest(0).messages.empty());
    EXPECT_TRUE(ring.latest(0).has_more);
    EXPECT_FALSE(ring.latest(3).truncated);
}

TEST(history_ring, evicts_oldest_beyond_message_cap) {
    const history_ring ring = filled(1, 7, {3, 1024 * 1024});
    EXPECT_EQ(ring.size(), 3u);
    EXPECT_EQ(ring.first_seq(), 5u);
    EXPECT_EQ(ring.last_seq(), 7u);
    EXPECT_EQ(ring.bytes(), 3 * message_bytes(make(1)));
}

TEST(history_ring, evicts_oldest_beyond_byte_cap) {
    const std::size_t each = message_bytes(make(1));
    history_ring ring({1000, 3 * each});
    for (seq_t seq = 1; seq <= 3; ++seq) {
        ring.append(make(seq));
    }
    EXPECT_EQ(ring.size(), 3u) << "exactly at the cap is allowed";
    ring.append(make(4));
    EXPECT_EQ(seqs(ring.latest(10)), (seq_list{2, 3, 4}));
    ring.append(make(5, std::string(2 * each, 'x')));
    EXPECT_EQ(seqs(ring.latest(10)), (seq_list{5}));
    EXPECT_EQ(ring.bytes(), message_bytes(make(5, std::string(2 * each, 'x'))));
}

TEST(history_ring, newest_stays_even_when_it_alone_exceeds_the_caps) {
    history_ring ring({1, 10});
    ring.append(make(1));
    ring.append(make(2, std::string(500, 'y')));
    ASSERT_EQ(ring.size(), 1u);
    EXPECT_EQ(ring.last_seq(), 2u);
    EXPECT_GT(ring.bytes(), 10u);
    history_ring none({0, 0});
    none.append(make(9));
    EXPECT_EQ(seqs(none.latest(5)), (seq_list{9}));
}

TEST(history_ring, after_returns_the_oldest_following_messages_first) {
    const history_ring ring = filled(1, 10);
    EXPECT_EQ(seqs(ring.after(4, 3)), (seq_list{5, 6, 7}));
    EXPECT_EQ(seqs(ring.after(8, 50)), (seq_list{9, 10}));
    EXPECT_EQ(seqs(ring.after(0, 2)), (seq_list{1, 2}));
    EXPECT_TRUE(ring.after(4, 0).messages.empty());
    EXPECT_FALSE(ring.after(4, 3).truncated);
    EXPECT_FALSE(ring.after(4, 3).has_more);
}

TEST(history_ring, after_the_last_or_beyond_is_empty_not_truncated) {
    const history_ring ring = filled(1, 10);
    for (const seq_t since : {seq_t{10}, seq_t{11}, seq_t{1000}, std::numeric_limits<seq_t>::max()}) {
        const history_page page = ring.after(since, 50);
        EXPECT_TRUE(page.messages.empty()) << since;
        EXPECT_FALSE(page.truncated) << since;
    }
}

TEST(history_ring, after_evicted_messages_is_the_latest_page_truncated) {
    const history_ring ring = filled(1, 20, {10, 1024 * 1024});
    ASSERT_EQ(ring.first_seq(), 11u);
    const history_page edge = ring.after(10, 3);
    EXPECT_EQ(seqs(edge), (seq_list{11, 12, 13})) << "nothing after 10 was evicted";
    EXPECT_FALSE(edge.truncated);
    for (const seq_t since : {seq_t{0}, seq_t{5}, seq_t{9}}) {
        const history_page page = ring.after(since, 3);
        EXPECT_TRUE(page.truncated) << since;
        EXPECT_EQ(seqs(page), (seq_list{18, 19, 20})) << since;
        EXPECT_TRUE(page.has_more) << since;
    }
}

TEST(history_ring, before_pages_backwards_with_has_more) {
    const history_ring ring = filled(1, 10);
    const history_page page = ring.before(8, 3);
    EXPECT_EQ(seqs(page), (seq_list{5, 6, 7}));
    EXPECT_TRUE(page.has_more);
    const history_page next = ring.before(5, 3);
    EXPECT_EQ(seqs(next), (seq_list{2, 3, 4}));
    EXPECT_TRUE(next.has_more);
    const history_page last = ring.before(2, 3);
    EXPECT_EQ(seqs(last), (seq_list{1}));
    EXPECT_FALSE(last.has_more);
    const history_page exact = ring.before(4, 3);
    EXPECT_EQ(seqs(exact), (seq_list{1, 2, 3}));
    EXPECT_FALSE(exact.has_more);
}

TEST(history_ring, before_the_first_is_empty) {
    const history_ring ring = filled(5, 10);
    for (const seq_t before : {seq_t{0}, seq_t{1}, seq_t{5}}) {
        const history_page page = ring.before(before, 10);
        EXPECT_TRUE(page.messages.empty()) << before;
        EXPECT_FALSE(page.has_more) << before;
        EXPECT_FALSE(page.truncated) << before;
    }
}

TEST(history_ring, before_beyond_the_last_is_the_latest_page) {
    const history_ring ring = filled(1, 10);
    EXPECT_EQ(seqs(ring.before(std::numeric_limits<seq_t>::max(), 2)), (seq_list{9, 10}));
    EXPECT_TRUE(ring.before(11, 2).has_more);
    EXPECT_TRUE(ring.before(8, 0).messages.empty());
}

TEST(history_ring, gaps_in_sequence_numbers_are_honoured) {
    history_ring ring;
    for (const seq_t seq : {seq_t{1}, seq_t{3}, seq_t{5}, seq_t{9}}) {
        ring.append(make(seq));
    }
    EXPECT_EQ(seqs(ring.after(2, 10)), (seq_list{3, 5, 9}));
    EXPECT_EQ(seqs(ring.after(3, 10)), (seq_list{5, 9}));
    EXPECT_EQ(seqs(ring.before(5, 10)), (seq_list{1, 3}));
    EXPECT_EQ(seqs(ring.before(6, 10)), (seq_list{1, 3, 5}));
}

}  // namespace
}  // namespace roomchat
