#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roomchat/client_session.hpp"
#include "roomchat/codec.hpp"

#include "support/only.hpp"
#include "support/test_ids.hpp"
#include "support/test_tokens.hpp"

// The session over the relay's HTTP API, when WebSockets do not get through:
// driven as web/transport.js drives it, against a scripted relay whose HTTP
// answers are encoded with the real codec, as the relay's http_routes sends
// them.

namespace roomchat {
namespace {

using test::id_of;
using test::only;
using test::token_of;

const user_info me{"me", "Me"};
const user_info bob{"bob", "Bob"};
constexpr millis t0 = 1'700'000'000'000;
constexpr std::int64_t token_exp_seconds = t0 / 1000 + 3600;

chat_message from(const user_info& user, seq_t seq) {
    return chat_message{seq, id_of(seq), user, "hello " + std::to_string(seq), t0 + static_cast<millis>(seq)};
}

std::string page(const std::string& epoch, history_mode mode, std::vector<chat_message> messages,
                 bool truncated = false) {
    return encode(server_frame{history_frame{"lobby", epoch, mode, std::move(messages), truncated, false}});
}

class http_fallback_test : public ::testing::Test {
protected:
    http_fallback_test() {
        config_.room = "lobby";
        config_.token = token_of(me, token_exp_seconds);
        session_.emplace(config_, random_);
    }

    client_session& s() { return *session_; }

    // Takes the events, keeping the HTTP requests apart (requests_).
    std::vector<client_event> events() {
        auto all = s().take_events();
        for (const auto& request : only<events::http_request>(all)) {
            requests_.push_back(request);
        }
        return all;
    }

    // The one request out that matches `method` and starts with `target`.
    events::http_request take_request(const std::string& method, const std::string& target) {
        events();
        for (auto it = requests_.begin(); it != requests_.end(); ++it) {
            if (it->method == method && it->target.rfind(target, 0) == 0) {
                auto request = *it;
                requests_.erase(it);
                return request;
            }
        }
        ADD_FAILURE() << "no " << method << " " << target;
        return {};
    }

    void answer(const events::http_request& request, int status, const std::string& body, millis now) {
        s().http_response(request.id, status, body, now);
    }

    // Two WebSocket attempts that never open, as through a proxy refusing the upgrade.
    void websockets_refused() {
        s().start(now_);
        events();
        s().transport_closed(now_);
        now_ = *s().next_deadline();
        s().on_timer(now_);
        ASSERT_EQ(only<events::open_transport>(events()).size(), 1U);
        s().transport_closed(now_);
        now_ = *s().next_deadline();
        s().on_timer(now_);
    }

    // Falls back and joins over HTTP with the latest page `messages`.
    void online_over_http(std::vector<chat_message> messages = {}) {
        websockets_refused();
        const auto join = take_request("GET", "api/rooms/lobby/messages");
        ASSERT_EQ(join.target, "api/rooms/lobby/messages");
        answer(join, 200, page("e1", history_mode::latest, std::move(messages)), now_);
        ASSERT_EQ(s().state(), connection_state::online);
    }

    // Lets time pass until the session posts again, as the relay and the
    // network would: polls end empty when their wait is over, WebSocket
    // retries fail.
    events::http_request next_post() {
        for (int step = 0; step < 50; ++step) {
            events();
            for (auto it = requests_.begin(); it != requests_.end(); ++it) {
                if (it->method == "POST") {
                    auto post = *it;
                    requests_.erase(it);
                    return post;
                }
            }
            for (auto it = requests_.begin(); it != requests_.end();) {
                const auto poll = *it;
                it = requests_.erase(it);
                answer(poll, 200, page("e1", history_mode::after, {}), now_);
            }
            now_ = *s().next_deadline();
            s().on_timer(now_);
            if (!only<events::open_transport>(events()).empty()) {
                s().transport_closed(now_);
            }
        }
        ADD_FAILURE() << "no POST";
        return {};
    }

