// Reactions: the fixed set, how an entry changes its message's tallies
// (apply_reaction), what the log refuses (room_log::accept, step 3) and what
// pages, joins and tombstones hold.

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

const user_info ann{"ann", "Ann"};
const user_info bob{"bob", "Bob"};

using test::id_of;

chat_message entry(seq_t seq, const user_info& by, seq_t to, std::string emoji, bool add = true) {
    chat_message made{seq, id_of(seq), by, "", 1000 + static_cast<millis>(seq)};
    made.reaction = reaction_change{to, std::move(emoji), add};
    return made;
}

std::vector<std::string> ids_of(const reaction_tally& tally) {
    std::vector<std::string> out;
    for (const auto& user : tally.users) out.push_back(user.id);
    return out;
}

TEST(reactions, the_set_is_fixed) {
    for (const auto emoji : reaction_emoji) EXPECT_TRUE(is_reaction_emoji(emoji));
    EXPECT_FALSE(is_reaction_emoji("🍕"));
    EXPECT_FALSE(is_reaction_emoji(""));
    EXPECT_FALSE(is_reaction_emoji("👍👍"));
}

TEST(reactions, an_entry_adds_once_takes_back_and_later_ones_win) {
    chat_message message{1, id_of(1), ann, "hi", 1};
    EXPECT_TRUE(apply_reaction(message, entry(2, bob, 1, "😂")));
    EXPECT_TRUE(apply_reaction(message, entry(3, ann, 1, "😂")));
    EXPECT_TRUE(apply_reaction(message, entry(4, bob, 1, "😂"))) << "given already: changes nothing else";
    EXPECT_TRUE(apply_reaction(message, entry(5, bob, 1, "👍")));
    ASSERT_EQ(message.reactions.size(), 2U);
    EXPECT_EQ(message.reactions[0].emoji, "😂");
    EXPECT_EQ(ids_of(message.reactions[0]), (std::vector<std::string>{"bob", "ann"}));
    EXPECT_EQ(message.reactions_seq, 5U);

    EXPECT_FALSE(apply_reaction(message, entry(4, ann, 1, "😂", false)))
        << "older than what the tallies include";
    EXPECT_TRUE(apply_reaction(message, entry(6, bob, 1, "😂", false)));
    EXPECT_TRUE(apply_reaction(message, entry(7, ann, 1, "😂", false)));
    ASSERT_EQ(message.reactions.size(), 1U) << "a tally left empty goes";
    EXPECT_EQ(message.reactions[0].emoji, "👍");
    EXPECT_TRUE(apply_reaction(message, entry(8, ann, 1, "🎉", false))) << "taking back what was not given";
    EXPECT_EQ(message.reactions.size(), 1U);
    EXPECT_FALSE(apply_reaction(message, chat_message{9, id_of(9), ann, "text", 9})) << "no reaction";
}

room_config relaxed() {
    room_config config;
    config.rate = {1000, 1};
    return config;
}

send_frame reaction(std::uint64_t id, seq_t to, std::string emoji, bool add = true) {
    send_frame frame{"lobby", id_of(id), ""};
    frame.reaction = reaction_change{to, std::move(emoji), add};
    return frame;
}

// Ann on 1, bob on 2.
local_room two_people(room_config config = relaxed()) {
    local_room r("lobby", "epoch-a", config);
    const join_frame fresh{"lobby", std::nullopt, std::nullopt};
    (void)r.join(1, ann, fresh, 0);
    (void)r.join(2, bob, fresh, 0, /*moderator=*/true);
    return r;
}

TEST(reactions, a_reaction_is_sequenced_reaches_the_others_and_shows_in_every_page) {
    local_room r = two_people();
    ASSERT_TRUE(r.send(1, id_of(1), "what a scene", 1).outcome.ack);
    const send_result reacted = r.send(2, reaction(2, 1, "😮"), 2);
    ASSERT_TRUE(reacted.outcome.ack);
    EXPECT_EQ(reacted.outcome.ack->seq, 2U);
    ASSERT_EQ(reacted.actions.size(), 2U);
    EXPECT_EQ(reacted.actions[1].to, std::vector<connection_id>{1});
    const chat_message& sent = std::get<message_frame>(reacted.actions[1].frame).message;
    EXPECT_EQ(sent.reaction, (std::optional<reaction_change>(reaction_change{1, "😮", true})));
    EXPECT_EQ(sent.text, "");

    const history_frame page = r.query(std::nullopt, std::nullopt, 50);
    ASSERT_EQ(page.messages.size(), 2U);
    ASSERT_EQ(page.messages[0].reactions.size(), 1U);
    EXPECT_EQ(page.messages[0].reactions[0].users, std::vector<user_info>{bob});
    EXPECT_EQ(page.messages[0].reactions_seq, 2U);
    EXPECT_TRUE(page.messages[1].reaction.has_value());

    ASSERT_TRUE(r.send(2, reaction(3, 1, "😮", false), 3).outcome.ack);
    EXPECT_TRUE(r.log().messages().find(1)->reactions.empty());
    EXPECT_EQ(r.log().messages().find(1)->reactions_seq, 3U);
}

