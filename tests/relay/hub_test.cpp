#include "hub.hpp"

#include <gtest/gtest.h>

#include "roomchat/codec.hpp"

#include "hub_harness.hpp"

namespace roomchat::relay {
namespace {

using nlohmann::json;
using relay_test::hub_harness;
using relay_test::message_id_hex;
using relay_test::unit_config;

json presence(const std::string& room, const std::string& event, const std::string& user, int count) {
    return {{"type", "presence"},
            {"room", room},
            {"event", event},
            {"user", {{"id", user}, {"name", user}}},
            {"member_count", count}};
}

json error(const std::string& code, const std::string& room) {
    return {{"type", "error"}, {"code", code}, {"room", room}};
}

// An error frame without its human-readable message, for comparing with error().
json without_message(json frame) {
    frame.erase("message");
    return frame;
}

// A token's claims for `user` admitting every room, valid an hour from `now`.
token_claims claims_for(const std::string& user, millis now) {
    return {{user, user}, {"*"}, now + 3'600'000, false, {}};
}

// An HTTP answer as JSON: the page as the HTTP API sends it, or the error code as a string.
json answer_json(const api_answer& answer) {
    if (const auto* page = std::get_if<history_frame>(&answer))
        return json::parse(encode(server_frame{*page}));
    return std::string(to_string(std::get<errc>(answer)));
}

// The answer given at once, as a T; nothing after failing the test when
// there was none or it was something else.
template <class T>
std::optional<T> answered(const std::optional<api_answer>& answer) {
    const T* as = answer ? std::get_if<T>(&*answer) : nullptr;
    EXPECT_NE(as, nullptr) << (answer ? "answered otherwise" : "not answered at once");
    return as == nullptr ? std::nullopt : std::optional<T>(*as);
}

// The texts of a page's messages, oldest first.
std::vector<std::string> texts(const json& page) {
    std::vector<std::string> found;
    for (const auto& message : page.at("messages")) found.push_back(message.at("text"));
    return found;
}

// Holds a poll on HTTP connection `conn`; fails the test when it is answered or refused.
void hold(hub_harness& h, connection_id conn, const std::string& user, const std::string& room, seq_t after,
          millis wait_ms = 20'000) {
    const auto polled = h.hub.poll(conn, claims_for(user, h.now), room, after, 50, wait_ms, h.now);
    EXPECT_FALSE(polled) << "answered at once";
}

TEST(hub, auth_welcomes_with_the_tokens_user_and_the_room_limits) {
    hub_harness h;
    h.hub.opened(1, "10.0.0.1", h.now);
    EXPECT_EQ(h.out.wakes.at(1), h.now + h.config.auth_timeout_ms);
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", h.token("ann", {"lobby"}, 60'000)}, {"batch", true}});
    const json welcome = h.out.take_one(1);
    const millis expiry = (h.now + 60'000) / 1000 * 1000;
    EXPECT_EQ(welcome, (json{{"type", "welcome"},
                             {"user", {{"id", "ann"}, {"name", "ann"}}},
                             {"max_text_code_points", 500},
                             {"rate", {{"burst", 5}, {"refill_interval_ms", 1000}}},
                             {"token_expires_at", expiry}}));
    EXPECT_TRUE(h.out.batches.at(1));
    EXPECT_EQ(h.out.wakes.at(1), expiry + h.config.token_grace_ms);
    EXPECT_EQ(h.hub.connection_count(), 1U);
    EXPECT_TRUE(h.out.closes.empty());
}

TEST(hub, first_frame_other_than_auth_closes_the_connection) {
    hub_harness h;
    h.hub.opened(1, "10.0.0.1", h.now);
    h.text(1, {{"type", "join"}, {"room", "lobby"}});
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "auth_required");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].code, close_code::policy_violation);
    EXPECT_EQ(h.out.closes[0].reason, "auth_required");
    EXPECT_EQ(h.metrics.auth_failures, 1U);
    // A closing connection is not listened to any more.
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", h.token("ann")}});
    EXPECT_TRUE(h.out.take(1).empty());
}

TEST(hub, first_frame_that_is_not_json_closes_the_connection) {
    hub_harness h;
    h.hub.opened(1, "10.0.0.1", h.now);
    h.hub.text(1, "{not json", h.now);
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "malformed_json");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].reason, "malformed_json");
    EXPECT_EQ(h.metrics.auth_failures, 1U);
}

TEST(hub, bad_frame_after_auth_is_answered_without_closing) {
    hub_harness h;
    h.connect(1, "ann");
    h.hub.text(1, "[]", h.now);
    EXPECT_EQ(h.out.take_one(1)["type"], "error");
    h.text(1, {{"type", "send"}, {"room", "lobby"}, {"id", message_id_hex(1)}});
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "missing_field");
    EXPECT_TRUE(h.out.closes.empty());
}

TEST(hub, token_signed_with_another_secret_is_refused_and_closed) {
    hub_harness h;
    h.hub.opened(1, "10.0.0.1", h.now);
    const std::string forged =
        mint_token("another-secret-0123456789abcdefghijklmn", {"ann", "ann"}, {"*"}, h.now + 60'000);
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", forged}});
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "auth_failed");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].reason, "auth_failed");
    EXPECT_EQ(h.metrics.auth_failures, 1U);
    EXPECT_NE(h.log_text.str().find("auth_failed"), std::string::npos);
}