    // On a WebSocket that opened: the relay's welcome, joined and join page (epoch e1, empty room).
    void relay_welcomes_and_joins() {
        s().receive(encode(server_frame{welcome_frame{me, 500, {}, t0 + 3'600'000}}), now_);
        s().receive(encode(server_frame{joined_frame{"lobby", "e1", {me}, 1, 0, 0}}), now_);
        s().receive(page("e1", history_mode::latest, {}), now_);
    }

    // The send frames the session put on its WebSocket since the last look.
    std::vector<send_frame> sent_frames() {
        std::vector<send_frame> sends;
        for (const auto& text : s().take_frames()) {
            if (auto frame = decode_client_frame(text); frame && std::holds_alternative<send_frame>(*frame)) {
                sends.push_back(std::get<send_frame>(*frame));
            }
        }
        return sends;
    }

    // The timeline is the one message `id`, failed for `reason`.
    void expect_only_failed(const message_id& id, errc reason) {
        const auto rows = s().timeline();
        ASSERT_EQ(rows.size(), 1U);
        EXPECT_EQ(rows[0].id, id);
        EXPECT_EQ(rows[0].state, delivery_state::failed);
        EXPECT_EQ(rows[0].failure, reason);
    }

    std::vector<seq_t> seqs() {
        std::vector<seq_t> out;
        for (const auto& row : s().timeline()) {
            out.push_back(row.seq);
        }
        return out;
    }

