#include <array>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
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

using test::id_of;

const std::string epoch_a = "epoch-a";

join_frame fresh() { return join_frame{"lobby", std::nullopt, std::nullopt}; }
join_frame resume(seq_t since, std::optional<std::string> epoch = epoch_a) {
    return join_frame{"lobby", since, std::move(epoch)};
}

// The presence frames the room sends once its presence delay has passed.
std::vector<presence_frame> presence_after_delay(local_room& r) {
    std::vector<presence_frame> frames;
    const auto due = r.next_deadline();
    if (!due) {
        return frames;
    }
    EXPECT_TRUE(r.on_timer(*due - 1).empty()) << "presence went out before its delay";
    for (const room_action& action : r.on_timer(*due)) {
        EXPECT_EQ(action.to, r.member_connections()) << "to every member";
        if (const auto* presence = std::get_if<presence_frame>(&action.frame)) {
            frames.push_back(*presence);
        }
    }
    EXPECT_FALSE(r.next_deadline().has_value());
    return frames;
}

template <typename Frame>
const Frame& frame_of(const room_action& action) {
    const Frame* frame = std::get_if<Frame>(&action.frame);
    if (frame == nullptr) {
        ADD_FAILURE() << "action holds frame alternative " << action.frame.index();
        static const Frame none{};
        return none;
    }
    return *frame;
}

// What a send on a connection causes (its outcome is SendSaysWhatItDecided's).
room_actions sent(local_room& r, connection_id conn, const message_id& id, std::string_view text,
                  millis now) {
    return r.send(conn, id, text, now).actions;
}

// send_as, its broadcasts appended to `broadcasts`.
send_outcome sent_as(local_room& r, const user_info& user, const message_id& id, std::string_view text,
                     millis now, room_actions& broadcasts) {
    send_result result = r.send_as(user, id, text, now);
    std::move(result.actions.begin(), result.actions.end(), std::back_inserter(broadcasts));
    return result.outcome;
}

using conns = std::vector<connection_id>;

room_config relaxed() {
    room_config config;
    config.rate = {1000, 1};
    return config;
}

// A room with ann on connection 1 and bob on connection 2, their arrival
// already announced.
local_room two_users(room_config config = relaxed()) {
    local_room r("lobby", epoch_a, config);
    (void)r.join(1, ann, fresh(), 0);
    (void)r.join(2, bob, fresh(), 0);
    (void)r.on_timer(config.presence_delay_ms);
    return r;
}

void expect_ack(const room_action& action, connection_id conn, const message_id& id, seq_t seq, millis ts) {
    EXPECT_EQ(action.to, conns{conn});
    const auto& ack = frame_of<ack_frame>(action);
    EXPECT_EQ(ack.room, "lobby");
    EXPECT_EQ(ack.epoch, epoch_a);
    EXPECT_EQ(ack.id, id);
    EXPECT_EQ(ack.seq, seq);
    EXPECT_EQ(ack.ts, ts);
}

void expect_nack(const room_actions& actions, connection_id conn, const message_id& id, errc code) {
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].to, conns{conn});
    const auto& nack = frame_of<nack_frame>(actions[0]);
    EXPECT_EQ(nack.room, "lobby");
    EXPECT_EQ(nack.id, id);
    EXPECT_EQ(nack.code, code);
}

// A rate_limited nack to `conn` that asks for the send again in `retry_after_ms`.
void expect_rate_limited(const room_actions& actions, connection_id conn, const message_id& id,
                         std::uint32_t retry_after_ms) {
    expect_nack(actions, conn, id, errc::rate_limited);
    ASSERT_FALSE(actions.empty());
    EXPECT_EQ(frame_of<nack_frame>(actions[0]).retry_after_ms, std::optional<std::uint32_t>{retry_after_ms});
}

void expect_not_joined(const room_actions& actions, connection_id conn) {
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].to, conns{conn});
    const auto& error = frame_of<error_frame>(actions[0]);
    EXPECT_EQ(error.code, errc::not_joined);
    EXPECT_EQ(error.room, "lobby");
    EXPECT_FALSE(error.message.empty());
}

std::vector<seq_t> seqs(const std::vector<chat_message>& messages) {
    std::vector<seq_t> out;
    out.reserve(messages.size());
    for (const chat_message& m : messages) {
        out.push_back(m.seq);
    }
    return out;
}

using seq_list = std::vector<seq_t>;

// Sends n messages from connection 1 with ids 101, 102, ...
void fill(local_room& r, int n) {
    for (int i = 0; i < n; ++i) {
        const auto actions =
            sent(r, 1, id_of(static_cast<std::uint8_t>(101 + i)), "m" + std::to_string(i), 1000 + i);
        ASSERT_TRUE(std::holds_alternative<ack_frame>(actions.at(0).frame));
    }
}

TEST(room, join_replies_joined_then_latest_history_and_announces_presence_after_the_delay) {
    local_room r("lobby", epoch_a);
    const room_actions first = r.join(7, bob, fresh(), 1000);
    ASSERT_EQ(first.size(), 2u);
    const auto& joined = frame_of<joined_frame>(first[0]);
    EXPECT_EQ(first[0].to, conns{7});
    EXPECT_EQ(joined.room, "lobby");
    EXPECT_EQ(joined.epoch, epoch_a);
    EXPECT_EQ(joined.members, (std::vector<user_info>{bob}));
    EXPECT_EQ(joined.member_count, 1u);
    EXPECT_EQ(joined.read_seq, 0u);
    EXPECT_EQ(joined.latest_seq, 0u);
    const auto& history = frame_of<history_frame>(first[1]);
    EXPECT_EQ(first[1].to, conns{7});
    EXPECT_EQ(history.epoch, epoch_a);
    EXPECT_EQ(history.mode, history_mode::latest);
    EXPECT_TRUE(history.messages.empty());
    EXPECT_FALSE(history.has_more);

    EXPECT_EQ(r.next_deadline(), 1000 + room_config{}.presence_delay_ms);
    const room_actions second = r.join(3, ann, fresh(), 1100);
    ASSERT_EQ(second.size(), 2u);
    EXPECT_EQ(frame_of<joined_frame>(second[0]).members, (std::vector<user_info>{ann}))
        << "bob's arrival is not announced yet: ann hears of it with everyone else";
    EXPECT_EQ(r.next_deadline(), 1000 + room_config{}.presence_delay_ms) << "the first change sets the time";

    const auto presence = presence_after_delay(r);
    ASSERT_EQ(presence.size(), 2u);
    EXPECT_EQ(presence[0].event, presence_event::join);
    EXPECT_EQ(presence[0].user, ann);
    EXPECT_EQ(presence[1].user, bob);
    EXPECT_EQ(presence[1].member_count, 2u);
    EXPECT_EQ(presence[1].room, "lobby");
    const room_actions third = r.join(4, cat, fresh(), 2000);
    EXPECT_EQ(frame_of<joined_frame>(third[0]).members, (std::vector<user_info>{ann, bob, cat}))
        << "sorted by id";
    EXPECT_EQ(frame_of<joined_frame>(third[0]).member_count, 3u);
}

