// Removing a message: who may (room_log::accept, step 3), what the history
// keeps (a tombstone, charged as before), and what the members hear (the
// removal, sequenced like a message).

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "roomchat/history.hpp"
#include "roomchat/local_room.hpp"

#include "support/test_ids.hpp"

namespace roomchat {
namespace {

const user_info mod{"mod", "Mo"};
const user_info ann{"ann", "Ann"};
const user_info bob{"bob", "Bob"};

using conns = std::vector<connection_id>;
using test::id_of;

room_config relaxed() {
    room_config config;
    config.rate = {1000, 1};
    return config;
}

// The moderator on 1, ann on 2, bob on 3.
local_room room_with_moderator(room_config config = relaxed()) {
    local_room r("lobby", "epoch-a", config);
    const join_frame fresh{"lobby", std::nullopt, std::nullopt};
    (void)r.join(1, mod, fresh, 0, /*moderator=*/true);
    (void)r.join(2, ann, fresh, 0);
    (void)r.join(3, bob, fresh, 0);
    return r;
}

send_result remove(local_room& r, connection_id conn, std::uint64_t id, seq_t target, millis now = 10) {
    send_frame frame{"lobby", id_of(id), ""};
    frame.removes = target;
    return r.send(conn, frame, now);
}

errc nack_code(const send_result& sent) {
    EXPECT_TRUE(sent.outcome.nack.has_value());
    return sent.outcome.nack ? sent.outcome.nack->code : errc::internal;
}

const chat_message& held(const local_room& r, seq_t seq) {
    const chat_message* found = r.log().messages().find(seq);
    EXPECT_NE(found, nullptr) << "seq " << seq;
    static const chat_message none;
    return found != nullptr ? *found : none;
}

TEST(removal, the_author_removes_their_message_and_everyone_else_hears_it) {
    local_room r = room_with_moderator();
    ASSERT_TRUE(r.send(2, id_of(1), "oops", 1, 90'000).outcome.ack);
    const send_result removed = remove(r, 2, 2, 1);
    ASSERT_TRUE(removed.outcome.ack);
    EXPECT_EQ(removed.outcome.ack->seq, 2U) << "sequenced like a message";

    ASSERT_EQ(removed.actions.size(), 2U);
    EXPECT_EQ(removed.actions[0].to, conns{2}) << "the ack";
    EXPECT_EQ(removed.actions[1].to, (conns{1, 3}));
    const chat_message& entry = std::get<message_frame>(removed.actions[1].frame).message;
    EXPECT_EQ(entry.removes, std::optional<seq_t>(1));
    EXPECT_EQ(entry.from, ann);
    EXPECT_TRUE(entry.text.empty());

    const chat_message& tomb = held(r, 1);
    EXPECT_TRUE(tomb.removed);
    EXPECT_TRUE(tomb.text.empty()) << "the text is gone from the history";
    EXPECT_EQ(tomb.from, ann) << "the rest stays, for the tombstone";
    EXPECT_EQ(tomb.media_ms, std::optional<millis>(90'000));
    EXPECT_EQ(held(r, 2).removes, std::optional<seq_t>(1));
}

TEST(removal, pages_and_joins_show_the_tombstone_and_the_removal) {
    local_room r = room_with_moderator();
    ASSERT_TRUE(r.send(2, id_of(1), "secret", 1).outcome.ack);
    ASSERT_TRUE(remove(r, 1, 2, 1).outcome.ack);
    const history_frame page = r.query(std::nullopt, std::nullopt, 50);
    ASSERT_EQ(page.messages.size(), 2U);
    EXPECT_TRUE(page.messages[0].removed);
    EXPECT_EQ(page.messages[0].text, "");
    EXPECT_EQ(page.messages[1].removes, std::optional<seq_t>(1));

    const room_actions joined = r.join(9, bob, join_frame{"lobby", seq_t{1}, std::string("epoch-a")}, 20);
    const history_frame& after = std::get<history_frame>(joined.at(1).frame);
    ASSERT_EQ(after.messages.size(), 1U) << "a reader back from a gap learns of it like of a message";
    EXPECT_EQ(after.messages[0].removes, std::optional<seq_t>(1));
}

TEST(removal, only_a_moderator_removes_anothers_message) {
    local_room r = room_with_moderator();
    ASSERT_TRUE(r.send(2, id_of(1), "ann's", 1).outcome.ack);
    const send_result refused = remove(r, 3, 2, 1);
    EXPECT_EQ(nack_code(refused), errc::not_moderator);
    ASSERT_EQ(refused.actions.size(), 1U) << "nothing reaches the others";
    EXPECT_EQ(refused.actions[0].to, conns{3});
    EXPECT_FALSE(held(r, 1).removed);
    EXPECT_EQ(r.latest_seq(), 1U) << "no seq taken";

    ASSERT_TRUE(remove(r, 1, 3, 1).outcome.ack) << "the moderator may";
    EXPECT_TRUE(held(r, 1).removed);
}

TEST(removal, over_http_the_relays_verdict_on_the_token_decides_and_the_host_backend_may) {
    const room plain("lobby");
    send_frame removal{"lobby", id_of(1), ""};
    removal.removes = 1;
    const auto by_host = plain.prepare_send_as(user_info{"host", "Host"}, removal, 6, /*system=*/true);
    const auto& attempt = std::get<send_attempt>(by_host);
    EXPECT_TRUE(attempt.moderator) << "the host's backend speaks as the room";
    EXPECT_TRUE(attempt.text) << "a removal has no text to judge";
    EXPECT_EQ(attempt.removes, std::optional<seq_t>(1));
    EXPECT_TRUE(
        std::get<send_attempt>(plain.prepare_send_as(bob, removal, 6, false, /*moderator=*/true)).moderator);
    EXPECT_FALSE(std::get<send_attempt>(plain.prepare_send_as(bob, removal, 6)).moderator);
    EXPECT_FALSE(
        std::get<send_attempt>(plain.prepare_send_as(bob, send_frame{"lobby", id_of(4), ""}, 6)).text)
        << "a message still needs its text";
}

TEST(removal, what_is_no_message_held_is_no_such_message) {
    room_config small = relaxed();
    small.history.max_messages = 3;
    local_room r = room_with_moderator(small);
    ASSERT_TRUE(r.send(2, id_of(1), "one", 1).outcome.ack);
    EXPECT_EQ(nack_code(remove(r, 1, 10, 7)), errc::no_such_message) << "never was";
    EXPECT_EQ(nack_code(remove(r, 1, 11, 0)), errc::no_such_message);
    ASSERT_TRUE(remove(r, 2, 12, 1).outcome.ack);
    EXPECT_EQ(nack_code(remove(r, 1, 13, 1)), errc::no_such_message) << "removed already";
    EXPECT_EQ(nack_code(remove(r, 1, 14, 2)), errc::no_such_message) << "a removal is no message";
    for (std::uint64_t n = 20; n < 23; ++n) {
        ASSERT_TRUE(r.send(2, id_of(n), "more", 2).outcome.ack);
    }
    ASSERT_EQ(r.log().messages().first_seq(), 3U);
    EXPECT_EQ(nack_code(remove(r, 2, 15, 1)), errc::no_such_message) << "fell out of the history";
    EXPECT_TRUE(remove(r, 2, 16, 3).outcome.ack) << "the oldest held may go";
}

TEST(removal, a_resent_removal_is_answered_with_its_first_ack) {
    local_room r = room_with_moderator();
    ASSERT_TRUE(r.send(2, id_of(1), "x", 1).outcome.ack);
    const send_result first = remove(r, 2, 2, 1);
    const send_result again = remove(r, 2, 2, 1, 50);
    ASSERT_TRUE(first.outcome.ack && again.outcome.ack);
    EXPECT_TRUE(again.outcome.duplicate);
    EXPECT_EQ(again.outcome.ack->seq, first.outcome.ack->seq);
    ASSERT_EQ(again.actions.size(), 1U) << "told to nobody else again";
}

TEST(removal, a_muted_user_may_still_take_back_what_they_wrote_within_the_rate_limit) {
    room_config tight;
    tight.rate = {1, 60'000};
    local_room r = room_with_moderator(tight);
    ASSERT_TRUE(r.send(2, id_of(1), "regret", 1).outcome.ack);
    (void)r.mute(1, "ann", 10, 2);
    EXPECT_EQ(nack_code(r.send(2, id_of(2), "more", 3)), errc::muted);
    EXPECT_EQ(nack_code(remove(r, 2, 3, 1, 4)), errc::rate_limited)
        << "a removal spends a send's token: it is not free to flood";
    EXPECT_TRUE(remove(r, 2, 3, 1, 60'001).outcome.ack);
}

TEST(removal, a_removal_does_not_end_its_authors_typing) {
    local_room r = room_with_moderator();
    ASSERT_TRUE(r.send(2, id_of(1), "x", 1).outcome.ack);
    const room_actions typing = r.typing(2, true, 2);
    ASSERT_EQ(typing.size(), 1U);
    (void)remove(r, 2, 2, 1, 3);
    EXPECT_TRUE(r.typing(2, false, 4).size() == 1U) << "still typing: the stop is passed on";
}

TEST(removal, the_tombstone_keeps_its_charge_so_removing_makes_no_room) {
    history_ring ring({10, 3 * message_overhead_bytes + 40});
    chat_message big{1, id_of(1), ann, std::string(30, 'x'), 1};
    ring.append(big);
    const std::size_t charged = ring.bytes();
    ring.remove(1);
    EXPECT_EQ(ring.bytes(), charged);
    EXPECT_TRUE(ring.find(1)->removed);
    EXPECT_EQ(ring.find(2), nullptr);
    ring.remove(2);  // nothing held there: nothing changes
    ring.append(chat_message{2, id_of(2), ann, "", 2, std::nullopt, false, seq_t{1}});
    ring.append(chat_message{3, id_of(3), ann, std::string(30, 'y'), 3});
    EXPECT_EQ(ring.first_seq(), 2U) << "the tombstone went as the full message would have";
    EXPECT_EQ(ring.bytes(), 2 * message_overhead_bytes + 2 * ann.id.size() + 2 * ann.name.size() + 30);
}

}  // namespace
}  // namespace roomchat