    std::mt19937 engine_{7};
    random_source random_ = [this](std::uint8_t* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            data[i] = static_cast<std::uint8_t>(engine_() & 0xffU);
        }
    };
    client_config config_;
    std::optional<client_session> session_;
    std::vector<events::http_request> requests_;
    millis now_ = t0;
};

TEST_F(http_fallback_test, two_websocket_attempts_that_never_open_switch_to_http) {
    websockets_refused();
    const auto all = events();
    EXPECT_TRUE(only<events::open_transport>(all).empty()) << "a third WebSocket attempt";
    const auto states = only<events::connection_changed>(all);
    ASSERT_FALSE(states.empty());
    EXPECT_EQ(states.back().state, connection_state::connecting);
    EXPECT_EQ(states.back().via, carrier::http);
    // No welcome over HTTP: the token says who we are.
    const auto identities = only<events::identity>(all);
    ASSERT_EQ(identities.size(), 1U);
    EXPECT_EQ(identities[0].self, me);

    const auto join = take_request("GET", "api/rooms/lobby/messages");
    EXPECT_EQ(join.token, config_.token);
    EXPECT_TRUE(join.body.empty());
    answer(join, 200, page("e1", history_mode::latest, {from(bob, 1), from(bob, 2)}), now_);
    EXPECT_EQ(s().state(), connection_state::online);
    EXPECT_EQ(seqs(), (std::vector<seq_t>{1, 2}));
    const auto poll = take_request("GET", "api/rooms/lobby/messages?");
    EXPECT_EQ(poll.target, "api/rooms/lobby/messages?after=2&wait_ms=25000");
}

TEST_F(http_fallback_test, never_switches_when_the_fallback_is_off) {
    config_.http_fallback_after = 0;
    session_.emplace(config_, random_);
    s().start(now_);
    events();
    for (int attempt = 0; attempt < 5; ++attempt) {
        s().transport_closed(now_);
        now_ = *s().next_deadline();
        s().on_timer(now_);
        EXPECT_EQ(only<events::open_transport>(events()).size(), 1U);
    }
    EXPECT_TRUE(requests_.empty());
}

TEST_F(http_fallback_test, a_websocket_that_reached_the_room_before_does_not_count) {
    s().start(now_);
    s().transport_opened(now_);
    relay_welcomes_and_joins();
    ASSERT_EQ(s().state(), connection_state::online);
    events();
    s().transport_closed(now_);  // a drop after the join: the relay restarts
    now_ = *s().next_deadline();
    s().on_timer(now_);
    s().transport_closed(now_);  // one attempt that never opened
    now_ = *s().next_deadline();
    s().on_timer(now_);
    EXPECT_EQ(only<events::open_transport>(events()).size(), 2U);
    EXPECT_TRUE(requests_.empty());
}

TEST_F(http_fallback_test, the_long_poll_brings_messages_and_asks_again_after_them) {
    online_over_http({from(bob, 1)});
    auto poll = take_request("GET", "api/rooms/lobby/messages?after=1&wait_ms=");
    now_ += 300;
    answer(poll, 200, page("e1", history_mode::after, {from(bob, 2), from(bob, 3)}), now_);
    EXPECT_EQ(seqs(), (std::vector<seq_t>{1, 2, 3}));
    poll = take_request("GET", "api/rooms/lobby/messages?after=3&wait_ms=");
    // The relay's wait ran out: an empty page, and the next poll.
    now_ += 25'000;
    answer(poll, 200, page("e1", history_mode::after, {}), now_);
    take_request("GET", "api/rooms/lobby/messages?after=3&wait_ms=");
    EXPECT_TRUE(requests_.empty());
}

TEST_F(http_fallback_test, a_send_is_a_post_of_its_frame_and_its_ack_or_echo_settles_it_once) {
    online_over_http();
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto id = s().send("hi there", now_, 61'000);
    ASSERT_TRUE(id.ok());
    const auto post = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(post.target, "api/rooms/lobby/messages");
    const auto body = decode_client_frame(post.body);
    ASSERT_TRUE(body.ok()) << post.body;
    const auto& sent = std::get<send_frame>(*body);
    EXPECT_EQ(sent.id, id.value());
    EXPECT_EQ(sent.text, "hi there");
    EXPECT_EQ(sent.media_ms, 61'000);

    answer(post, 201, encode(server_frame{ack_frame{"lobby", "e1", id.value(), 1, now_}}), now_);
    auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].state, delivery_state::sent);
    EXPECT_TRUE(rows[0].own);
    EXPECT_TRUE(s().pending().empty());
    // The poll brings it too: it stays one row.
    chat_message echo{1, id.value(), me, "hi there", now_, 61'000};
    answer(poll, 200, page("e1", history_mode::after, {echo}), now_);
    EXPECT_EQ(s().timeline().size(), 1U);
}

TEST_F(http_fallback_test, an_echo_before_the_post_answers_settles_it_as_our_own) {
    online_over_http();
    auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto id = s().send("first", now_);
    const auto post = take_request("POST", "api/rooms/lobby/messages");
    answer(poll, 200, page("e1", history_mode::after, {chat_message{1, id.value(), me, "first", now_}}),
           now_);
    ASSERT_EQ(s().timeline().size(), 1U);
    EXPECT_TRUE(s().timeline()[0].own);
    EXPECT_TRUE(s().pending().empty());
    answer(post, 201, encode(server_frame{ack_frame{"lobby", "e1", id.value(), 1, now_}}), now_);
    EXPECT_EQ(s().timeline().size(), 1U);
}

TEST_F(http_fallback_test, a_rate_limited_post_waits_and_goes_again_with_its_id) {
    online_over_http();
    const auto id = s().send("hello", now_);
    const auto post = take_request("POST", "api/rooms/lobby/messages");
    answer(post, 429, R"({"error":{"code":"rate_limited","message":"slow down","retry_after_ms":1500}})",
           now_);
    const auto limited = only<events::rate_limited>(events());
    ASSERT_EQ(limited.size(), 1U);
    EXPECT_EQ(limited[0].retry_at, now_ + 1500);
    EXPECT_EQ(s().pending().size(), 1U);
    now_ += 1500;
    s().on_timer(now_);
    const auto again = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(std::get<send_frame>(*decode_client_frame(again.body)).id, id.value());
}

// Each fetch may take a connection of its own, so two POSTs out at once
// could reach the relay in either order: the next message is posted only
// once the one before it is settled, and the room gets them as typed.
TEST_F(http_fallback_test, messages_are_posted_one_at_a_time_in_the_order_typed) {
    online_over_http();
    take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto first = s().send("one", now_);
    const auto second = s().send("two", now_);
    const auto third = s().send("three", now_);
    const auto post_id = [](const events::http_request& post) {
        return std::get<send_frame>(*decode_client_frame(post.body)).id;
    };
    auto post = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(post_id(post), first.value());
    events();
    EXPECT_TRUE(requests_.empty()) << "a second POST while the first is out";
    // Its resend goes again, alone; the others wait even past their own time.
    now_ = *s().next_deadline();
    s().on_timer(now_);
    post = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(post_id(post), first.value());
    events();
    EXPECT_TRUE(requests_.empty());
    // Acknowledged: the next one goes at once, no timer needed.
    answer(post, 201, encode(server_frame{ack_frame{"lobby", "e1", first.value(), 1, now_}}), now_);
    post = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(post_id(post), second.value());
    // Refused for good: it fails, and the third goes.
    answer(post, 409, R"({"error":{"code":"id_conflict","message":"another message has this id"}})", now_);
    post = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(post_id(post), third.value());
    events();
    EXPECT_TRUE(requests_.empty());
}

TEST_F(http_fallback_test, a_polls_echo_of_the_message_out_lets_the_next_go_at_once) {
    online_over_http();
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto first = s().send("one", now_);
    const auto second = s().send("two", now_);
    const auto post = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(std::get<send_frame>(*decode_client_frame(post.body)).id, first.value());
    answer(poll, 200, page("e1", history_mode::after, {chat_message{1, first.value(), me, "one", now_}}),
           now_);
    const auto next = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(std::get<send_frame>(*decode_client_frame(next.body)).id, second.value());
}

TEST_F(http_fallback_test, a_post_whose_answer_no_longer_matters_is_aborted) {
    online_over_http();
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto id = s().send("hello", now_);
    const auto first = take_request("POST", "api/rooms/lobby/messages");
    // The relay speaks, the POST stays unanswered: at its resend time it is
    // posted again, and the first fetch, which may hang for good, is given up.
    answer(poll, 200, page("e1", history_mode::after, {}), now_ + 1);
    const auto next_poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    now_ += config_.resend.initial_ms;
    s().on_timer(now_);
    auto aborted = only<events::http_abort>(events());
    ASSERT_EQ(aborted.size(), 1U);
    EXPECT_EQ(aborted[0].id, first.id);
    const auto again = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(std::get<send_frame>(*decode_client_frame(again.body)).id, id.value());
    // The next poll brings it: settled, so the second POST is given up too.
    answer(next_poll, 200, page("e1", history_mode::after, {chat_message{1, id.value(), me, "hello", now_}}),
           now_);
    aborted = only<events::http_abort>(events());
    ASSERT_EQ(aborted.size(), 1U);
    EXPECT_EQ(aborted[0].id, again.id);
    EXPECT_TRUE(s().pending().empty());
}

TEST_F(http_fallback_test, a_refused_post_fails_the_message_with_the_relays_reason) {
    online_over_http();
    const auto id = s().send("hello", now_);
    answer(take_request("POST", "api/rooms/lobby/messages"), 409,
           R"({"error":{"code":"id_conflict","message":"another message has this id"}})", now_);
    expect_only_failed(id.value(), errc::id_conflict);
}

TEST_F(http_fallback_test, a_poll_without_an_answer_drops_the_link_and_tries_a_websocket_first) {
    online_over_http();
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto id = s().send("hello", now_);
    const auto post = take_request("POST", "api/rooms/lobby/messages");
    answer(poll, 0, "", now_);  // the network or the relay is gone
    const auto all = events();
    const auto aborted = only<events::http_abort>(all);
    ASSERT_EQ(aborted.size(), 1U);
    EXPECT_EQ(aborted[0].id, post.id);
    EXPECT_EQ(s().state(), connection_state::reconnecting);
    EXPECT_EQ(s().pending().size(), 1U);
    now_ = *s().next_deadline();
    s().on_timer(now_);
    EXPECT_EQ(only<events::open_transport>(events()).size(), 1U);
    // The relay is back, WebSockets too: the message goes out on it with its id.
    s().transport_opened(now_);
    relay_welcomes_and_joins();
    EXPECT_EQ(s().state(), connection_state::online);
    const auto sends = sent_frames();
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id.value());
}

TEST_F(http_fallback_test, a_poll_unanswered_past_its_wait_is_given_up) {
    online_over_http();
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    now_ += config_.poll_wait_ms + config_.request_timeout_ms;
    s().on_timer(now_);
    const auto aborted = only<events::http_abort>(events());
    ASSERT_EQ(aborted.size(), 1U);
    EXPECT_EQ(aborted[0].id, poll.id);
    EXPECT_EQ(s().state(), connection_state::reconnecting);
    answer(poll, 200, page("e1", history_mode::after, {from(bob, 1)}), now_);  // too late: ignored
    EXPECT_TRUE(s().timeline().empty());
}

TEST_F(http_fallback_test, a_page_of_a_new_epoch_starts_the_timeline_over_from_the_latest_page) {
    online_over_http({from(bob, 1), from(bob, 2)});
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=2");
    // The relay restarted and the room has three messages in its new life.
    answer(poll, 200, page("e2", history_mode::after, {from(bob, 3)}), now_);
    const auto resets = only<events::timeline_reset>(events());
    ASSERT_EQ(resets.size(), 1U);
    EXPECT_EQ(resets[0].reason, reset_reason::epoch_changed);
    const auto latest = take_request("GET", "api/rooms/lobby/messages");
    EXPECT_EQ(latest.target, "api/rooms/lobby/messages");
    answer(latest, 200, page("e2", history_mode::latest, {from(bob, 1), from(bob, 2), from(bob, 3)}), now_);
    EXPECT_EQ(seqs(), (std::vector<seq_t>{1, 2, 3}));
    EXPECT_EQ(s().state(), connection_state::online);
    take_request("GET", "api/rooms/lobby/messages?after=3");
}

TEST_F(http_fallback_test, the_new_epochs_page_unanswered_is_given_up_like_the_first_join) {
    online_over_http({from(bob, 1)});
    answer(take_request("GET", "api/rooms/lobby/messages?after=1"), 200,
           page("e2", history_mode::after, {from(bob, 1)}), now_);
    const auto latest = take_request("GET", "api/rooms/lobby/messages");
    ASSERT_EQ(latest.target, "api/rooms/lobby/messages");
    // No answer ever comes (a fetch has no timeout of its own), while a
    // message waits to go out.
    ASSERT_TRUE(s().send("waiting", now_).ok());
    now_ += config_.request_timeout_ms;
    s().on_timer(now_);
    const auto aborted = only<events::http_abort>(events());
    ASSERT_EQ(aborted.size(), 1U);
    EXPECT_EQ(aborted[0].id, latest.id);
    EXPECT_EQ(s().state(), connection_state::reconnecting);
    EXPECT_EQ(s().pending().size(), 1U);  // it goes out on the next link
}

TEST_F(http_fallback_test, older_pages_come_over_http_too) {
    config_.page_size = 2;
    session_.emplace(config_, random_);
    websockets_refused();
    answer(take_request("GET", "api/rooms/lobby/messages"), 200,
           encode(server_frame{history_frame{
               "lobby", "e1", history_mode::latest, {from(bob, 3), from(bob, 4)}, false, true}}),
           now_);
    ASSERT_EQ(s().older(), older_state::available);
    s().load_older(now_);
    EXPECT_EQ(s().older(), older_state::loading);
    const auto older = take_request("GET", "api/rooms/lobby/messages?before=");
    EXPECT_EQ(older.target, "api/rooms/lobby/messages?before=3&limit=2");
    answer(older, 200, page("e1", history_mode::before, {from(bob, 1), from(bob, 2)}), now_);
    EXPECT_EQ(seqs(), (std::vector<seq_t>{1, 2, 3, 4}));
}

TEST_F(http_fallback_test, a_websocket_that_opens_again_takes_over_and_resends_what_was_posted) {
    online_over_http();
    const auto first_poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    // The first retry fails: HTTP carries on untouched.
    now_ = *s().next_deadline();
    s().on_timer(now_);
    ASSERT_EQ(only<events::open_transport>(events()).size(), 1U);
    s().transport_closed(now_);
    EXPECT_TRUE(only<events::http_abort>(events()).empty());
    EXPECT_EQ(s().state(), connection_state::online);
    answer(first_poll, 200, page("e1", history_mode::after, {}), now_);
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    // The second opens, while a message is posted: it replaces HTTP.
    const millis second_retry = *s().next_deadline();
    EXPECT_GE(second_retry - now_, config_.ws_retry.initial_ms);
    now_ = second_retry - 1;
    const auto id = s().send("in flight", now_);
    const auto post = take_request("POST", "api/rooms/lobby/messages");
    now_ = second_retry;
    s().on_timer(now_);
    ASSERT_EQ(only<events::open_transport>(events()).size(), 1U);
    s().transport_opened(now_);
    const auto opened = events();
    const auto aborted = only<events::http_abort>(opened);
    ASSERT_EQ(aborted.size(), 2U);
    const auto switching = only<events::connection_changed>(opened);
    ASSERT_EQ(switching.size(), 1U);
    EXPECT_EQ(switching[0].state, connection_state::connecting);
    EXPECT_EQ(switching[0].via, carrier::websocket);
    EXPECT_TRUE((aborted[0].id == poll.id && aborted[1].id == post.id) ||
                (aborted[0].id == post.id && aborted[1].id == poll.id));
    relay_welcomes_and_joins();
    const auto states = only<events::connection_changed>(events());
    ASSERT_FALSE(states.empty());
    EXPECT_EQ(states.back().state, connection_state::online);
    EXPECT_EQ(states.back().via, carrier::websocket);
    const auto sends = sent_frames();
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id.value());
    // The aborted POST's late answer changes nothing.
    answer(post, 201, encode(server_frame{ack_frame{"lobby", "e1", id.value(), 1, now_}}), now_);
    EXPECT_EQ(s().pending().size(), 1U);
}