// A joiner's list is what everyone else was last told, so the changes still
// pending reach it like them: it never misses one, never keeps a ghost.
TEST(room, a_joiner_during_a_reload_of_another_user_still_sees_them) {
    local_room r = two_users();
    r.leave(1, 0);  // ann reloads...
    const room_actions joined = r.join(5, cat, fresh(), 100);
    (void)r.join(6, ann, fresh(), 200);  // ...and is back
    EXPECT_EQ(frame_of<joined_frame>(joined[0]).members, (std::vector<user_info>{ann, bob, cat}));
    EXPECT_EQ(presence_after_delay(r).size(), 1u)
        << "only cat's own arrival: ann never left as far as anyone knows";
}

TEST(room, a_joiner_never_sees_someone_who_came_and_went_before_anyone_heard) {
    local_room r = two_users();
    (void)r.join(5, cat, fresh(), 0);  // cat comes...
    const room_actions joined = r.join(6, user_info{"dan", "Dan"}, fresh(), 100);
    r.leave(5, 200);  // ...and goes
    EXPECT_EQ(frame_of<joined_frame>(joined[0]).members,
              (std::vector<user_info>{ann, bob, user_info{"dan", "Dan"}}));
    const auto presence = presence_after_delay(r);
    ASSERT_EQ(presence.size(), 1u);
    EXPECT_EQ(presence[0].user.id, "dan");
    EXPECT_EQ(presence[0].member_count, 3u);
}

TEST(room, a_crowd_is_announced_in_slices) {
    room_config config;
    config.max_presence_per_flush = 64;
    local_room r("lobby", epoch_a, config);
    for (connection_id conn = 1; conn <= 200; ++conn) {
        (void)r.join(conn, user_info{"u" + std::to_string(1000 + conn), "U"}, fresh(), 0);
    }
    std::size_t announced = 0;
    std::vector<std::size_t> slices;
    while (const auto due = r.next_deadline()) {
        const room_actions slice = r.on_timer(*due);
        slices.push_back(slice.size());
        announced += slice.size();
        if (const auto next = r.next_deadline()) {
            EXPECT_EQ(*next, *due + config.presence_slice_interval_ms);
        }
    }
    EXPECT_EQ(announced, 200u);
    EXPECT_EQ(slices, (std::vector<std::size_t>{64, 64, 64, 8}));
}

TEST(room, second_connection_of_a_user_is_no_presence_change) {
    local_room r = two_users();
    const room_actions actions = r.join(5, ann, fresh(), 0);
    ASSERT_EQ(actions.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<joined_frame>(actions[0].frame));
    EXPECT_TRUE(std::holds_alternative<history_frame>(actions[1].frame));
    EXPECT_FALSE(r.next_deadline().has_value());
    EXPECT_EQ(r.members(), (std::vector<user_info>{ann, bob}));
    EXPECT_EQ(r.member_connections(), (std::vector<connection_id>{1, 2, 5}));
}

TEST(room, joining_twice_on_one_connection_just_replies_again) {
    local_room r = two_users();
    const room_actions again = r.join(1, ann, fresh(), 0);
    ASSERT_EQ(again.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<joined_frame>(again[0].frame));
    r.leave(1, 0);
    EXPECT_EQ(r.members(), (std::vector<user_info>{bob})) << "the repeated join was not counted twice";
}

TEST(room, two_users_chat_in_sequence) {
    local_room r = two_users();
    const room_actions first = sent(r, 1, id_of(1), "hi Bob", 1000);
    ASSERT_EQ(first.size(), 2u);
    expect_ack(first[0], 1, id_of(1), 1, 1000);
    EXPECT_EQ(first[1].to, conns{2}) << "the sender gets the ack, not the broadcast";
    const auto& broadcast = frame_of<message_frame>(first[1]);
    EXPECT_EQ(broadcast.room, "lobby");
    EXPECT_EQ(broadcast.message, (chat_message{1, id_of(1), ann, "hi Bob", 1000}));

    const room_actions reply = sent(r, 2, id_of(2), "hello Ann", 1500);
    ASSERT_EQ(reply.size(), 2u);
    expect_ack(reply[0], 2, id_of(2), 2, 1500);
    EXPECT_EQ(reply[1].to, conns{1});
    EXPECT_EQ(frame_of<message_frame>(reply[1]).message.from, bob);

    EXPECT_EQ(r.latest_seq(), 2u);
    EXPECT_EQ(seqs(r.log().messages().latest(10).messages), (seq_list{1, 2}));
    EXPECT_EQ(r.log().messages().latest(10).messages[1].text, "hello Ann");
}

TEST(room, stores_and_broadcasts_normalised_text) {
    local_room r = two_users();
    const room_actions actions = sent(r, 1, id_of(1), "  line one\r\nline two \t", 5);
    ASSERT_EQ(actions.size(), 2u);
    EXPECT_EQ(frame_of<message_frame>(actions[1]).message.text, "line one\nline two");
    EXPECT_EQ(r.log().messages().latest(1).messages[0].text, "line one\nline two");
}