TEST(hub, expired_token_is_refused_with_token_expired) {
    hub_harness h;
    h.hub.opened(1, "10.0.0.1", h.now);
    const std::string token = h.token("ann", {"*"}, 1'000);
    h.now += 2'000;
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", token}});
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "token_expired");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].reason, "token_expired");
}

TEST(hub, no_auth_before_the_deadline_closes_with_auth_timeout) {
    hub_harness h;
    h.hub.opened(1, "10.0.0.1", h.now);
    h.now += h.config.auth_timeout_ms;
    h.hub.deadline(1, h.now);
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "auth_timeout");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].reason, "auth_timeout");
    // Later wake-ups of a closing connection do nothing.
    h.hub.deadline(1, h.now + 1);
    EXPECT_EQ(h.out.closes.size(), 1U);
}

TEST(hub, first_auths_beyond_the_address_rate_are_refused) {
    auto config = unit_config();
    config.ip_rate = {1, 60'000};
    hub_harness h(config);
    h.connect(1, "ann");  // address 10.0.0.1
    h.hub.opened(251, "10.0.0.1", h.now);
    h.text(251, {{"type", "auth"}, {"v", 1}, {"token", h.token("bob")}});
    EXPECT_EQ(h.out.take_one(251).value("code", ""), "rate_limited");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].conn, 251U);
    EXPECT_EQ(h.metrics.address_refusals, 1U);
}

TEST(hub, send_is_acked_to_the_sender_and_delivered_to_the_other_members) {
    hub_harness h;
    h.connect(1, "ann");
    h.connect(2, "bob");
    h.connect(3, "cat");
    const json joined = h.join(1, "lobby");
    EXPECT_EQ(joined["epoch"], "0000000000000001");
    h.join(2, "lobby");
    h.join(3, "elsewhere");
    h.poll();
    h.out.clear();

    h.send(1, "lobby", message_id_hex(1), "hello");
    const json ack = h.out.take_one(1);
    EXPECT_EQ(ack, (json{{"type", "ack"},
                         {"room", "lobby"},
                         {"epoch", "0000000000000001"},
                         {"id", message_id_hex(1)},
                         {"seq", 1},
                         {"ts", h.now}}));
    const json delivered = h.out.take_one(2);
    EXPECT_EQ(delivered, (json{{"type", "message"},
                               {"room", "lobby"},
                               {"message",
                                {{"seq", 1},
                                 {"id", message_id_hex(1)},
                                 {"from", {{"id", "ann"}, {"name", "ann"}}},
                                 {"text", "hello"},
                                 {"ts", h.now}}}}));
    EXPECT_TRUE(h.out.take(3).empty());
    EXPECT_EQ(h.metrics.messages_accepted, 1U);
    EXPECT_EQ(h.metrics.acks, 1U);
    EXPECT_EQ(h.metrics.deliveries, 1U);
    EXPECT_EQ(h.metrics.fanout_count, 1U);
}

TEST(hub, resend_of_an_accepted_id_is_acked_again_and_not_delivered_twice) {
    hub_harness h;
    h.connect(1, "ann");
    h.connect(2, "bob");
    h.join(1, "lobby");
    h.join(2, "lobby");
    h.poll();
    h.out.clear();
    h.send(1, "lobby", message_id_hex(7), "once");
    const json first = h.out.take_one(1);
    h.out.clear();
    h.now += 5'000;
    h.send(1, "lobby", message_id_hex(7), "once");
    EXPECT_EQ(h.out.take_one(1), first);
    EXPECT_TRUE(h.out.take(2).empty());
    EXPECT_EQ(h.metrics.dedupe_hits, 1U);
    EXPECT_EQ(h.metrics.messages_accepted, 1U);
    // The same id from another user is a conflict.
    h.send(2, "lobby", message_id_hex(7), "mine");
    const json nack = h.out.take_one(2);
    EXPECT_EQ(nack["type"], "nack");
    EXPECT_EQ(nack["code"], "id_conflict");
}

TEST(hub, sixth_message_of_a_burst_is_nacked_rate_limited) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    for (std::uint32_t i = 1; i <= 5; ++i) {
        h.send(1, "lobby", message_id_hex(i), "m" + std::to_string(i));
        EXPECT_EQ(h.out.take_one(1)["seq"], i);
    }
    h.send(1, "lobby", message_id_hex(6), "m6");
    const json nack = h.out.take_one(1);
    EXPECT_EQ(nack["type"], "nack");
    EXPECT_EQ(nack["code"], "rate_limited");
    EXPECT_EQ(nack["retry_after_ms"], 1000);
    EXPECT_EQ(h.metrics.rate_limited, 1U);
    h.now += 1'000;
    h.send(1, "lobby", message_id_hex(6), "m6");
    EXPECT_EQ(h.out.take_one(1)["seq"], 6);
}