TEST_F(http_fallback_test, the_token_is_refreshed_before_its_exp_and_a_fresh_one_re_polls) {
    // 20 s left at most: token_expiring is due halfway through what is left.
    config_.token = token_of(me, t0 / 1000 + 20);
    session_.emplace(config_, random_);
    online_over_http();
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    const millis due = *s().next_deadline();
    EXPECT_EQ(due, t0 + 20'000 - (t0 + 20'000 - now_) / 2);
    s().on_timer(due);
    const auto expiring = only<events::token_expiring>(events());
    ASSERT_EQ(expiring.size(), 1U);
    EXPECT_EQ(expiring[0].expires_at, t0 + 20'000);
    const std::string fresh = token_of(me, token_exp_seconds);
    s().set_token(fresh, due);
    const auto aborted = only<events::http_abort>(events());
    ASSERT_EQ(aborted.size(), 1U);
    EXPECT_EQ(aborted[0].id, poll.id);
    EXPECT_EQ(take_request("GET", "api/rooms/lobby/messages?after=0").token, fresh);
}

TEST_F(http_fallback_test, an_expired_token_stops_until_a_fresh_one_comes) {
    online_over_http();
    answer(take_request("GET", "api/rooms/lobby/messages?after=0"), 401,
           R"({"error":{"code":"token_expired","message":"token expired"}})", now_);
    EXPECT_EQ(s().state(), connection_state::offline);
    EXPECT_EQ(only<events::token_expiring>(events()).size(), 1U);
    s().set_token(token_of(me, token_exp_seconds + 3600), now_);
    const auto join = take_request("GET", "api/rooms/lobby/messages");
    answer(join, 200, page("e1", history_mode::after, {}), now_);
    EXPECT_EQ(s().state(), connection_state::online);
}

