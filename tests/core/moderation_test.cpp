// A moderator's mute: who may ask (room::prepare_mute), what the log refuses
// while it holds (room_log::accept, step 3), who hears it (room::muted), and
// the bound on what a room keeps.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "roomchat/local_room.hpp"

#include "support/test_ids.hpp"

namespace roomchat {
namespace {

const user_info mod{"mod", "Mo"};
const user_info ann{"ann", "Ann"};
const user_info bob{"bob", "Bob"};

using conns = std::vector<connection_id>;
using test::id_of;

constexpr millis minute = 60'000;

room_config relaxed() {
    room_config config;
    config.rate = {1000, 1};
    return config;
}

// The moderator on 1, ann on 2 and 4, bob on 3.
local_room room_with_moderator(room_config config = relaxed()) {
    local_room r("lobby", "epoch-a", config);
    const join_frame fresh{"lobby", std::nullopt, std::nullopt};
    const room_actions joined = r.join(1, mod, fresh, 0, /*moderator=*/true);
    EXPECT_TRUE(std::get<joined_frame>(joined.at(0).frame).moderator) << "joined says so";
    EXPECT_FALSE(std::get<joined_frame>(r.join(2, ann, fresh, 0).at(0).frame).moderator);
    (void)r.join(3, bob, fresh, 0);
    (void)r.join(4, ann, fresh, 0);
    return r;
}

muted_frame muted_of(const room_actions& actions, const conns& to) {
    EXPECT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions.at(0).to, to);
    return std::get<muted_frame>(actions.at(0).frame);
}

std::optional<nack_frame> nack_of(const send_result& sent) { return sent.outcome.nack; }

TEST(moderation, a_mute_ends_minutes_from_now_and_zero_lifts_it) {
    EXPECT_EQ(mute_end(10, 1000), 1000 + 10 * minute);
    EXPECT_EQ(mute_end(0, 1000), 0);
    EXPECT_EQ(mute_end(max_mute_minutes, 0), 24 * 60 * minute);
}

TEST(moderation, the_moderator_and_the_muted_users_connections_hear_it) {
    local_room r = room_with_moderator();
    const muted_frame muted = muted_of(r.mute(1, "ann", 10, 5000), conns{1, 2, 4});
    EXPECT_EQ(muted.room, "lobby");
    EXPECT_EQ(muted.user, "ann");
    EXPECT_EQ(muted.until, 5000 + 10 * minute);
    EXPECT_EQ(muted_of(r.mute(1, "zed", 10, 5000), conns{1}).user, "zed")
        << "someone not here may be muted too";
    EXPECT_EQ(muted_of(r.mute(1, "mod", 1, 5000), conns{1}).user, "mod") << "told once";
}

TEST(moderation, a_mute_taken_through_another_relay_reaches_the_users_connections_here) {
    room plain("lobby");
    const log_view view{"epoch-a", 0, 0, {}};
    (void)plain.join(7, ann, view, 0);
    (void)plain.join(8, bob, view, 0);
    const room_action news = plain.mute_news("ann", 42);
    EXPECT_EQ(news.to, conns{7});
    EXPECT_EQ(std::get<muted_frame>(news.frame).until, 42);
    EXPECT_TRUE(plain.mute_news("zed", 42).to.empty());
}

TEST(moderation, only_a_member_that_joined_as_moderator_may_mute) {
    local_room r = room_with_moderator();
    const room_actions refused = r.mute(3, "ann", 10, 0);
    ASSERT_EQ(refused.size(), 1U);
    EXPECT_EQ(refused[0].to, conns{3});
    const auto& error = std::get<error_frame>(refused[0].frame);
    EXPECT_EQ(error.code, errc::not_moderator);
    EXPECT_EQ(error.room, std::optional<std::string>("lobby"));
    const auto sent = r.send(2, id_of(1), "still here", 10);
    EXPECT_TRUE(sent.outcome.ack.has_value()) << "nothing was muted";

    const room_actions outsider = r.mute(42, "ann", 10, 0);
    ASSERT_EQ(outsider.size(), 1U);
    EXPECT_EQ(std::get<error_frame>(outsider[0].frame).code, errc::not_joined);

    // A moderator who joins again without the claim is one no longer.
    (void)r.join(1, mod, join_frame{"lobby", std::nullopt, std::nullopt}, 0);
    EXPECT_EQ(std::get<error_frame>(r.mute(1, "ann", 10, 0).at(0).frame).code, errc::not_moderator);
}

TEST(moderation, a_muted_users_sends_are_refused_with_the_time_left_until_it_ends) {
    local_room r = room_with_moderator();
    (void)r.mute(1, "ann", 10, 1000);
    const millis end = 1000 + 10 * minute;
    for (const connection_id conn : {2, 4}) {
        const auto nack = nack_of(r.send(conn, id_of(static_cast<std::uint8_t>(conn)), "hello", 61'000));
        ASSERT_TRUE(nack) << "on every connection of hers";
        EXPECT_EQ(nack->code, errc::muted);
        EXPECT_EQ(nack->retry_after_ms,
                  std::optional<std::uint32_t>(static_cast<std::uint32_t>(end - 61'000)));
    }
    EXPECT_TRUE(r.send(3, id_of(3), "bob speaks", 61'000).outcome.ack) << "the others are not muted";
    EXPECT_EQ(r.latest_seq(), 1U);
    EXPECT_EQ(nack_of(r.send(2, id_of(5), "", 62'000))->code, errc::empty_text) << "a text error comes first";
    EXPECT_EQ(nack_of(r.send(2, id_of(6), "one ms early", end - 1))->code, errc::muted);
    EXPECT_TRUE(r.send(2, id_of(7), "back", end).outcome.ack) << "it ends on time";
}

TEST(moderation, lifting_a_mute_lets_the_user_send_at_once_and_muting_again_replaces_the_end) {
    local_room r = room_with_moderator();
    (void)r.mute(1, "ann", 10, 0);
    EXPECT_EQ(muted_of(r.mute(1, "ann", 0, 1000), conns{1, 2, 4}).until, 0);
    EXPECT_TRUE(r.send(2, id_of(1), "thanks", 1000).outcome.ack);
    (void)r.mute(1, "ann", 30, 2000);
    (void)r.mute(1, "ann", 1, 3000);
    EXPECT_EQ(nack_of(r.send(2, id_of(2), "hm", 3000))->retry_after_ms, std::optional<std::uint32_t>(minute));
}

TEST(moderation, what_was_accepted_before_stays_accepted_and_the_host_is_never_muted) {
    local_room r = room_with_moderator();
    ASSERT_TRUE(r.send(2, id_of(1), "before", 0).outcome.ack);
    (void)r.mute(1, "ann", 10, 100);
    const send_result resend = r.send(2, id_of(1), "before", 200);
    ASSERT_TRUE(resend.outcome.ack) << "a resend after a lost ack is answered with its ack";
    EXPECT_TRUE(resend.outcome.duplicate);
    const send_result notice =
        r.send_as(ann, id_of(2), "Ann paused at 12:34", 300, std::nullopt, /*system=*/true);
    EXPECT_TRUE(notice.outcome.ack) << "the host's backend speaks as the room";
}

TEST(moderation, a_user_who_joins_while_muted_is_told_until_when_in_joined) {
    local_room r = room_with_moderator();
    (void)r.mute(1, "ann", 10, 1000);
    const join_frame fresh{"lobby", std::nullopt, std::nullopt};
    const auto joined_at = [&](connection_id conn, const user_info& user, millis now) {
        return std::get<joined_frame>(r.join(conn, user, fresh, now).at(0).frame);
    };
    EXPECT_EQ(joined_at(5, ann, 2000).muted_until, std::optional<millis>(1000 + 10 * minute));
    EXPECT_EQ(joined_at(6, bob, 2000).muted_until, std::nullopt);
    EXPECT_EQ(joined_at(7, ann, 1000 + 10 * minute).muted_until, std::nullopt) << "it has ended";
    (void)r.mute(1, "ann", 0, 3000);
    EXPECT_EQ(joined_at(8, ann, 4000).muted_until, std::nullopt) << "lifted";
}

TEST(moderation, a_room_keeps_at_most_max_mutes_dropping_the_one_ending_first) {
    room_config config = relaxed();
    config.max_mutes = 2;
    local_room r = room_with_moderator(config);
    (void)r.mute(1, "ann", 30, 0);
    (void)r.mute(1, "bob", 10, 0);
    (void)r.mute(1, "ann", 20, 0);  // replaces: still two
    EXPECT_EQ(r.log().mute_count(), 2U);
    (void)r.mute(1, "cy", 40, 0);
    EXPECT_EQ(r.log().mute_count(), 2U);
    EXPECT_TRUE(r.send(3, id_of(1), "bob's went", 1).outcome.ack);
    EXPECT_EQ(nack_of(r.send(2, id_of(2), "ann's stays", 1))->code, errc::muted);

    (void)r.mute(1, "dee", 5, 25 * minute);  // ann's ended: it goes, nothing else does
    EXPECT_EQ(r.log().mute_count(), 2U);
    EXPECT_EQ(r.log().muted_until("cy", 25 * minute), std::optional<millis>(40 * minute));
    EXPECT_EQ(r.log().muted_until("ann", 25 * minute), std::nullopt);
}

}  // namespace
}  // namespace roomchat