TEST(hub, frames_naming_a_room_not_joined_are_answered_not_joined) {
    hub_harness h;
    h.connect(1, "ann");
    h.connect(2, "bob");
    h.join(2, "lobby");  // the room exists, but 1 is not in it
    for (const std::string room : {"lobby", "nowhere"}) {
        h.send(1, room, message_id_hex(1), "hi");
        EXPECT_EQ(without_message(h.out.take_one(1)), error("not_joined", room));
        h.text(1, {{"type", "history_request"}, {"room", room}, {"limit", 10}});
        EXPECT_EQ(without_message(h.out.take_one(1)), error("not_joined", room));
        h.text(1, {{"type", "read"}, {"room", room}, {"seq", 1}});
        EXPECT_EQ(without_message(h.out.take_one(1)), error("not_joined", room));
        h.text(1, {{"type", "leave"}, {"room", room}});
        EXPECT_EQ(without_message(h.out.take_one(1)), error("not_joined", room));
    }
}

TEST(hub, history_requests_are_answered_with_the_asked_page) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    for (std::uint32_t i = 1; i <= 3; ++i) h.send(1, "lobby", message_id_hex(i), "m" + std::to_string(i));
    h.out.clear();
    h.text(1, {{"type", "history_request"}, {"room", "lobby"}, {"before", 3}, {"limit", 1}});
    const json before = h.out.take_one(1);
    EXPECT_EQ(before["mode"], "before");
    ASSERT_EQ(before["messages"].size(), 1U);
    EXPECT_EQ(before["messages"][0]["text"], "m2");
    EXPECT_EQ(before["has_more"], true);
    h.text(1, {{"type", "history_request"}, {"room", "lobby"}, {"after", 1}, {"limit", 10}});
    const json after = h.out.take_one(1);
    EXPECT_EQ(after["mode"], "after");
    ASSERT_EQ(after["messages"].size(), 2U);
    EXPECT_EQ(after["messages"][1]["seq"], 3);
    EXPECT_EQ(after["truncated"], false);
    // A rejoin with since gets what came after it.
    h.text(1, {{"type", "join"}, {"room", "lobby"}, {"since", 2}, {"epoch", "0000000000000001"}});
    const auto frames = h.out.take(1);
    ASSERT_EQ(frames.size(), 2U);
    EXPECT_EQ(frames[1]["mode"], "after");
    ASSERT_EQ(frames[1]["messages"].size(), 1U);
    EXPECT_EQ(frames[1]["messages"][0]["seq"], 3);
}

TEST(hub, read_marker_is_echoed_to_the_users_other_connections_only) {
    hub_harness h;
    h.connect(1, "ann");
    h.connect(2, "ann");
    h.connect(3, "bob");
    h.join(1, "lobby");
    h.join(2, "lobby");
    h.join(3, "lobby");
    h.send(3, "lobby", message_id_hex(1), "read me");
    h.poll();
    h.out.clear();
    h.text(1, {{"type", "read"}, {"room", "lobby"}, {"seq", 1}});
    EXPECT_TRUE(h.out.take(1).empty());
    EXPECT_EQ(h.out.take_one(2), (json{{"type", "read_marker"}, {"room", "lobby"}, {"seq", 1}}));
    EXPECT_TRUE(h.out.take(3).empty());
    // The marker never moves back, and a rejoin reports it.
    h.text(2, {{"type", "read"}, {"room", "lobby"}, {"seq", 0}});
    EXPECT_TRUE(h.out.take(1).empty());
    EXPECT_EQ(h.join(2, "lobby")["read_seq"], 1);
}

TEST(hub, presence_tells_the_members_who_came_and_who_left) {
    hub_harness h;
    h.connect(1, "ann");
    h.connect(2, "bob");
    h.join(1, "lobby");
    h.poll();
    h.out.clear();
    const json joined = h.join(2, "lobby");
    EXPECT_EQ(joined["member_count"], 2);
    h.poll();
    EXPECT_EQ(h.out.take_one(1), presence("lobby", "join", "bob", 2));
    h.out.clear();
    h.now += 1'000;
    h.text(2, {{"type", "leave"}, {"room", "lobby"}});
    EXPECT_TRUE(h.out.take(2).empty());  // leave has no answer
    h.poll();
    EXPECT_EQ(h.out.take_one(1), presence("lobby", "leave", "bob", 1));
    // Bob is no longer a member: his send is not_joined.
    h.send(2, "lobby", message_id_hex(1), "hi");
    EXPECT_EQ(h.out.take_one(2)["code"], "not_joined");
}

TEST(hub, joining_twice_answers_again_and_counts_once) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    const json again = h.join(1, "lobby");
    EXPECT_EQ(again["member_count"], 1);
    EXPECT_EQ(h.rooms.size(), 1U);
}

TEST(hub, room_the_token_does_not_admit_is_forbidden) {
    hub_harness h;
    h.connect(1, "ann", {"lobby"});
    h.text(1, {{"type", "join"}, {"room", "movie"}});
    EXPECT_EQ(without_message(h.out.take_one(1)), error("room_forbidden", "movie"));
    EXPECT_EQ(h.rooms.size(), 0U);
}

