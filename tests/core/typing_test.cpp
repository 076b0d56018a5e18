#include "roomchat/typing.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "roomchat/local_room.hpp"

#include "support/test_ids.hpp"

namespace roomchat {
namespace {

const user_info ann{"ann", "Ann"};
const user_info bob{"bob", "Bob"};
const user_info cat{"cat", "Cat"};

using conns = std::vector<connection_id>;
using detail::typing_signal;
using detail::typists;

// ---- the composer's side -----------------------------------------------------

TEST(typing_signal, a_keystroke_starts_and_more_within_the_renew_time_say_nothing) {
    typing_signal signal;
    EXPECT_EQ(signal.composer(true, 1000), std::optional<bool>(true));
    EXPECT_EQ(signal.composer(true, 1001), std::nullopt);
    EXPECT_EQ(signal.composer(true, 1000 + typing_renew_ms - 1), std::nullopt);
    EXPECT_EQ(signal.composer(true, 1000 + typing_renew_ms), std::optional<bool>(true)) << "said again";
    EXPECT_EQ(signal.composer(true, 1000 + typing_renew_ms + 1), std::nullopt);
}

TEST(typing_signal, clearing_stops_once_and_only_what_readers_may_still_show) {
    typing_signal signal;
    EXPECT_EQ(signal.composer(false, 0), std::nullopt) << "nothing started";
    ASSERT_EQ(signal.composer(true, 100), std::optional<bool>(true));
    EXPECT_EQ(signal.composer(false, 200), std::optional<bool>(false));
    EXPECT_EQ(signal.composer(false, 300), std::nullopt) << "stopped already";

    ASSERT_EQ(signal.composer(true, 100 + typing_renew_ms), std::optional<bool>(true));
    EXPECT_EQ(signal.composer(false, 100 + typing_renew_ms + typing_expiry_ms), std::nullopt)
        << "the readers forgot that start by themselves";
}

TEST(typing_signal, a_start_right_after_a_stop_waits_as_the_relay_would) {
    typing_signal signal;
    ASSERT_EQ(signal.composer(true, 0), std::optional<bool>(true));
    ASSERT_EQ(signal.composer(false, 500), std::optional<bool>(false));
    EXPECT_EQ(signal.composer(true, 600), std::nullopt);
    EXPECT_EQ(signal.composer(false, 700), std::nullopt) << "nothing started since the stop";
    EXPECT_EQ(signal.composer(true, typing_renew_ms), std::optional<bool>(true));
    static_assert(typing_relay_interval_ms < typing_renew_ms, "a renewal is never throttled");
    static_assert(typing_renew_ms < typing_expiry_ms, "a renewal comes before the readers forget");
}

TEST(typing_signal, a_sent_text_leaves_nothing_to_stop_and_keeps_the_renew_wait) {
    typing_signal signal;
    ASSERT_EQ(signal.composer(true, 0), std::optional<bool>(true));
    signal.sent();
    EXPECT_EQ(signal.composer(false, 10), std::nullopt);
    EXPECT_EQ(signal.composer(true, 20), std::nullopt);
    EXPECT_EQ(signal.composer(true, typing_renew_ms), std::optional<bool>(true));
}

TEST(typing_signal, a_new_connection_hears_the_next_keystroke_at_once) {
    typing_signal signal;
    ASSERT_EQ(signal.composer(true, 0), std::optional<bool>(true));
    signal.forget();
    EXPECT_EQ(signal.composer(true, 10), std::optional<bool>(true));
    signal.forget();
    EXPECT_EQ(signal.composer(false, 20), std::nullopt) << "the relay forgot the start with the connection";
}

TEST(typing_signal, a_clock_that_went_back_starts_again) {
    typing_signal signal;
    ASSERT_EQ(signal.composer(true, 10'000), std::optional<bool>(true));
    EXPECT_EQ(signal.composer(true, 9'000), std::optional<bool>(true));
}

// ---- the readers' side -------------------------------------------------------

TEST(typists, lists_who_types_in_the_order_they_started) {
    typists t;
    EXPECT_TRUE(t.heard(bob, true, 0));
    EXPECT_TRUE(t.heard(ann, true, 10));
    EXPECT_FALSE(t.heard(bob, true, 20)) << "a renewal changes nothing shown";
    EXPECT_EQ(t.list(), (std::vector<user_info>{bob, ann}));
    EXPECT_TRUE(t.heard(bob, false, 30));
    EXPECT_FALSE(t.heard(bob, false, 40)) << "not typing already";
    EXPECT_EQ(t.list(), std::vector<user_info>{ann});
    EXPECT_TRUE(t.heard(user_info{"ann", "Ann B."}, true, 50)) << "renamed by a fresh token";
    EXPECT_EQ(t.list(), (std::vector<user_info>{{"ann", "Ann B."}}));
}

TEST(typists, an_entry_not_renewed_expires_by_itself) {
    typists t;
    EXPECT_EQ(t.next_expiry(), std::nullopt);
    t.heard(ann, true, 0);
    t.heard(bob, true, 1000);
    t.heard(ann, true, 2000);  // renewed
    EXPECT_EQ(t.next_expiry(), std::optional<millis>(1000 + typing_expiry_ms));
    EXPECT_FALSE(t.expire(1000 + typing_expiry_ms - 1));
    EXPECT_TRUE(t.expire(1000 + typing_expiry_ms));
    EXPECT_EQ(t.list(), std::vector<user_info>{ann});
    EXPECT_EQ(t.next_expiry(), std::optional<millis>(2000 + typing_expiry_ms));
    EXPECT_TRUE(t.expire(2000 + typing_expiry_ms));
    EXPECT_TRUE(t.list().empty());
    EXPECT_EQ(t.next_expiry(), std::nullopt);
}

TEST(typists, forget_and_clear_say_whether_anything_went) {
    typists t;
    EXPECT_FALSE(t.forget("ann"));
    EXPECT_FALSE(t.clear());
    t.heard(ann, true, 0);
    t.heard(bob, true, 0);
    EXPECT_TRUE(t.forget("ann"));
    EXPECT_FALSE(t.forget("ann"));
    EXPECT_TRUE(t.clear());
    EXPECT_TRUE(t.list().empty());
}

// ---- the room: what the relay passes on ------------------------------------------

// ann on connections 1 and 3, bob on 2, cat on 4.
local_room three_users() {
    local_room r("lobby", "epoch-a");
    const join_frame fresh{"lobby", std::nullopt, std::nullopt};
    (void)r.join(1, ann, fresh, 0);
    (void)r.join(2, bob, fresh, 0);
    (void)r.join(3, ann, fresh, 0);
    (void)r.join(4, cat, fresh, 0);
    (void)r.on_timer(r.config().presence_delay_ms);
    return r;
}

// The one typist frame `actions` hold, checked to go to `to`.
void expect_typist(const room_actions& actions, const user_info& user, bool active, const conns& to) {
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].to, to);
    const auto* typist = std::get_if<typist_frame>(&actions[0].frame);
    ASSERT_NE(typist, nullptr);
    EXPECT_EQ(typist->room, "lobby");
    EXPECT_EQ(typist->user, user);
    EXPECT_EQ(typist->active, active);
}

TEST(room_typing, a_start_reaches_every_other_user_and_none_of_the_typists_connections) {
    local_room r = three_users();
    expect_typist(r.typing(1, true, 100), ann, true, conns{2, 4});
    expect_typist(r.typing(2, true, 100), bob, true, conns{1, 3, 4});
}

TEST(room_typing, starts_pass_at_most_once_per_interval_per_user_whichever_connection) {
    local_room r = three_users();
    expect_typist(r.typing(1, true, 1000), ann, true, conns{2, 4});
    EXPECT_TRUE(r.typing(1, true, 1001).empty());
    EXPECT_TRUE(r.typing(3, true, 1000 + typing_relay_interval_ms - 1).empty()) << "ann's other tab";
    expect_typist(r.typing(3, true, 1000 + typing_relay_interval_ms), ann, true, conns{2, 4});
    expect_typist(r.typing(2, true, 1001), bob, true, conns{1, 3, 4});  // each user has their own interval
}

TEST(room_typing, a_stop_passes_once_no_connection_of_the_user_types) {
    local_room r = three_users();
    expect_typist(r.typing(1, true, 0), ann, true, conns{2, 4});
    EXPECT_TRUE(r.typing(3, true, 10).empty());
    EXPECT_TRUE(r.typing(1, false, 20).empty()) << "ann still types in the other tab";
    expect_typist(r.typing(3, false, 30), ann, false, conns{2, 4});
    EXPECT_TRUE(r.typing(3, false, 40).empty()) << "stopped already";
}

TEST(room_typing, a_stop_with_nothing_to_stop_passes_nothing) {
    local_room r = three_users();
    EXPECT_TRUE(r.typing(1, false, 0).empty()) << "never started";
    expect_typist(r.typing(1, true, 100), ann, true, conns{2, 4});
    EXPECT_TRUE(r.typing(1, false, 100 + typing_expiry_ms).empty()) << "the readers forgot it by themselves";
}

TEST(room_typing, the_interval_holds_across_a_stop) {
    local_room r = three_users();
    expect_typist(r.typing(1, true, 0), ann, true, conns{2, 4});
    expect_typist(r.typing(1, false, 10), ann, false, conns{2, 4});
    EXPECT_TRUE(r.typing(1, true, 20).empty())
        << "a start/stop loop costs the others two frames per interval";
    EXPECT_TRUE(r.typing(1, false, 30).empty()) << "the start was not passed on, so neither is its stop";
    expect_typist(r.typing(1, true, typing_relay_interval_ms), ann, true, conns{2, 4});
}

TEST(room_typing, leaving_while_typing_stops_at_once) {
    local_room r = three_users();
    expect_typist(r.typing(2, true, 0), bob, true, conns{1, 3, 4});
    expect_typist(r.leave(2, 50), bob, false, conns{1, 3, 4});

    expect_typist(r.typing(1, true, 100), ann, true, conns{4});
    EXPECT_TRUE(r.leave(3, 110).empty()) << "ann's other tab was not typing";
    expect_typist(r.leave(1, 120), ann, false, conns{4});

    (void)r.join(1, ann, join_frame{"lobby", std::nullopt, std::nullopt}, 130);
    expect_typist(r.typing(1, true, 140), ann, true, conns{4});  // a user who came back starts afresh
    EXPECT_TRUE(r.leave(1, 140 + typing_expiry_ms).empty()) << "long forgotten by the readers";
}

TEST(room_typing, a_message_ends_its_authors_typing_without_a_frame) {
    local_room r = three_users();
    expect_typist(r.typing(1, true, 0), ann, true, conns{2, 4});
    EXPECT_TRUE(r.typing(3, true, 10).empty());
    const send_result sent = r.send(3, test::id_of(1), "hi", 20);
    ASSERT_EQ(sent.actions.size(), 2U) << "the ack and the message";
    EXPECT_TRUE(std::holds_alternative<message_frame>(sent.actions[1].frame));
    EXPECT_TRUE(r.typing(1, false, 30).empty()) << "the members forgot ann's typing as her message came";
    EXPECT_TRUE(r.leave(3, 40).empty());
    expect_typist(r.typing(1, true, typing_relay_interval_ms), ann, true, conns{2, 4});
}

TEST(room_typing, a_non_member_gets_not_joined) {
    local_room r = three_users();
    const room_actions refused = r.typing(42, true, 0);
    ASSERT_EQ(refused.size(), 1U);
    EXPECT_EQ(refused[0].to, conns{42});
    const auto* error = std::get_if<error_frame>(&refused[0].frame);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, errc::not_joined);
}

TEST(room_typing, a_signal_from_another_relay_reaches_everyone_here_but_that_user) {
    room r("lobby");
    const log_view view{"epoch-a", 0, 0, {}};
    (void)r.join(1, ann, view, 0);
    (void)r.join(2, bob, view, 0);
    const room_action action = r.typing_elsewhere(ann, true);
    EXPECT_EQ(action.to, conns{2}) << "ann's own tab here hears nothing of her typing there";
    const auto& typist = std::get<typist_frame>(action.frame);
    EXPECT_EQ(typist.user, ann);
    EXPECT_TRUE(typist.active);
    EXPECT_EQ(r.typing_elsewhere(cat, false).to, (conns{1, 2}));
}

}  // namespace
}  // namespace roomchat