TEST_F(http_fallback_test, a_forbidden_room_goes_offline_with_the_reason) {
    websockets_refused();
    answer(take_request("GET", "api/rooms/lobby/messages"), 403,
           R"({"error":{"code":"room_forbidden","message":"not your room"}})", now_);
    EXPECT_EQ(s().state(), connection_state::offline);
    EXPECT_FALSE(s().next_deadline().has_value());
}

TEST_F(http_fallback_test, polls_the_relay_cannot_hold_now_wait_as_told_and_keep_the_link) {
    online_over_http();
    // As relay/src/http_routes.cpp words them.
    for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
             {429, R"({"error":{"code":"too_many_polls","message":"4 waiting","retry_after_ms":2000}})"},
             {503, R"({"error":{"code":"polls_full","message":"retry soon","retry_after_ms":1000}})"},
             {429, R"({"error":{"code":"rate_limited","message":"slow down","retry_after_ms":1000}})"}}) {
        answer(take_request("GET", "api/rooms/lobby/messages?after=0"), status, body, now_);
        EXPECT_EQ(s().state(), connection_state::online) << body;
        EXPECT_TRUE(requests_.empty()) << body;
        EXPECT_TRUE(only<events::http_abort>(events()).empty()) << body;
        now_ = *s().next_deadline();
        s().on_timer(now_);
    }
    take_request("GET", "api/rooms/lobby/messages?after=0");
}