TEST(room, stores_and_broadcasts_the_senders_playback_position) {
    local_room r = two_users();
    const room_actions actions = r.send(1, id_of(1), "the goal!", 5, millis{754'250}).actions;
    ASSERT_EQ(actions.size(), 2u);
    EXPECT_EQ(frame_of<message_frame>(actions[1]).message.media_ms, millis{754'250});
    EXPECT_EQ(r.log().messages().latest(1).messages[0].media_ms, millis{754'250});
    room_actions broadcasts;
    sent_as(r, ann, id_of(2), "no position", 6, broadcasts);
    EXPECT_EQ(r.log().messages().latest(1).messages[0].media_ms, std::nullopt);
}

TEST(room, the_hosts_notices_are_not_held_to_a_persons_rate_limit) {
    room_config config;
    config.rate = {2, 60'000};
    local_room r = two_users(config);
    const user_info host{"watch-party", "Watch party"};
    for (std::uint8_t i = 1; i <= 10; ++i) {
        const send_result notice =
            r.send_as(host, id_of(i), "Bob joined the watch party", 5, std::nullopt, true);
        ASSERT_TRUE(notice.outcome.ack) << int{i};
    }
    EXPECT_TRUE(r.log().messages().latest(1).messages[0].system);
    // The same sender as a person is limited.
    r.send_as(host, id_of(11), "one", 5);
    r.send_as(host, id_of(12), "two", 5);
    EXPECT_TRUE(r.send_as(host, id_of(13), "three", 5).outcome.nack);
}

TEST(room, resend_of_an_accepted_message_repeats_the_ack_without_broadcast) {
    room_config config;
    config.rate = {2, 1000};
    local_room r = two_users(config);
    const room_actions first = sent(r, 1, id_of(1), "once", 100);
    ASSERT_EQ(first.size(), 2u);
    for (const millis later : {100, 200, 5000}) {
        const room_actions again = sent(r, 1, id_of(1), "once", later);
        ASSERT_EQ(again.size(), 1u) << "no second broadcast";
        expect_ack(again[0], 1, id_of(1), 1, 100);
    }
    EXPECT_EQ(r.latest_seq(), 1u);
    EXPECT_EQ(r.log().messages().size(), 1u);
    const room_actions second = sent(r, 1, id_of(2), "twice", 100);
    expect_ack(second.at(0), 1, id_of(2), 2, 100);
    EXPECT_EQ(second.size(), 2u) << "the resends spent no token";
}

TEST(room, resend_from_the_users_other_connection_is_acked_there) {
    local_room r = two_users();
    (void)r.join(9, ann, fresh(), 0);
    (void)sent(r, 1, id_of(1), "from tab one", 100);
    const room_actions again = sent(r, 9, id_of(1), "from tab one", 300);
    ASSERT_EQ(again.size(), 1u);
    expect_ack(again[0], 9, id_of(1), 1, 100);
}

TEST(room, resend_is_acked_even_if_its_text_would_now_fail) {
    local_room r = two_users();
    (void)sent(r, 1, id_of(1), "fine", 100);
    const room_actions again = sent(r, 1, id_of(1), "   ", 200);
    ASSERT_EQ(again.size(), 1u);
    expect_ack(again[0], 1, id_of(1), 1, 100);
}

TEST(room, id_used_by_another_user_is_a_conflict) {
    local_room r = two_users();
    (void)sent(r, 1, id_of(1), "mine", 100);
    const room_actions stolen = sent(r, 2, id_of(1), "mine too", 200);
    expect_nack(stolen, 2, id_of(1), errc::id_conflict);
    EXPECT_FALSE(frame_of<nack_frame>(stolen[0]).retry_after_ms.has_value());
    EXPECT_EQ(r.latest_seq(), 1u);
}

TEST(room, nil_id_is_refused) {
    local_room r = two_users();
    expect_nack(sent(r, 1, message_id{}, "hello", 100), 1, message_id{}, errc::invalid_message_id);
    EXPECT_EQ(r.latest_seq(), 0u);
}

TEST(room, every_text_error_is_a_nack_with_its_code) {
    room_config config;
    config.rate = {1, 1000};
    config.text.max_code_points = 5;
    local_room r = two_users(config);
    struct bad_text {
        std::string text;
        errc code;
    };
    const std::vector<bad_text> cases = {
        {"", errc::empty_text},
        {" \n\t\r\n ", errc::empty_text},
        {"abcdef", errc::text_too_long},
        {"\xC0\xAF", errc::invalid_utf8},
        {"\xED\xA0\x80", errc::invalid_utf8},
        {"a\x01z", errc::control_character},
        {"a\x7Fz", errc::control_character},
    };
    std::uint8_t n = 1;
    for (const bad_text& c : cases) {
        const room_actions actions = sent(r, 1, id_of(n), c.text, 100);
        expect_nack(actions, 1, id_of(n), c.code);
        ++n;
    }
    EXPECT_EQ(r.latest_seq(), 0u);
    const room_actions fine = sent(r, 1, id_of(1), "abcde", 100);
    ASSERT_EQ(fine.size(), 2u) << "refused texts spent no token and left their ids free";
    expect_ack(fine[0], 1, id_of(1), 1, 100);
}

// Ann (connection 1) may send one message a second: "one" was accepted at 0
// and "two" (id 2) refused at 600, to come again at 1000.
local_room with_a_refused_send() {
    room_config config;
    config.rate = {1, 1000};
    local_room r = two_users(config);
    EXPECT_EQ(sent(r, 1, id_of(1), "one", 0).size(), 2u);
    expect_rate_limited(sent(r, 1, id_of(2), "two", 600), 1, id_of(2), 400);
    return r;
}

// A connection sends back to back, so a message can reach the room while
// the refusal of the one before it is still on its way back; had the bucket
// refilled meanwhile, it would be accepted and the earlier one, resent later,
// land after it. Instead it waits behind the refused one.
TEST(room, a_refused_send_holds_back_the_connections_later_sends_until_it_comes_again) {
    local_room r = with_a_refused_send();
    // The bucket holds a token again, but "three" comes before "two" did.
    // "two" takes the token due now; "three" needs the next.
    expect_rate_limited(sent(r, 1, id_of(3), "three", 1000), 1, id_of(3), 1000);
    EXPECT_EQ(r.latest_seq(), 1u) << "the token was not spent";
    // A resend of what was accepted is still answered with its ack.
    const room_actions resend = sent(r, 1, id_of(1), "one", 1000);
    ASSERT_EQ(resend.size(), 1u);
    expect_ack(resend[0], 1, id_of(1), 1, 0);
    // Other users, and the user's other connections, are not held back: the
    // other tab takes the token.
    EXPECT_EQ(sent(r, 2, id_of(50), "bob", 1000).size(), 2u);
    (void)r.join(3, ann, fresh(), 1000);
    EXPECT_EQ(sent(r, 3, id_of(51), "other tab", 1000).size(), 2u);

    // "two" comes again, is refused again (the bucket is empty) and holds
    // "three" back until a refill past its new retry time.
    expect_rate_limited(sent(r, 1, id_of(2), "two", 1000), 1, id_of(2), 1000);
    expect_rate_limited(sent(r, 1, id_of(3), "three", 1500), 1, id_of(3), 1500);
    const room_actions two = sent(r, 1, id_of(2), "two", 2000);
    ASSERT_EQ(two.size(), 2u);
    expect_ack(two[0], 1, id_of(2), 4, 2000);
    const room_actions three = sent(r, 1, id_of(3), "three", 3000);
    ASSERT_EQ(three.size(), 2u);
    expect_ack(three[0], 1, id_of(3), 5, 3000);
}

TEST(room, a_held_back_connection_is_released_when_the_refused_send_is_accepted_elsewhere_or_left) {
    local_room r = with_a_refused_send();
    (void)r.join(3, ann, fresh(), 600);
    expect_nack(sent(r, 1, id_of(3), "three", 1000), 1, id_of(3), errc::rate_limited);  // held back
    // The other tab sends the same pending message and it is accepted there:
    // this connection learns it from the broadcast and never sends it again.
    ASSERT_EQ(sent(r, 3, id_of(2), "two", 1000).size(), 2u);
    const room_actions three = sent(r, 1, id_of(3), "three", 2000);
    ASSERT_EQ(three.size(), 2u);
    expect_ack(three[0], 1, id_of(3), 3, 2000);

    // Leaving forgets it: the connection is gone, and with it the order of its sends.
    expect_nack(sent(r, 1, id_of(4), "four", 2500), 1, id_of(4), errc::rate_limited);
    expect_nack(sent(r, 1, id_of(5), "five", 3000), 1, id_of(5), errc::rate_limited);  // held back
    r.leave(1, 3000);
    (void)r.join(1, ann, fresh(), 3000);
    ASSERT_EQ(sent(r, 1, id_of(5), "five", 3000).size(), 2u);
}

TEST(room, a_refused_send_never_sent_again_holds_back_until_its_grace_runs_out) {
    local_room r = with_a_refused_send();
    const millis lapse = 1000 + r.config().held_send_grace_ms;
    expect_nack(sent(r, 1, id_of(3), "three", lapse - 1), 1, id_of(3), errc::rate_limited);
    const room_actions three = sent(r, 1, id_of(3), "three", lapse);
    ASSERT_EQ(three.size(), 2u);
    expect_ack(three[0], 1, id_of(3), 2, lapse);
}

TEST(room, rate_limit_is_shared_across_a_users_connections) {
    room_config config;
    config.rate = {2, 1000};
    local_room r = two_users(config);
    (void)r.join(3, ann, fresh(), 0);
    ASSERT_EQ(sent(r, 1, id_of(1), "one", 0).size(), 2u);
    ASSERT_EQ(sent(r, 3, id_of(2), "two", 0).size(), 2u);

    expect_rate_limited(sent(r, 1, id_of(3), "three", 400), 1, id_of(3), 600);
    expect_rate_limited(sent(r, 3, id_of(3), "three", 999), 3, id_of(3), 1);

    EXPECT_EQ(sent(r, 2, id_of(50), "bob is not limited", 999).size(), 2u);
    const room_actions retried = sent(r, 3, id_of(3), "three", 1000);
    ASSERT_EQ(retried.size(), 2u);
    expect_ack(retried[0], 3, id_of(3), 4, 1000);
}

TEST(room, join_with_since_sends_everything_after_it) {
    local_room r = two_users();
    fill(r, 6);
    const room_actions actions = r.join(8, cat, resume(4), 0);
    const auto& joined = frame_of<joined_frame>(actions.at(0));
    EXPECT_EQ(joined.latest_seq, 6u);
    const auto& history = frame_of<history_frame>(actions.at(1));
    EXPECT_EQ(history.mode, history_mode::after);
    EXPECT_EQ(seqs(history.messages), (seq_list{5, 6}));
    EXPECT_FALSE(history.truncated);
}

TEST(room, join_without_since_sends_the_latest_page) {
    room_config config = relaxed();
    config.page_size = 3;
    local_room r = two_users(config);
    fill(r, 5);
    const room_actions actions = r.join(8, cat, fresh(), 0);
    const auto& history = frame_of<history_frame>(actions.at(1));
    EXPECT_EQ(history.mode, history_mode::latest);
    EXPECT_EQ(seqs(history.messages), (seq_list{3, 4, 5}));
    EXPECT_TRUE(history.has_more);
}

TEST(room, join_with_an_evicted_since_is_truncated) {
    room_config config = relaxed();
    config.history.max_messages = 4;
    config.page_size = 2;
    local_room r = two_users(config);
    fill(r, 10);
    const room_actions actions = r.join(1, ann, resume(3), 0);
    const auto& history = frame_of<history_frame>(actions.at(1));
    EXPECT_EQ(history.mode, history_mode::after);
    EXPECT_TRUE(history.truncated);
    EXPECT_EQ(seqs(history.messages), (seq_list{9, 10}));
    const room_actions rejoined = r.join(1, ann, resume(6), 0);
    const auto& kept = frame_of<history_frame>(rejoined.at(1));
    EXPECT_FALSE(kept.truncated);
    EXPECT_EQ(seqs(kept.messages), (seq_list{7, 8})) << "a page at a time, oldest first";
}

TEST(room, history_pages_backwards_with_has_more) {
    local_room r = two_users();
    fill(r, 7);
    history_request_frame request;
    request.room = "lobby";
    request.before = 6;
    request.limit = 3;
    const room_actions actions = r.history(2, request);
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].to, conns{2});
    const auto& page = frame_of<history_frame>(actions[0]);
    EXPECT_EQ(page.room, "lobby");
    EXPECT_EQ(page.mode, history_mode::before);
    EXPECT_EQ(seqs(page.messages), (seq_list{3, 4, 5}));
    EXPECT_TRUE(page.has_more);
    request.before = 3;
    const room_actions older = r.history(2, request);
    const auto& last = frame_of<history_frame>(older.at(0));
    EXPECT_EQ(seqs(last.messages), (seq_list{1, 2}));
    EXPECT_FALSE(last.has_more);
}

TEST(room, history_after_fills_a_gap) {
    local_room r = two_users();
    fill(r, 7);
    history_request_frame request;
    request.after = 2;
    request.limit = 2;
    const room_actions actions = r.history(1, request);
    const auto& page = frame_of<history_frame>(actions.at(0));
    EXPECT_EQ(page.mode, history_mode::after);
    EXPECT_EQ(seqs(page.messages), (seq_list{3, 4}));
}

TEST(room, history_limit_is_capped_at_max_page_size) {
    room_config config = relaxed();
    config.max_page_size = 4;
    local_room r = two_users(config);
    fill(r, 10);
    history_request_frame request;
    request.before = 11;
    request.limit = 1000;
    const room_actions actions = r.history(1, request);
    const auto& page = frame_of<history_frame>(actions.at(0));
    EXPECT_EQ(seqs(page.messages), (seq_list{7, 8, 9, 10}));
    EXPECT_TRUE(page.has_more);
    EXPECT_EQ(seqs(r.query(std::nullopt, seq_t{0}, 1000).messages), (seq_list{1, 2, 3, 4}));
    EXPECT_EQ(seqs(r.query(std::nullopt, std::nullopt, 2).messages), (seq_list{9, 10}));
    EXPECT_EQ(seqs(r.query(seq_t{5}, std::nullopt, 2).messages), (seq_list{3, 4}));
}

TEST(room, leave_announces_only_the_users_last_connection) {
    local_room r = two_users();
    (void)r.join(3, ann, fresh(), 0);
    r.leave(1, 0);
    EXPECT_FALSE(r.next_deadline().has_value());
    EXPECT_EQ(r.members(), (std::vector<user_info>{ann, bob}));
    r.leave(3, 10);
    const auto presence = presence_after_delay(r);
    ASSERT_EQ(presence.size(), 1u);
    EXPECT_EQ(presence[0].room, "lobby");
    EXPECT_EQ(presence[0].event, presence_event::leave);
    EXPECT_EQ(presence[0].user, ann);
    EXPECT_EQ(presence[0].member_count, 1u);
    EXPECT_EQ(r.members(), (std::vector<user_info>{bob}));
    EXPECT_FALSE(r.is_member(1));
    EXPECT_FALSE(r.is_member(3));
    r.leave(3, 20);  // unknown connections are ignored
    EXPECT_FALSE(r.next_deadline().has_value());
    EXPECT_FALSE(r.empty());
    r.leave(2, 30);
    EXPECT_TRUE(r.empty());
}

TEST(room, rejoining_after_the_leave_was_announced_announces_again) {
    local_room r = two_users();
    r.leave(1, 0);
    ASSERT_EQ(presence_after_delay(r).size(), 1u);
    (void)r.join(4, ann, fresh(), 1000);
    const auto presence = presence_after_delay(r);
    ASSERT_EQ(presence.size(), 1u);
    EXPECT_EQ(presence[0].event, presence_event::join);
    EXPECT_EQ(presence[0].member_count, 2u);
}

TEST(room, leaving_and_coming_back_within_the_delay_is_no_change) {
    local_room r = two_users();
    r.leave(1, 0);
    (void)r.join(4, ann, fresh(), 300);  // a reload
    EXPECT_TRUE(presence_after_delay(r).empty());
    (void)r.join(5, cat, fresh(), 1000);
    r.leave(5, 1200);  // in and out before anyone heard
    EXPECT_TRUE(presence_after_delay(r).empty());
}

TEST(room, a_join_leave_loop_costs_the_others_at_most_one_frame_per_delay) {
    local_room r = two_users();
    int frames = 0;
    millis now = 1000;
    for (int i = 0; i < 10'000; ++i, now += 1) {
        (void)r.join(100 + static_cast<connection_id>(i), cat, fresh(), now);
        r.leave(100 + static_cast<connection_id>(i), now);
        frames += static_cast<int>(r.on_timer(now).size());
    }
    EXPECT_EQ(frames, 0) << "each delay ends with cat gone again: no net change";
    (void)r.join(7, cat, fresh(), now);
    for (int i = 0; i < 10'000; ++i, now += 1) {
        r.leave(7, now);
        (void)r.join(7, cat, fresh(), now);
        frames += static_cast<int>(r.on_timer(now).size());
    }
    EXPECT_EQ(frames, 1) << "one join, and no flicker after it";
}

TEST(room, read_marker_moves_forward_only_and_reaches_the_users_other_connections) {
    local_room r = two_users();
    (void)r.join(3, ann, fresh(), 0);
    fill(r, 5);
    const room_actions moved = r.mark_read(1, 3);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].to, conns{3}) << "ann's other connection, not bob's";
    EXPECT_EQ(frame_of<read_marker_frame>(moved[0]).seq, 3u);
    EXPECT_EQ(frame_of<read_marker_frame>(moved[0]).room, "lobby");

    EXPECT_TRUE(r.mark_read(3, 2).empty()) << "never back";
    EXPECT_TRUE(r.mark_read(3, 3).empty()) << "no move, no frame";
    const room_actions clamped = r.mark_read(3, 99);
    ASSERT_EQ(clamped.size(), 1u);
    EXPECT_EQ(frame_of<read_marker_frame>(clamped[0]).seq, 5u) << "never past the latest message";
    EXPECT_EQ(clamped[0].to, conns{1});

    EXPECT_EQ(frame_of<joined_frame>(r.join(6, ann, fresh(), 0).at(0)).read_seq, 5u);
    EXPECT_EQ(frame_of<joined_frame>(r.join(2, bob, fresh(), 0).at(0)).read_seq, 0u)
        << "markers are per user";
}

TEST(room, non_members_get_not_joined) {
    local_room r = two_users();
    fill(r, 2);
    expect_not_joined(sent(r, 42, id_of(1), "hello", 0), 42);
    history_request_frame request;
    request.before = 3;
    expect_not_joined(r.history(42, request), 42);
    expect_not_joined(r.mark_read(42, 1), 42);
    EXPECT_EQ(r.latest_seq(), 2u);
    r.leave(42, 0);
    EXPECT_FALSE(r.next_deadline().has_value());
}

TEST(room, send_as_follows_the_same_rules_as_send) {
    room_config config;
    config.rate = {2, 1000};
    local_room web = two_users(config);
    local_room socket = two_users(config);

    room_actions broadcasts;
    const send_outcome accepted = sent_as(web, ann, id_of(1), " via http ", 100, broadcasts);
    const room_actions over_socket = sent(socket, 1, id_of(1), " via http ", 100);
    ASSERT_TRUE(accepted.ack.has_value());
    EXPECT_FALSE(accepted.nack.has_value());
    EXPECT_FALSE(accepted.duplicate);
    const auto& ack = frame_of<ack_frame>(over_socket.at(0));
    EXPECT_EQ(accepted.ack->seq, ack.seq);
    EXPECT_EQ(accepted.ack->ts, ack.ts);
    EXPECT_EQ(accepted.ack->id, ack.id);
    ASSERT_EQ(broadcasts.size(), 1u);
    EXPECT_EQ(broadcasts[0].to, (conns{1, 2})) << "no connection sent it, so every member hears it";
    EXPECT_EQ(frame_of<message_frame>(broadcasts[0]).message,
              frame_of<message_frame>(over_socket.at(1)).message);

    broadcasts.clear();
    const send_outcome duplicate = sent_as(web, ann, id_of(1), "whatever", 900, broadcasts);
    EXPECT_TRUE(duplicate.duplicate);
    ASSERT_TRUE(duplicate.ack.has_value());
    EXPECT_EQ(duplicate.ack->seq, 1u);
    EXPECT_EQ(duplicate.ack->ts, 100);
    EXPECT_TRUE(broadcasts.empty());

    const send_outcome conflict = sent_as(web, bob, id_of(1), "x", 900, broadcasts);
    ASSERT_TRUE(conflict.nack.has_value());
    EXPECT_FALSE(conflict.ack.has_value());
    EXPECT_EQ(conflict.nack->code, errc::id_conflict);

    const send_outcome empty = sent_as(web, ann, id_of(2), " ", 900, broadcasts);
    ASSERT_TRUE(empty.nack.has_value());
    EXPECT_EQ(empty.nack->code, errc::empty_text);

    ASSERT_TRUE(sent_as(web, ann, id_of(3), "second", 100, broadcasts).ack.has_value());
    const send_outcome limited = sent_as(web, ann, id_of(4), "third", 100, broadcasts);
    ASSERT_TRUE(limited.nack.has_value());
    EXPECT_EQ(limited.nack->code, errc::rate_limited);
    EXPECT_EQ(limited.nack->retry_after_ms, std::optional<std::uint32_t>{1000});
    expect_nack(sent(web, 1, id_of(5), "over the socket", 100), 1, id_of(5), errc::rate_limited);
    EXPECT_TRUE(broadcasts.size() == 1u) << "only the accepted second message was broadcast";
}

TEST(room, send_says_what_it_decided) {
    local_room r = two_users();
    const send_outcome accepted = r.send(1, id_of(1), "hi", 100).outcome;
    ASSERT_TRUE(accepted.ack.has_value());
    EXPECT_FALSE(accepted.duplicate);
    EXPECT_FALSE(accepted.nack.has_value());
    const send_outcome again = r.send(1, id_of(1), "hi", 200).outcome;
    ASSERT_TRUE(again.ack.has_value());
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.ack->seq, accepted.ack->seq);
    const send_outcome refused = r.send(2, id_of(1), "mine", 300).outcome;
    ASSERT_TRUE(refused.nack.has_value());
    EXPECT_EQ(refused.nack->code, errc::id_conflict);
    EXPECT_FALSE(refused.ack.has_value());
    const send_result stranger = r.send(42, id_of(2), "who?", 400);
    EXPECT_FALSE(stranger.outcome.ack.has_value() || stranger.outcome.nack.has_value())
        << "not joined: no decision, only the answer";
    expect_not_joined(stranger.actions, 42);
}

TEST(room, send_as_works_without_any_member_connection) {
    local_room r("lobby", epoch_a);
    room_actions broadcasts;
    const send_outcome outcome = sent_as(r, cat, id_of(1), "nobody here", 10, broadcasts);
    ASSERT_TRUE(outcome.ack.has_value());
    EXPECT_EQ(r.latest_seq(), 1u);
    EXPECT_EQ(r.log().messages().latest(1).messages.at(0).from, cat);
}

TEST(room, dedupe_outlives_nothing_still_in_history) {
    room_config config = relaxed();
    config.dedupe_capacity = 1;
    config.history.max_messages = 5;
    local_room r = two_users(config);
    fill(r, 5);
    const room_actions again = sent(r, 1, id_of(101), "m0", 9999);
    ASSERT_EQ(again.size(), 1u) << "the oldest visible message is still deduplicated";
    expect_ack(again[0], 1, id_of(101), 1, 1000);
}

TEST(room, history_is_capped_by_bytes) {
    room_config config = relaxed();
    config.history.max_bytes = 3 * message_bytes(chat_message{1, id_of(1), ann, "m0", 0});
    local_room r = two_users(config);
    fill(r, 6);
    EXPECT_EQ(r.log().messages().size(), 3u);
    EXPECT_EQ(r.log().messages().first_seq(), 4u);
    EXPECT_LE(r.log().messages().bytes(), config.history.max_bytes);
}

TEST(room, join_with_a_position_of_another_epoch_gets_the_latest_page_truncated) {
    room_config config = relaxed();
    config.page_size = 2;
    local_room r = two_users(config);
    fill(r, 5);
    for (const join_frame& request :
         {resume(3, std::string("epoch-before-the-restart")), resume(9, std::nullopt)}) {
        const room_actions actions = r.join(8, cat, request, 0);
        EXPECT_EQ(frame_of<joined_frame>(actions.at(0)).epoch, epoch_a);
        const auto& history = frame_of<history_frame>(actions.at(1));
        EXPECT_EQ(history.mode, history_mode::after);
        EXPECT_TRUE(history.truncated) << "the position means nothing here";
        EXPECT_EQ(seqs(history.messages), (seq_list{4, 5}));
    }
}

TEST(room, a_join_that_names_no_epoch_is_taken_at_its_word_while_its_position_exists) {
    local_room r = two_users();
    fill(r, 5);
    const room_actions actions = r.join(8, cat, resume(3, std::nullopt), 0);
    const auto& history = frame_of<history_frame>(actions.at(1));
    EXPECT_FALSE(history.truncated);
    EXPECT_EQ(seqs(history.messages), (seq_list{4, 5}));
}

TEST(room, every_page_and_ack_carries_the_epoch) {
    local_room r("lobby", "e-42", relaxed());
    (void)r.join(1, ann, fresh(), 0);
    EXPECT_EQ(frame_of<ack_frame>(sent(r, 1, id_of(1), "x", 1).at(0)).epoch, "e-42");
    EXPECT_EQ(r.query(std::nullopt, std::nullopt, 5).epoch, std::optional<std::string>("e-42"));
    room_actions broadcasts;
    EXPECT_EQ(sent_as(r, bob, id_of(2), "y", 2, broadcasts).ack->epoch, "e-42");
}

TEST(room, the_member_list_is_capped_but_the_count_is_not) {
    room_config config;
    config.max_listed_members = 3;
    local_room r("lobby", epoch_a, config);
    for (connection_id conn = 1; conn <= 5; ++conn) {
        (void)r.join(conn, user_info{"u" + std::to_string(conn), "U"}, fresh(), 0);
    }
    (void)r.on_timer(config.presence_delay_ms);
    const room_actions actions = r.join(9, ann, fresh(), 1000);
    const auto& joined = frame_of<joined_frame>(actions.at(0));
    EXPECT_EQ(joined.member_count, 6u);
    EXPECT_EQ(joined.members, (std::vector<user_info>{ann, {"u1", "U"}, {"u2", "U"}})) << "the first by id";
    config.max_listed_members = 6;
    local_room exact("lobby", epoch_a, config);
    for (connection_id conn = 1; conn <= 6; ++conn) {
        (void)exact.join(conn, user_info{"u" + std::to_string(conn), "U"}, fresh(), 0);
    }
    (void)exact.on_timer(config.presence_delay_ms);
    EXPECT_EQ(frame_of<joined_frame>(exact.join(6, {"u6", "U"}, fresh(), 1000).at(0)).members.size(), 6u);
}

TEST(room, the_users_bucket_across_rooms_limits_every_room) {
    rate_table across({3, 1000});
    local_room lobby("lobby", epoch_a, relaxed(), &across);
    local_room other("other", epoch_a, relaxed(), &across);
    (void)lobby.join(1, ann, fresh(), 0);
    (void)other.join(2, ann, fresh(), 0);
    (void)other.join(3, bob, fresh(), 0);
    EXPECT_EQ(sent(lobby, 1, id_of(1), "a", 0).size(), 2u);
    EXPECT_EQ(sent(other, 2, id_of(2), "b", 0).size(), 2u);
    EXPECT_EQ(sent(lobby, 1, id_of(3), "c", 0).size(), 2u);
    const room_actions over = sent(other, 2, id_of(4), "d", 0);
    ASSERT_EQ(over.size(), 1u);
    EXPECT_EQ(frame_of<nack_frame>(over[0]).code, errc::rate_limited);
    EXPECT_EQ(frame_of<nack_frame>(over[0]).retry_after_ms, std::optional<std::uint32_t>{1000});
    EXPECT_EQ(sent(other, 3, id_of(5), "bob has his own", 0).size(), 2u);
    EXPECT_EQ(sent(lobby, 1, id_of(4), "d", 1000).size(), 2u) << "one more a second, in any room";
}

TEST(room, a_refused_send_spends_no_token_in_either_bucket) {
    rate_table across({1, 1000});
    room_config config;
    config.rate = {1, 1000};
    local_room r("lobby", epoch_a, config, &across);
    (void)r.join(1, ann, fresh(), 0);
    ASSERT_EQ(sent(r, 1, id_of(1), "one", 0).size(), 2u);
    expect_nack(sent(r, 1, id_of(2), "two", 500), 1, id_of(2), errc::rate_limited);
    EXPECT_EQ(sent(r, 1, id_of(2), "two", 1000).size(), 2u) << "the refusal at 500 took nothing";
}

TEST(room, per_user_bookkeeping_stays_bounded_while_the_room_is_busy) {
    room_config config;
    config.rate = {1, 1000};
    config.history.max_messages = 50;
    local_room r("lobby", epoch_a, config);
    (void)r.join(1, ann, fresh(), 0);
    millis now = 0;
    // 2000 users come, send, read and go, 10 a second, for 200 s.
    for (int i = 0; i < 2000; ++i, now += 100) {
        const connection_id conn = 10 + static_cast<connection_id>(i);
        const user_info user{"user" + std::to_string(i), "U"};
        (void)r.join(conn, user, fresh(), now);
        ASSERT_EQ(sent(r, conn, id_of(1000 + static_cast<std::uint64_t>(i)), "hi", now).size(), 2u);
        (void)r.mark_read(conn, r.latest_seq());
        r.leave(conn, now);
        (void)r.on_timer(now);
    }
    EXPECT_LE(r.log().rate_bucket_count(), 64u) << "only buckets still refilling are kept";
    EXPECT_LE(r.log().read_marker_count(), 128u) << "markers older than the history are dropped";
}

// The room's own steps, as the relay takes them when its log answers later
// (Redis): what a send's hold becomes when the answer or the message comes
// from elsewhere, or after the sender left.
send_attempt prepared(room& r, connection_id conn, std::uint64_t id, millis now) {
    auto step = r.prepare_send(conn, send_frame{r.id(), id_of(id), "x"}, now);
    EXPECT_TRUE(std::holds_alternative<send_attempt>(step));
    return std::holds_alternative<send_attempt>(step) ? std::get<send_attempt>(step) : send_attempt{};
}

send_decision refused_for(const send_attempt& attempt, std::uint32_t wait_ms) {
    send_decision decision;
    decision.outcome.nack = nack_frame{"lobby", attempt.id, errc::rate_limited, wait_ms};
    return decision;
}

TEST(room, a_hold_ends_when_its_message_is_delivered_from_anywhere) {
    room r("lobby");
    (void)r.join(1, ann, log_view{}, 0);
    const send_attempt first = prepared(r, 1, 1, 0);
    (void)r.settle(1, first, refused_for(first, 400));
    EXPECT_GT(prepared(r, 1, 2, 10).held_wait_ms, 0u) << "held behind the refused one";
    // Accepted through another path (another relay, an HTTP POST): its message comes.
    chat_message message{1, id_of(1), ann, "x", 20, std::nullopt, false};
    (void)r.deliver(message);
    EXPECT_EQ(prepared(r, 1, 3, 30).held_wait_ms, 0u);
}

TEST(room, a_delivery_lists_its_recipients_in_the_list_handed_back_emptied_first) {
    room r("lobby");
    (void)r.join(1, ann, log_view{}, 0);
    (void)r.join(2, bob, log_view{}, 0);
    const chat_message message{1, id_of(1), ann, "x", 20, std::nullopt, false};
    std::vector<connection_id> last_list{7, 8, 9};
    last_list.reserve(64);
    const auto* memory = last_list.data();
    const room_action action = r.deliver(message, std::move(last_list));
    EXPECT_EQ(action.to, (std::vector<connection_id>{1, 2})) << "nothing of the last delivery's list is left";
    EXPECT_EQ(action.to.data(), memory) << "its memory is reused";
}

TEST(room, a_refusal_for_a_connection_that_left_holds_nothing_back) {
    room r("lobby");
    (void)r.join(1, ann, log_view{}, 0);
    const send_attempt sent_before_leaving = prepared(r, 1, 1, 0);
    r.leave(1, 5);
    const room_actions answer = r.settle(1, sent_before_leaving, refused_for(sent_before_leaving, 400));
    ASSERT_EQ(answer.size(), 1u) << "the refusal still reaches it";
    (void)r.join(1, ann, log_view{}, 10);
    EXPECT_EQ(prepared(r, 1, 2, 20).held_wait_ms, 0u) << "no hold from before it left";
}

// The presence frames of one due timer, to whoever is a member.
std::vector<presence_frame> presence_due(room& r) {
    std::vector<presence_frame> frames;
    const auto due = r.next_deadline();
    if (!due) return frames;
    for (const room_action& action : r.on_timer(*due)) {
        if (const auto* presence = std::get_if<presence_frame>(&action.frame)) frames.push_back(*presence);
    }
    return frames;
}

TEST(room, users_on_other_relays_are_present_like_those_here) {
    room r("lobby");
    (void)r.join(1, ann, log_view{}, 0);
    (void)presence_due(r);
    r.elsewhere(bob, true, 100);
    auto presence = presence_due(r);
    ASSERT_EQ(presence.size(), 1u);
    EXPECT_EQ(presence[0].event, presence_event::join);
    EXPECT_EQ(presence[0].user, bob);
    EXPECT_EQ(presence[0].member_count, 2u);
    EXPECT_FALSE(r.here("bob"));
    EXPECT_EQ(r.members(), (std::vector<user_info>{ann})) << "only who is connected here";

    // A joiner's list has them too.
    const room_actions joined = r.join(2, cat, log_view{}, 200);
    const auto& members = frame_of<joined_frame>(joined.at(0)).members;
    EXPECT_EQ(members, (std::vector<user_info>{ann, bob, cat}));
    (void)presence_due(r);

    // Bob connects here as well, then leaves here: still present elsewhere.
    (void)r.join(3, bob, log_view{}, 300);
    EXPECT_TRUE(r.here("bob"));
    r.leave(3, 310);
    EXPECT_TRUE(presence_due(r).empty()) << "bob never stopped being present";

    // Told twice is told once; gone from everywhere is a leave.
    r.elsewhere(bob, true, 400);
    EXPECT_FALSE(r.next_deadline().has_value());
    r.elsewhere(bob, false, 500);
    presence = presence_due(r);
    ASSERT_EQ(presence.size(), 1u);
    EXPECT_EQ(presence[0].event, presence_event::leave);
    EXPECT_EQ(presence[0].user, bob);
    EXPECT_EQ(presence[0].member_count, 2u);
}

TEST(room, a_user_leaving_here_but_present_elsewhere_is_not_announced_as_leaving) {
    room r("lobby");
    (void)r.join(1, ann, log_view{}, 0);
    (void)r.join(2, bob, log_view{}, 0);
    (void)presence_due(r);
    r.elsewhere(bob, true, 100);
    r.leave(2, 100);
    EXPECT_TRUE(presence_due(r).empty());
    r.elsewhere(bob, false, 200);
    const auto presence = presence_due(r);
    ASSERT_EQ(presence.size(), 1u);
    EXPECT_EQ(presence[0].event, presence_event::leave);
    EXPECT_EQ(presence[0].member_count, 1u);
}

}  // namespace
}  // namespace roomchat