TEST(hub, rooms_per_connection_are_capped_at_the_limit) {
    auto config = unit_config();
    config.max_rooms_per_connection = 2;
    hub_harness h(config);
    h.connect(1, "ann");
    h.join(1, "r1");
    h.join(1, "r2");  // at the limit
    h.text(1, {{"type", "join"}, {"room", "r3"}});
    const json refused = h.out.take_one(1);
    EXPECT_EQ(without_message(refused), error("too_many_rooms", "r3"));
    EXPECT_EQ(refused["message"], "a connection may be in 2 rooms");
    h.join(1, "r2");  // a room it is in is still answered
    h.text(1, {{"type", "leave"}, {"room", "r1"}});
    h.join(1, "r3");  // below the limit again
}

TEST(hub, rooms_per_user_are_capped_over_their_connections) {
    auto config = unit_config();
    config.max_rooms_per_user = 2;
    hub_harness h(config);
    h.connect(1, "ann");
    h.connect(2, "ann");
    h.join(1, "r1");
    h.join(2, "r2");
    h.join(2, "r1");  // a room the user is in already costs nothing
    h.text(1, {{"type", "join"}, {"room", "r3"}});
    const json refused = h.out.take_one(1);
    EXPECT_EQ(without_message(refused), error("too_many_rooms", "r3"));
    EXPECT_EQ(refused["message"], "a user may be in 2 rooms");
    h.hub.closed(2, h.now);  // r2 is left with it
    h.join(1, "r3");
}

TEST(hub, connections_per_user_are_capped_at_the_limit) {
    auto config = unit_config();
    config.max_connections_per_user = 2;
    hub_harness h(config);
    h.connect(1, "ann");
    h.connect(2, "ann");
    h.hub.opened(3, "10.0.0.3", h.now);
    h.text(3, {{"type", "auth"}, {"v", 1}, {"token", h.token("ann")}});
    EXPECT_EQ(h.out.take_one(3).value("code", ""), "too_many_connections");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].reason, "too_many_connections");
    h.hub.closed(3, h.now);
    h.hub.closed(1, h.now);
    EXPECT_EQ(h.hub.connection_count(), 1U);
    h.connect(4, "ann");  // one was freed
}

TEST(hub, requests_beyond_the_connections_rate_are_refused) {
    auto config = unit_config();
    config.request_rate = {2, 1'000};
    hub_harness h(config);
    h.connect(1, "ann");  // the first auth is charged to the address
    h.join(1, "lobby");
    h.text(1, {{"type", "read"}, {"room", "lobby"}, {"seq", 0}});
    h.text(1, {{"type", "history_request"}, {"room", "lobby"}, {"limit", 5}});
    const json refused = h.out.take_one(1);
    EXPECT_EQ(without_message(refused), error("rate_limited", "lobby"));
    EXPECT_EQ(refused["message"], "too many requests; the next in 1000 ms");
    EXPECT_EQ(h.metrics.requests_refused, 1U);
    // A refresh is a request too, and its refusal names no room.
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", h.token("ann")}});
    EXPECT_EQ(h.out.take_one(1), (json{{"type", "error"},
                                       {"code", "rate_limited"},
                                       {"message", "too many requests; the next in 1000 ms"}}));
    h.now += 1'000;
    h.text(1, {{"type", "history_request"}, {"room", "lobby"}, {"limit", 5}});
    EXPECT_EQ(h.out.take_one(1)["type"], "history");
}

TEST(hub, rooms_a_user_creates_beyond_the_creation_rate_are_refused) {
    auto config = unit_config();
    config.room_creation_rate = {1, 6'000};
    hub_harness h(config);
    h.connect(1, "ann");
    h.connect(2, "bob");
    h.join(1, "r1");
    h.text(1, {{"type", "join"}, {"room", "r2"}});
    const json refused = h.out.take_one(1);
    EXPECT_EQ(without_message(refused), error("rate_limited", "r2"));
    EXPECT_EQ(refused["message"], "creating rooms too fast; the next in 6000 ms");
    h.join(1, "r1");  // an existing room costs nothing
    h.join(2, "r2");  // another user's allowance
    h.now += 6'000;
    h.join(1, "r3");
}

TEST(hub, new_rooms_past_the_relays_cap_are_room_full_unless_one_is_idle) {
    auto config = unit_config();
    config.max_rooms = 1;
    hub_harness h(config);
    h.connect(1, "ann");
    h.join(1, "r1");
    h.text(1, {{"type", "join"}, {"room", "r2"}});
    const json refused = h.out.take_one(1);
    EXPECT_EQ(without_message(refused), error("room_full", "r2"));
    EXPECT_EQ(refused["message"], "every room the relay can hold is in use");
    h.text(1, {{"type", "leave"}, {"room", "r1"}});
    h.join(1, "r2");  // r1 was idle: it made way
    EXPECT_EQ(h.rooms.size(), 1U);
    EXPECT_EQ(h.rooms.find("r1"), nullptr);
}

TEST(hub, frames_faster_than_the_flood_limit_close_the_connection) {
    auto config = unit_config();
    config.frame_rate = {4, 1'000};
    hub_harness h(config);
    h.connect(1, "ann");  // frame 1
    h.connect(2, "bob");
    h.join(1, "lobby");  // frame 2
    h.join(2, "lobby");
    h.poll();
    h.out.clear();
    h.hub.pong(1, h.now);                // frame 3
    EXPECT_TRUE(h.hub.ping(1, h.now));   // frame 4
    EXPECT_FALSE(h.hub.ping(1, h.now));  // one too many
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].code, close_code::policy_violation);
    EXPECT_EQ(h.out.closes[0].reason, "rate_limited");
    EXPECT_EQ(h.metrics.flood_disconnects, 1U);
    h.poll();
    EXPECT_EQ(h.out.take_one(2), presence("lobby", "leave", "ann", 1));
    // Nothing more reaches it, nor is heard from it.
    h.send(2, "lobby", message_id_hex(1), "gone?");
    EXPECT_TRUE(h.out.take(1).empty());
    EXPECT_EQ(h.metrics.deliveries, 0U);
    h.hub.binary(1, h.now);
    EXPECT_TRUE(h.out.take(1).empty());
}

TEST(hub, binary_frames_are_answered_with_an_error) {
    hub_harness h;
    h.connect(1, "ann");
    h.hub.binary(1, h.now);
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "binary_frame");
    EXPECT_TRUE(h.out.closes.empty());
}