TEST_F(http_fallback_test, a_post_without_an_answer_is_a_lost_attempt_of_its_message_only) {
    online_over_http();
    const auto id = s().send("hello", now_);
    for (std::uint32_t attempt = 1; attempt <= config_.max_send_attempts; ++attempt) {
        answer(next_post(), attempt % 2 == 0 ? 0 : 502, "<html>Bad Gateway</html>", now_);
        EXPECT_TRUE(only<events::http_abort>(events()).empty()) << "the poll stays";
        EXPECT_EQ(s().state(), connection_state::online);
    }
    for (int step = 0; step < 50 && s().timeline()[0].state != delivery_state::failed; ++step) {
        now_ = *s().next_deadline();
        s().on_timer(now_);
        events();
        requests_.clear();
    }
    expect_only_failed(id.value(), errc::no_ack);
}

TEST_F(http_fallback_test, a_post_unanswered_for_its_wait_is_asked_again_and_the_first_aborted) {
    online_over_http();
    take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto id = s().send("slow", now_);
    const auto first = take_request("POST", "api/rooms/lobby/messages");
    now_ = *s().next_deadline();  // the resend wait, with the poll held and nothing heard
    s().on_timer(now_);
    const auto all = events();
    EXPECT_EQ(s().state(), connection_state::online);
    const auto aborted = only<events::http_abort>(all);
    ASSERT_EQ(aborted.size(), 1U);
    EXPECT_EQ(aborted[0].id, first.id);
    const auto second = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(std::get<send_frame>(*decode_client_frame(second.body)).id, id.value());
}