TEST(reactions, only_a_message_held_and_not_removed_takes_reactions) {
    room_config small = relaxed();
    small.history.max_messages = 4;
    local_room r = two_people(small);
    ASSERT_TRUE(r.send(1, id_of(1), "one", 1).outcome.ack);
    ASSERT_TRUE(r.send(2, reaction(2, 1, "👍"), 2).outcome.ack);
    const auto refused = [&](send_frame frame) {
        const send_result sent = r.send(2, frame, 3);
        EXPECT_TRUE(sent.outcome.nack);
        return sent.outcome.nack ? sent.outcome.nack->code : errc::internal;
    };
    EXPECT_EQ(refused(reaction(3, 9, "👍")), errc::no_such_message) << "never was";
    EXPECT_EQ(refused(reaction(4, 2, "👍")), errc::no_such_message) << "a reaction is no message";
    send_frame removal{"lobby", id_of(5), ""};
    removal.removes = 1;
    ASSERT_TRUE(r.send(1, removal, 4).outcome.ack);
    EXPECT_EQ(refused(reaction(6, 1, "👍")), errc::no_such_message) << "removed";
    EXPECT_TRUE(r.log().messages().find(1)->reactions.empty()) << "a tombstone keeps no reactions";
    EXPECT_EQ(refused(reaction(7, 3, "👍")), errc::no_such_message) << "a removal is no message";
}

TEST(reactions, a_muted_user_may_not_react_and_reactions_spend_the_send_allowance) {
    room_config tight;
    tight.rate = {1, 60'000};
    local_room r = two_people(tight);
    ASSERT_TRUE(r.send(2, id_of(1), "bob's", 1).outcome.ack);
    ASSERT_TRUE(r.send(1, reaction(2, 1, "❤️"), 2).outcome.ack);
    const send_result limited = r.send(1, reaction(3, 1, "🎉"), 3);
    ASSERT_TRUE(limited.outcome.nack);
    EXPECT_EQ(limited.outcome.nack->code, errc::rate_limited);

    (void)r.mute(2, "ann", 10, 4);
    const send_result muted = r.send(1, reaction(4, 1, "🎉"), 120'000);
    ASSERT_TRUE(muted.outcome.nack);
    EXPECT_EQ(muted.outcome.nack->code, errc::muted);
}

TEST(reactions, a_resent_reaction_is_answered_with_its_first_ack_and_applied_once) {
    local_room r = two_people();
    ASSERT_TRUE(r.send(1, id_of(1), "x", 1).outcome.ack);
    const send_result first = r.send(2, reaction(2, 1, "😂"), 2);
    const send_result again = r.send(2, reaction(2, 1, "😂"), 3);
    ASSERT_TRUE(first.outcome.ack && again.outcome.ack);
    EXPECT_TRUE(again.outcome.duplicate);
    EXPECT_EQ(again.outcome.ack->seq, first.outcome.ack->seq);
    EXPECT_EQ(r.log().messages().find(1)->reactions_seq, 2U);
}

TEST(reactions, an_entry_is_charged_its_emoji_and_tallies_are_paid_by_their_entries) {
    chat_message made = entry(2, bob, 1, "😂");
    EXPECT_EQ(message_bytes(made),
              message_overhead_bytes + bob.id.size() + bob.name.size() + made.reaction->emoji.size());
    history_ring ring({2, 100'000});
    ring.append(chat_message{1, id_of(1), ann, "hi", 1});
    ring.append(made);
    ring.react(made);
    EXPECT_EQ(ring.find(1)->reactions.size(), 1U);
    ring.append(entry(3, ann, 1, "👍"));
    EXPECT_EQ(ring.find(1), nullptr) << "the message goes before any entry about it";
}

}  // namespace
}  // namespace roomchat