TEST(hub, pings_beyond_their_rate_get_no_pong_and_a_flood_of_them_closes) {
    hub_harness h;
    h.connect(1, "ann");
    for (std::uint32_t i = 0; i < ping_limit.burst; ++i) EXPECT_TRUE(h.hub.ping(1, h.now));
    for (std::uint32_t i = 0; i < max_ignored_pings; ++i) EXPECT_FALSE(h.hub.ping(1, h.now));
    EXPECT_TRUE(h.out.closes.empty());
    EXPECT_EQ(h.metrics.pings_ignored, max_ignored_pings);
    EXPECT_FALSE(h.hub.ping(1, h.now));
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].reason, "rate_limited");
    EXPECT_EQ(h.metrics.flood_disconnects, 1U);
}

TEST(hub, expired_token_gets_a_grace_then_the_connection_leaves_and_closes) {
    hub_harness h;
    h.hub.opened(1, "10.0.0.1", h.now);
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", h.token("ann", {"*"}, 10'000)}});
    const millis expiry = h.out.take_one(1)["token_expires_at"].get<millis>();
    h.connect(2, "bob");
    h.join(1, "lobby");
    h.join(2, "lobby");
    h.poll();
    h.out.clear();

    h.now = expiry;
    h.send(1, "lobby", message_id_hex(1), "late");
    EXPECT_EQ(
        h.out.take_one(1),
        (json{{"type", "nack"}, {"room", "lobby"}, {"id", message_id_hex(1)}, {"code", "token_expired"}}));
    for (const json& frame :
         {json{{"type", "join"}, {"room", "lobby"}}, json{{"type", "read"}, {"room", "lobby"}, {"seq", 0}},
          json{{"type", "history_request"}, {"room", "lobby"}, {"limit", 5}}}) {
        h.text(1, frame);
        EXPECT_EQ(without_message(h.out.take_one(1)), error("token_expired", "lobby")) << frame.dump();
    }
    // Deliveries go on during the grace.
    h.send(2, "lobby", message_id_hex(2), "still here?");
    EXPECT_EQ(h.out.take_one(1)["type"], "message");
    EXPECT_EQ(h.out.take_one(2)["type"], "ack");

    h.hub.deadline(1, expiry + 1);  // early: the wake-up is asked for again
    EXPECT_EQ(h.out.wakes.at(1), expiry + h.config.token_grace_ms);
    EXPECT_TRUE(h.out.closes.empty());
    h.now = expiry + h.config.token_grace_ms;
    h.hub.deadline(1, h.now);
    EXPECT_EQ(h.out.take_one(1).value("code", ""), "token_expired");
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].reason, "token_expired");
    EXPECT_EQ(h.metrics.token_expiry_disconnects, 1U);
    h.poll();
    EXPECT_EQ(h.out.take_one(2), presence("lobby", "leave", "ann", 1));
}

TEST(hub, refresh_with_a_fresh_token_moves_the_deadline) {
    hub_harness h;
    h.connect(1, "ann");
    const millis first = h.out.wakes.at(1);
    h.now += 1'000;
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", h.token("ann", {"*"}, 7'200'000)}});
    const json welcome = h.out.take_one(1);
    EXPECT_EQ(welcome["type"], "welcome");
    EXPECT_EQ(h.out.wakes.at(1), welcome["token_expires_at"].get<millis>() + h.config.token_grace_ms);
    EXPECT_GT(h.out.wakes.at(1), first);
    EXPECT_EQ(h.hub.connection_count(), 1U);
}

TEST(hub, refused_refresh_keeps_the_connection_on_its_token) {
    hub_harness h;
    h.connect(1, "ann");
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", h.token("bob")}});
    EXPECT_EQ(h.out.take_one(1), (json{{"type", "error"},
                                       {"code", "auth_failed"},
                                       {"message", "a refreshed token must name the same user"}}));
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", "not.a.token"}});
    const json bad = h.out.take_one(1);
    EXPECT_EQ(bad["code"], "auth_failed");
    EXPECT_EQ(bad["message"].get<std::string>().rfind("refresh refused: ", 0), 0U) << bad.dump();
    EXPECT_TRUE(h.out.closes.empty());
    EXPECT_EQ(h.metrics.auth_failures, 2U);
    h.join(1, "lobby");
}