TEST_F(http_fallback_test, a_refusal_of_a_replaced_token_asks_again_with_the_fresh_one) {
    online_over_http();
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=0");
    const std::string fresh = token_of(me, token_exp_seconds + 3600);
    s().set_token(fresh, now_);
    const auto repoll = take_request("GET", "api/rooms/lobby/messages?after=0");
    EXPECT_EQ(repoll.token, fresh);
    // A POST made before the refresh comes back refused: the message goes again, with the fresh token.
    s().set_token(config_.token, now_);
    take_request("GET", "api/rooms/lobby/messages?after=0");
    const auto id = s().send("hello", now_);
    const auto post = take_request("POST", "api/rooms/lobby/messages");
    s().set_token(fresh, now_);
    answer(post, 401, R"({"error":{"code":"token_expired","message":"expired"}})", now_);
    EXPECT_EQ(s().state(), connection_state::online);
    const auto again = take_request("POST", "api/rooms/lobby/messages");
    EXPECT_EQ(again.token, fresh);
    EXPECT_EQ(std::get<send_frame>(*decode_client_frame(again.body)).id, id.value());
    (void)poll;
}

TEST_F(http_fallback_test, a_join_page_that_never_comes_after_a_new_epoch_is_given_up) {
    online_over_http({from(bob, 1)});
    const auto poll = take_request("GET", "api/rooms/lobby/messages?after=1");
    answer(poll, 200, page("e2", history_mode::after, {from(bob, 2)}), now_);
    EXPECT_EQ(s().state(), connection_state::connecting);
    take_request("GET", "api/rooms/lobby/messages");  // held by a proxy, forever
    now_ += config_.request_timeout_ms;
    s().on_timer(now_);
    EXPECT_EQ(s().state(), connection_state::reconnecting);
}

TEST_F(http_fallback_test, a_room_id_that_would_be_another_path_is_refused_before_any_request) {
    for (const std::string room : {"..", ".", "a/../../api/dev/token", ""}) {
        config_.room = room;
        session_.emplace(config_, random_);
        s().start(now_);
        const auto all = events();
        EXPECT_EQ(s().state(), connection_state::offline) << room;
        EXPECT_TRUE(only<events::open_transport>(all).empty()) << room;
        const auto errors = only<events::error>(all);
        ASSERT_EQ(errors.size(), 1U) << room;
        EXPECT_EQ(errors[0].code, errc::invalid_room_id);
    }
}

TEST_F(http_fallback_test, a_proxys_error_page_is_no_answer_from_the_relay) {
    online_over_http();
    answer(take_request("GET", "api/rooms/lobby/messages?after=0"), 502, "<html>Bad Gateway</html>", now_);
    EXPECT_EQ(s().state(), connection_state::reconnecting);
    now_ = *s().next_deadline();
    s().on_timer(now_);
    EXPECT_EQ(only<events::open_transport>(events()).size(), 1U);  // the relay may be away: WebSocket first
}

TEST_F(http_fallback_test, a_frame_while_http_carries_is_a_late_one_of_a_socket_given_up) {
    online_over_http();
    s().receive(encode(server_frame{message_frame{"lobby", from(bob, 1)}}), now_);
    s().receive(page("e9", history_mode::latest, {from(bob, 7)}, true), now_);
    EXPECT_TRUE(s().timeline().empty());
    EXPECT_TRUE(only<events::timeline_reset>(events()).empty());
}

TEST(decode_http_answer, reads_frames_refusals_and_what_is_neither) {
    const auto ack = decode_http_answer(201, encode(server_frame{ack_frame{"lobby", "e1", id_of(1), 4, 5}}));
    ASSERT_TRUE(std::holds_alternative<server_frame>(ack));
    EXPECT_TRUE(std::holds_alternative<ack_frame>(std::get<server_frame>(ack)));

    const auto limited =
        decode_http_answer(429, R"({"error":{"code":"rate_limited","message":"wait","retry_after_ms":700}})");
    const auto& refusal = std::get<http_refusal>(limited);
    EXPECT_EQ(refusal.code, errc::rate_limited);
    EXPECT_EQ(refusal.message, "wait");
    EXPECT_EQ(refusal.retry_after_ms, 700U);

    EXPECT_EQ(std::get<http_refusal>(decode_http_answer(503, "Service Unavailable")).code, errc::going_away);
    EXPECT_EQ(std::get<http_refusal>(decode_http_answer(429, "<html/>")).code, errc::rate_limited);
    EXPECT_EQ(std::get<http_refusal>(decode_http_answer(400, R"({"error":{"code":"no_such_code"}})")).code,
              errc::going_away);
    EXPECT_EQ(std::get<http_refusal>(decode_http_answer(200, "<html/>")).code, errc::going_away);
    const auto too_long =
        decode_http_answer(429, R"({"error":{"code":"rate_limited","retry_after_ms":4294967296}})");
    EXPECT_FALSE(std::get<http_refusal>(too_long).retry_after_ms.has_value());
}

}  // namespace
}  // namespace roomchat