TEST(hub, refresh_that_no_longer_admits_a_room_leaves_it) {
    hub_harness h;
    h.connect(1, "ann", {"lobby", "movie"});
    h.join(1, "lobby");
    h.join(1, "movie");
    h.text(1, {{"type", "auth"}, {"v", 1}, {"token", h.token("ann", {"lobby"})}});
    const auto frames = h.out.take(1);
    ASSERT_EQ(frames.size(), 2U);
    EXPECT_EQ(without_message(frames[0]), error("room_forbidden", "movie"));
    EXPECT_EQ(frames[1]["type"], "welcome");
    EXPECT_FALSE(h.rooms.find("movie")->is_member(1));
    EXPECT_TRUE(h.rooms.find("lobby")->is_member(1));
}

TEST(hub, drop_leaves_every_room_and_closes_with_the_given_code) {
    hub_harness h;
    h.connect(1, "ann");
    h.connect(2, "bob");
    h.join(1, "r1");
    h.join(1, "r2");
    h.join(2, "r1");
    h.join(2, "r2");
    h.poll();
    h.out.clear();
    h.hub.drop(1, errc::slow_consumer, close_code::try_again_later, h.now);
    ASSERT_EQ(h.out.closes.size(), 1U);
    EXPECT_EQ(h.out.closes[0].code, close_code::try_again_later);
    EXPECT_EQ(h.out.closes[0].reason, "slow_consumer");
    EXPECT_EQ(h.metrics.slow_consumer_disconnects, 1U);
    EXPECT_NE(h.log_text.str().find("connection_dropped"), std::string::npos);
    h.poll();
    const auto heard = h.out.take(2);
    ASSERT_EQ(heard.size(), 2U);
    EXPECT_EQ(heard[0]["event"], "leave");
    EXPECT_EQ(heard[1]["event"], "leave");
    // Dropping again, or a wake-up, does nothing; closing forgets it.
    h.hub.drop(1, errc::slow_consumer, close_code::try_again_later, h.now);
    EXPECT_EQ(h.out.closes.size(), 1U);
    h.hub.closed(1, h.now);
    h.hub.closed(1, h.now);
    EXPECT_EQ(h.hub.connection_count(), 1U);
}

TEST(hub, closed_connection_leaves_its_rooms_which_are_dropped_when_idle) {
    auto config = unit_config();
    config.room_idle_ttl_ms = 1;
    hub_harness h(config);
    h.connect(1, "ann");
    h.join(1, "lobby");
    h.hub.closed(1, h.now);
    EXPECT_EQ(h.hub.connection_count(), 0U);
    EXPECT_EQ(h.rooms.size(), 1U);
    h.io.restart();
    h.io.run_for(std::chrono::milliseconds(200));
    EXPECT_EQ(h.rooms.size(), 0U);
}

TEST(hub, http_post_is_delivered_to_every_member_and_deduped) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    const auto id = message_id::parse(message_id_hex(9));
    ASSERT_TRUE(id);
    const auto first = answered<send_outcome>(h.hub.post_message(
        200, {"bot", "Bot"}, "lobby", send_frame{"lobby", *id, "from http", 754'000}, false, false, h.now));
    ASSERT_TRUE(first);
    ASSERT_TRUE(first->ack);
    EXPECT_EQ(first->ack->seq, 1U);
    EXPECT_FALSE(first->duplicate);
    const json delivered = h.out.take_one(1);
    EXPECT_EQ(delivered["message"]["from"], (json{{"id", "bot"}, {"name", "Bot"}}));
    EXPECT_EQ(delivered["message"]["text"], "from http");
    EXPECT_EQ(delivered["message"]["media_ms"], 754'000);
    const auto again = answered<send_outcome>(
        h.hub.post_message(201, {"bot", "Bot"}, "lobby", send_frame{"lobby", *id, "from http", std::nullopt},
                           false, false, h.now));
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->duplicate);
    EXPECT_TRUE(h.out.take(1).empty());
}

TEST(hub, http_post_beyond_the_caps_is_refused) {
    auto config = unit_config();
    config.max_rooms = 1;
    config.room_creation_rate = {1, 6'000};
    hub_harness h(config);
    h.connect(1, "ann");
    h.join(1, "r1");
    const auto id = message_id::parse(message_id_hex(1));
    ASSERT_TRUE(id);
    // The user "ann" created r1: a second room is too fast.
    const auto too_fast = answered<errc>(h.hub.post_message(
        200, {"ann", "ann"}, "r2", send_frame{"r2", *id, "x", std::nullopt}, false, false, h.now));
    ASSERT_TRUE(too_fast);
    EXPECT_EQ(*too_fast, errc::rate_limited);
    const auto full = answered<errc>(h.hub.post_message(
        201, {"bot", "bot"}, "r2", send_frame{"r2", *id, "x", std::nullopt}, false, false, h.now));
    ASSERT_TRUE(full);
    EXPECT_EQ(*full, errc::room_full);
}

TEST(hub, query_of_a_room_the_relay_does_not_hold_is_an_empty_page_without_epoch) {
    hub_harness h;
    const auto page = answered<history_frame>(h.hub.query(200, "nowhere", std::nullopt, std::nullopt, 10));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->room, "nowhere");
    EXPECT_FALSE(page->epoch);
    EXPECT_TRUE(page->messages.empty());
}

TEST(hub, poll_with_messages_after_the_position_is_answered_at_once) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    h.send(1, "lobby", message_id_hex(1), "one");
    h.send(1, "lobby", message_id_hex(2), "two");
    const auto polled = h.hub.poll(100, claims_for("bob", h.now), "lobby", 1, 50, 20'000, h.now);
    ASSERT_TRUE(answered<history_frame>(polled));
    const json page = answer_json(*polled);
    EXPECT_EQ(page["mode"], "after");
    EXPECT_EQ(texts(page), std::vector<std::string>{"two"});
    EXPECT_EQ(h.hub.held_poll_count(), 0U);
    EXPECT_TRUE(h.out.answers.empty());
}

TEST(hub, held_poll_is_answered_with_the_message_a_web_socket_member_sends) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    h.send(1, "lobby", message_id_hex(1), "before");
    h.out.clear();
    hold(h, 100, "bob", "lobby", 1);
    EXPECT_EQ(h.hub.held_poll_count(), 1U);
    EXPECT_EQ(h.out.wakes.at(100), h.now + 20'000);
    EXPECT_TRUE(h.out.answers.empty());
    h.send(1, "lobby", message_id_hex(2), "after");
    ASSERT_EQ(h.out.answers.size(), 1U);
    EXPECT_EQ(h.out.answers[0].first, 100U);
    const json page = answer_json(h.out.answers[0].second);
    EXPECT_EQ(page["epoch"], "0000000000000001");
    EXPECT_EQ(texts(page), std::vector<std::string>{"after"});
    EXPECT_EQ(h.hub.held_poll_count(), 0U);
    // Answered once: the wake-up that comes later finds nothing held.
    h.hub.deadline(100, h.now + 20'000);
    EXPECT_EQ(h.out.answers.size(), 1U);
}

TEST(hub, held_polls_are_answered_by_an_http_post_in_their_room_only) {
    hub_harness h;
    hold(h, 100, "bob", "lobby", 0);
    hold(h, 101, "cat", "lobby", 0);
    hold(h, 102, "bob", "movie", 0);
    const auto id = message_id::parse(message_id_hex(1));
    ASSERT_TRUE(id);
    ASSERT_TRUE(answered<send_outcome>(h.hub.post_message(200, {"ann", "ann"}, "lobby",
                                                          send_frame{"lobby", *id, "over http", std::nullopt},
                                                          false, false, h.now)));
    ASSERT_EQ(h.out.answers.size(), 2U);
    for (const auto& [conn, answer] : h.out.answers) {
        EXPECT_TRUE(conn == 100 || conn == 101) << conn;
        EXPECT_EQ(texts(answer_json(answer)), std::vector<std::string>{"over http"});
    }
    EXPECT_EQ(h.hub.held_poll_count(), 1U);
}

TEST(hub, held_poll_is_answered_with_an_empty_page_when_its_wait_ends) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    h.send(1, "lobby", message_id_hex(1), "old");
    hold(h, 100, "bob", "lobby", 1, 5'000);
    h.hub.deadline(100, h.now + 5'000);
    ASSERT_EQ(h.out.answers.size(), 1U);
    const json page = answer_json(h.out.answers[0].second);
    EXPECT_EQ(page["mode"], "after");
    EXPECT_EQ(page["epoch"], "0000000000000001");
    EXPECT_TRUE(page["messages"].empty());
    EXPECT_EQ(h.hub.held_poll_count(), 0U);
}

TEST(hub, position_past_the_rooms_latest_seq_is_answered_at_once_with_its_epoch) {
    hub_harness h;
    h.connect(1, "ann");
    h.join(1, "lobby");
    h.send(1, "lobby", message_id_hex(1), "one");
    const auto polled = h.hub.poll(100, claims_for("bob", h.now), "lobby", 7, 50, 20'000, h.now);
    const auto page = answered<history_frame>(polled);
    ASSERT_TRUE(page);
    EXPECT_EQ(answer_json(*polled)["epoch"], "0000000000000001");
    EXPECT_TRUE(page->messages.empty());
    // A room the relay does not hold has no seq yet: the poll waits for its first message.
    hold(h, 101, "bob", "elsewhere", 7);
}

TEST(hub, token_expired_while_held_is_answered_token_expired) {
    hub_harness h;
    token_claims claims = claims_for("bob", h.now);
    claims.expires_at = h.now + 1'000;
    ASSERT_FALSE(h.hub.poll(100, claims, "lobby", 0, 50, 20'000, h.now)) << "held";
    h.hub.deadline(100, h.now + 20'000);
    ASSERT_EQ(h.out.answers.size(), 1U);
    EXPECT_EQ(answer_json(h.out.answers[0].second), "token_expired");
}

TEST(hub, held_polls_per_user_are_capped_at_the_limit) {
    auto config = unit_config();
    config.max_held_polls_per_user = 2;
    hub_harness h(config);
    hold(h, 100, "bob", "lobby", 0);
    hold(h, 101, "bob", "movie", 0);
    const auto past =
        answered<poll_refusal>(h.hub.poll(102, claims_for("bob", h.now), "lobby", 0, 50, 20'000, h.now));
    ASSERT_TRUE(past);
    EXPECT_EQ(*past, poll_refusal::user_cap);
    hold(h, 103, "cat", "lobby", 0);  // another user's polls are not counted
    // One answered or gone makes room again.
    h.hub.poll_closed(100);
    hold(h, 104, "bob", "lobby", 0);
    EXPECT_EQ(h.hub.held_poll_count(), 3U);
}

TEST(hub, held_polls_over_the_relay_are_capped_at_the_limit) {
    auto config = unit_config();
    config.max_held_polls = 2;
    hub_harness h(config);
    hold(h, 100, "bob", "lobby", 0);
    hold(h, 101, "cat", "lobby", 0);
    const auto past =
        answered<poll_refusal>(h.hub.poll(102, claims_for("dan", h.now), "lobby", 0, 50, 20'000, h.now));
    ASSERT_TRUE(past);
    EXPECT_EQ(*past, poll_refusal::relay_cap);
    h.hub.deadline(101, h.now + 20'000);
    hold(h, 102, "dan", "lobby", 0);
    EXPECT_EQ(h.hub.held_poll_count(), 2U);
}

TEST(hub, held_polls_of_a_room_dropped_when_idle_get_an_empty_page_without_epoch) {
    auto config = unit_config();
    config.room_idle_ttl_ms = 1;
    hub_harness h(config);
    h.connect(1, "ann");
    h.join(1, "lobby");
    h.send(1, "lobby", message_id_hex(1), "one");
    hold(h, 100, "bob", "lobby", 1);
    h.hub.closed(1, h.now);
    h.io.restart();
    h.io.run_for(std::chrono::milliseconds(200));
    EXPECT_EQ(h.rooms.size(), 0U);
    ASSERT_EQ(h.out.answers.size(), 1U);
    const json page = answer_json(h.out.answers[0].second);
    EXPECT_FALSE(page.contains("epoch"));
    EXPECT_TRUE(page["messages"].empty());
    EXPECT_EQ(h.hub.held_poll_count(), 0U);
}

TEST(hub, held_polls_of_a_room_evicted_for_a_new_one_get_an_empty_page_without_epoch) {
    auto config = unit_config();
    config.max_rooms = 1;
    hub_harness h(config);
    const auto id = message_id::parse(message_id_hex(1));
    ASSERT_TRUE(id);
    ASSERT_TRUE(answered<send_outcome>(h.hub.post_message(
        200, {"ann", "ann"}, "r1", send_frame{"r1", *id, "one", std::nullopt}, false, false, h.now)));
    hold(h, 100, "bob", "r1", 1);
    ASSERT_TRUE(answered<send_outcome>(h.hub.post_message(
        201, {"ann", "ann"}, "r2", send_frame{"r2", *id, "two", std::nullopt}, false, false, h.now)));
    ASSERT_EQ(h.out.answers.size(), 1U);
    EXPECT_EQ(h.out.answers[0].first, 100U);
    const json page = answer_json(h.out.answers[0].second);
    EXPECT_EQ(page["room"], "r1");
    EXPECT_FALSE(page.contains("epoch"));
    EXPECT_TRUE(page["messages"].empty());
}

TEST(hub, shutdown_answers_every_held_poll_going_away) {
    hub_harness h;
    hold(h, 100, "bob", "lobby", 0);
    hold(h, 101, "cat", "movie", 0);
    h.hub.shutdown();
    ASSERT_EQ(h.out.answers.size(), 2U);
    for (const auto& [conn, answer] : h.out.answers) EXPECT_EQ(answer_json(answer), "going_away") << conn;
    EXPECT_EQ(h.hub.held_poll_count(), 0U);
}

TEST(hub, poll_whose_client_went_away_is_forgotten_unanswered) {
    hub_harness h;
    hold(h, 100, "bob", "lobby", 0);
    h.hub.poll_closed(100);
    EXPECT_EQ(h.hub.held_poll_count(), 0U);
    h.connect(1, "ann");
    h.join(1, "lobby");
    h.send(1, "lobby", message_id_hex(1), "one");
    h.hub.deadline(100, h.now + 20'000);
    EXPECT_TRUE(h.out.answers.empty());
}

TEST(hub, addresses_and_log_lines_have_their_own_rates) {
    auto config = unit_config();
    config.ip_rate = {2, 1'000};
    hub_harness h(config);
    EXPECT_TRUE(h.hub.admit_address("10.1.1.1", h.now));
    EXPECT_TRUE(h.hub.admit_address("10.1.1.1", h.now));
    EXPECT_FALSE(h.hub.admit_address("10.1.1.1", h.now));
    EXPECT_TRUE(h.hub.admit_address("10.1.1.2", h.now));
    EXPECT_EQ(h.metrics.address_refusals, 1U);
    h.now += 1'000;
    EXPECT_TRUE(h.hub.admit_address("10.1.1.1", h.now));
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(h.hub.may_log("10.1.1.1", h.now));
    EXPECT_FALSE(h.hub.may_log("10.1.1.1", h.now));
}

TEST(hub, batches_are_counted) {
    hub_harness h;
    h.hub.count_batch(3);
    h.hub.count_batch(2);
    EXPECT_EQ(h.metrics.batches, 2U);
    EXPECT_EQ(h.metrics.batched_frames, 5U);
}

}  // namespace
}  // namespace roomchat::relay
