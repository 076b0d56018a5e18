#include "roomchat/client_session.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roomchat/batch.hpp"
#include "roomchat/codec.hpp"

#include "support/only.hpp"
#include "support/test_ids.hpp"

// The session is driven here exactly as the browser drives it, against a
// scripted relay: server frames are encoded with the real codec and every
// frame the session sends is decoded back to check what went on the wire.

namespace roomchat {
namespace {

const user_info me{"me", "Me"};
const user_info bob{"bob", "Bob"};
const std::string room_epoch = "epoch-1";
// The test welcome's token expires at 9'999'999: token_expiring is due a minute before.
constexpr millis token_refresh_due = 9'999'999 - 60'000;

using test::id_of;
using test::only;

chat_message from_bob(seq_t seq) {
    return chat_message{seq, id_of(seq), bob, "hello " + std::to_string(seq),
                        1000 + static_cast<millis>(seq)};
}

std::vector<chat_message> from_bob(seq_t first, seq_t last) {
    std::vector<chat_message> out;
    for (seq_t seq = first; seq <= last; ++seq) {
        out.push_back(from_bob(seq));
    }
    return out;
}

class session_test : public ::testing::Test {
protected:
    session_test() {
        config_.room = "lobby";
        config_.token = "token-1";
        session_.emplace(config_, random_);
    }

    client_session& s() { return *session_; }

    std::vector<client_frame> frames() {
        std::vector<client_frame> out;
        for (const auto& text : s().take_frames()) {
            auto decoded = decode_client_frame(text);
            if (!decoded) {
                ADD_FAILURE() << "undecodable frame " << text << ": " << decoded.error().detail;
                continue;
            }
            out.push_back(*std::move(decoded));
        }
        return out;
    }

    std::vector<client_event> events() { return s().take_events(); }

    // The relay says something that changes nothing (an old read marker): the
    // connection is alive, whatever it does with our messages.
    void relay_speaks(millis now) { deliver(read_marker_frame{"lobby", 0}, now); }

    void deliver(const server_frame& frame, millis now) { s().receive(encode(frame), now); }

    welcome_frame welcome(std::uint32_t max_text = 500, rate_limit_config rate = {}) const {
        return welcome_frame{me, max_text, rate, 9'999'999};
    }

    // Connects and joins; the relay answers the join with `page`.
    void go_online(millis now, std::vector<chat_message> page = {}, seq_t read_seq = 0, bool has_more = false,
                   welcome_frame hello = welcome_frame{me, 500, {}, 9'999'999}) {
        s().start(now);
        s().transport_opened(now);
        deliver(hello, now);
        const seq_t latest = page.empty() ? 0 : page.back().seq;
        deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, read_seq, latest}, now);
        history_frame history{"lobby", room_epoch, history_mode::latest, std::move(page), false, has_more};
        deliver(history, now);
        ASSERT_EQ(s().state(), connection_state::online);
        frames();
        events();
    }

    // Sends while online and returns the id and the wire frame.
    message_id send_now(const std::string& text, millis now) {
        auto id = s().send(text, now);
        EXPECT_TRUE(id.ok());
        return id.ok() ? id.value() : message_id{};
    }

    std::vector<seq_t> timeline_seqs() {
        std::vector<seq_t> out;
        for (const auto& row : s().timeline()) {
            out.push_back(row.seq);
        }
        return out;
    }

    std::mt19937 engine_{20240611};
    random_source random_ = [this](std::uint8_t* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            data[i] = static_cast<std::uint8_t>(engine_() & 0xffU);
        }
    };
    client_config config_;
    std::optional<client_session> session_;
};

// ---- connection ---------------------------------------------------------

TEST_F(session_test, start_asks_for_a_transport_and_authenticates_when_it_opens) {
    s().start(100);
    auto ev = events();
    ASSERT_EQ(only<events::open_transport>(ev).size(), 1U);
    const auto changes = only<events::connection_changed>(ev);
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_EQ(changes[0].state, connection_state::connecting);
    EXPECT_TRUE(frames().empty());

    s().transport_opened(120);
    const auto sent = frames();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(std::get<auth_frame>(sent[0]).token, "token-1");
}

TEST_F(session_test, welcome_sets_identity_and_limits_then_joins_without_since) {
    s().start(0);
    s().transport_opened(0);
    frames();
    events();
    EXPECT_EQ(s().limits().max_code_points, 500U);
    deliver(welcome(10, rate_limit_config{2, 4000}), 5);

    const auto ev = events();
    const auto identity = only<events::identity>(ev);
    ASSERT_EQ(identity.size(), 1U);
    EXPECT_EQ(identity[0].self, me);
    EXPECT_EQ(s().self(), me);

    const auto joins = only<join_frame>(frames());
    ASSERT_EQ(joins.size(), 1U);
    EXPECT_EQ(joins[0].room, "lobby");
    EXPECT_EQ(joins[0].since, std::nullopt);

    EXPECT_EQ(s().limits().max_code_points, 10U);
    EXPECT_TRUE(s().validate("0123456789", 0).ok());
    EXPECT_EQ(s().validate("0123456789a", 0).error(), errc::text_too_long);
    EXPECT_EQ(s().state(), connection_state::connecting);
}

TEST_F(session_test, joined_and_history_bring_the_session_online) {
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    events();
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 3}, 1);
    auto ev = events();
    const auto presence = only<events::presence_changed>(ev);
    ASSERT_EQ(presence.size(), 1U);
    EXPECT_EQ(presence[0].members, (std::vector<user_info>{me, bob}));
    EXPECT_EQ(s().state(), connection_state::connecting);

    deliver(history_frame{"lobby", room_epoch, history_mode::latest, from_bob(1, 3), false, true}, 2);
    ev = events();
    const auto loaded = only<events::history_loaded>(ev);
    ASSERT_EQ(loaded.size(), 1U);
    EXPECT_EQ(loaded[0].mode, history_mode::latest);
    EXPECT_EQ(loaded[0].count, 3U);
    EXPECT_TRUE(loaded[0].has_more);
    EXPECT_EQ(only<events::message_upserted>(ev).size(), 3U);
    const auto changes = only<events::connection_changed>(ev);
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_EQ(changes[0].state, connection_state::online);
    EXPECT_EQ(s().state(), connection_state::online);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3}));
}

TEST_F(session_test, history_before_joined_still_completes_the_join) {
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, from_bob(1, 2), false, false}, 1);
    EXPECT_EQ(s().state(), connection_state::connecting);
    deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 2}, 1);
    EXPECT_EQ(s().state(), connection_state::online);
}

TEST_F(session_test, a_lost_connection_reconnects_after_the_backoff_and_resumes_with_since) {
    go_online(0, from_bob(1, 4));
    s().transport_closed(1000);
    auto ev = events();
    auto changes = only<events::connection_changed>(ev);
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_EQ(changes[0].state, connection_state::reconnecting);
    EXPECT_GE(changes[0].retry_at, 1400);
    EXPECT_LE(changes[0].retry_at, 1500);
    EXPECT_EQ(s().next_deadline(), changes[0].retry_at);

    s().on_timer(changes[0].retry_at - 1);
    EXPECT_TRUE(events().empty());
    s().on_timer(changes[0].retry_at);
    ev = events();
    EXPECT_EQ(only<events::open_transport>(ev).size(), 1U);
    EXPECT_EQ(s().state(), connection_state::connecting);

    s().transport_opened(2000);
    deliver(welcome(), 2000);
    const auto joins = only<join_frame>(frames());
    ASSERT_EQ(joins.size(), 1U);
    EXPECT_EQ(joins[0].since, 4U);

    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 6}, 2001);
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(5, 6), false, false}, 2001);
    EXPECT_EQ(s().state(), connection_state::online);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(session_test, reconnect_delays_grow_while_attempts_fail_and_reset_after_a_join) {
    config_.http_fallback_after = 0;  // WebSockets only (http_fallback_test.cpp has the fallback)
    session_.emplace(config_, random_);
    s().start(0);
    millis now = 0;
    std::vector<millis> waits;
    for (int i = 0; i < 4; ++i) {
        s().transport_closed(now);
        const millis retry_at = *s().next_deadline();
        waits.push_back(retry_at - now);
        now = retry_at;
        s().on_timer(now);
    }
    EXPECT_GE(waits[0], 400);
    EXPECT_LE(waits[0], 500);
    EXPECT_GE(waits[3], 3200);
    EXPECT_LE(waits[3], 4000);

    s().transport_opened(now);
    deliver(welcome(), now);
    deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 0}, now);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, {}, false, false}, now);
    ASSERT_EQ(s().state(), connection_state::online);
    s().transport_closed(now);
    EXPECT_LE(*s().next_deadline() - now, 500);
}

TEST_F(session_test, no_answer_to_the_handshake_drops_the_transport_and_retries) {
    s().start(0);
    s().transport_opened(10);
    events();
    EXPECT_EQ(s().next_deadline(), config_.request_timeout_ms);
    s().on_timer(config_.request_timeout_ms);
    const auto ev = events();
    EXPECT_EQ(only<events::close_transport>(ev).size(), 1U);
    EXPECT_EQ(s().state(), connection_state::reconnecting);
    s().transport_closed(config_.request_timeout_ms + 5);  // the old socket's close is not a second loss
    EXPECT_TRUE(only<events::connection_changed>(events()).empty());
}

TEST_F(session_test, network_loss_goes_offline_without_retries_and_return_reconnects_at_once) {
    go_online(0);
    s().network_changed(false, 100);
    auto ev = events();
    EXPECT_EQ(only<events::close_transport>(ev).size(), 1U);
    EXPECT_EQ(s().state(), connection_state::offline);
    EXPECT_EQ(s().next_deadline(), std::nullopt);
    s().transport_closed(110);
    s().on_timer(100'000);
    EXPECT_TRUE(only<events::open_transport>(events()).empty());

    s().network_changed(true, 200);
    ev = events();
    EXPECT_EQ(only<events::open_transport>(ev).size(), 1U);
    EXPECT_EQ(s().state(), connection_state::connecting);
}

TEST_F(session_test, a_start_without_network_waits_offline) {
    s().network_changed(false, 0);
    s().start(0);
    EXPECT_EQ(s().state(), connection_state::offline);
    EXPECT_TRUE(only<events::open_transport>(events()).empty());
    s().network_changed(true, 50);
    EXPECT_EQ(only<events::open_transport>(events()).size(), 1U);
}

TEST_F(session_test, auth_failure_goes_offline_until_a_new_token) {
    s().start(0);
    s().transport_opened(0);
    frames();
    events();
    deliver(error_frame{errc::token_expired, "expired", std::nullopt}, 10);
    auto ev = events();
    const auto errors = only<events::error>(ev);
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].code, errc::token_expired);
    EXPECT_EQ(only<events::close_transport>(ev).size(), 1U);
    const auto changes = only<events::connection_changed>(ev);
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_EQ(changes[0].state, connection_state::offline);
    EXPECT_EQ(changes[0].reason, errc::token_expired);

    s().transport_closed(20);
    EXPECT_EQ(s().next_deadline(), std::nullopt);
    s().network_changed(true, 30);
    EXPECT_TRUE(only<events::open_transport>(events()).empty());

    s().set_token("token-2", 40);
    EXPECT_EQ(only<events::open_transport>(events()).size(), 1U);
    s().transport_opened(50);
    const auto auths = only<auth_frame>(frames());
    ASSERT_EQ(auths.size(), 1U);
    EXPECT_EQ(auths[0].token, "token-2");
}

TEST_F(session_test, other_errors_are_reported_but_keep_the_connection) {
    go_online(0);
    deliver(error_frame{errc::not_joined, "who?", std::string("lobby")}, 5);
    const auto ev = events();
    ASSERT_EQ(only<events::error>(ev).size(), 1U);
    EXPECT_TRUE(only<events::close_transport>(ev).empty());
    EXPECT_EQ(s().state(), connection_state::online);
}

TEST_F(session_test, a_new_token_while_online_reauthenticates_in_place) {
    go_online(0);
    s().set_token("token-2", 10);
    const auto auths = only<auth_frame>(frames());
    ASSERT_EQ(auths.size(), 1U);
    EXPECT_EQ(auths[0].token, "token-2");
    deliver(welcome(), 11);
    EXPECT_TRUE(only<join_frame>(frames()).empty());
    EXPECT_EQ(s().state(), connection_state::online);
}

TEST_F(session_test, a_refused_refresh_keeps_the_connection_on_the_token_in_use) {
    go_online(0);
    s().set_token("someone-elses-token", 10);
    frames();
    deliver(error_frame{errc::auth_failed, "a refreshed token must name the same user", std::nullopt}, 11);
    const auto ev = events();
    EXPECT_EQ(only<events::error>(ev).size(), 1U) << "reported";
    EXPECT_TRUE(only<events::close_transport>(ev).empty())
        << "but the relay keeps the connection, and so do we";
    EXPECT_EQ(s().state(), connection_state::online);
}

TEST_F(session_test, a_refused_join_is_tried_again_later_on_a_new_connection) {
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    events();
    deliver(error_frame{errc::room_full, "every room the relay can hold is in use", std::string("lobby")}, 5);
    const auto ev = events();
    EXPECT_EQ(only<events::error>(ev).size(), 1U);
    EXPECT_EQ(only<events::close_transport>(ev).size(), 1U);
    EXPECT_EQ(s().state(), connection_state::reconnecting)
        << "not stuck joining until the handshake deadline";
    EXPECT_LE(*s().next_deadline(), 5 + 500);
}

TEST_F(session_test, stop_closes_and_never_reconnects) {
    go_online(0);
    s().stop(10);
    const auto ev = events();
    EXPECT_EQ(only<events::close_transport>(ev).size(), 1U);
    EXPECT_EQ(s().state(), connection_state::offline);
    s().transport_closed(20);
    s().network_changed(true, 30);
    s().on_timer(1'000'000);
    EXPECT_TRUE(only<events::open_transport>(events()).empty());
    EXPECT_EQ(s().next_deadline(), std::nullopt);
}

TEST_F(session_test, frames_after_the_transport_closed_are_ignored) {
    go_online(0, from_bob(1, 1));
    s().transport_closed(10);
    events();
    deliver(message_frame{"lobby", from_bob(2)}, 11);
    EXPECT_TRUE(events().empty());
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1}));
}

TEST_F(session_test, an_undecodable_frame_is_an_error_event) {
    go_online(0);
    s().receive("{\"type\":\"no_such_frame\"}", 5);
    const auto errors = only<events::error>(events());
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].code, errc::unknown_type);
}

// ---- batches (batch.hpp) --------------------------------------------------

// Several frames in one message, as the relay joins them.
std::string batch_of(const std::vector<server_frame>& frames) {
    frame_batch batch;
    for (const auto& frame : frames) {
        batch.add(encode(frame));
    }
    return batch.take();
}

TEST_F(session_test, the_auth_frame_asks_for_batches) {
    s().start(0);
    s().transport_opened(0);
    const auto auths = only<auth_frame>(frames());
    ASSERT_EQ(auths.size(), 1U);
    EXPECT_TRUE(auths[0].batch);
}

TEST_F(session_test, a_batch_is_handled_frame_by_frame_in_order) {
    s().start(0);
    s().transport_opened(0);
    frames();
    events();
    s().receive(
        batch_of({welcome(), joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 2},
                  history_frame{"lobby", room_epoch, history_mode::latest, from_bob(1, 1), false, false},
                  message_frame{"lobby", from_bob(2)}}),
        5);
    EXPECT_EQ(only<join_frame>(frames()).size(), 1U) << "the welcome's join";
    EXPECT_EQ(s().state(), connection_state::online);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2}));
}

TEST_F(session_test, a_bad_frame_in_a_batch_is_an_error_and_the_others_still_count) {
    go_online(0, from_bob(1, 1));
    frame_batch batch;
    batch.add(encode(message_frame{"lobby", from_bob(2)}));
    batch.add(R"({"type":"message","room":"lobby"})");
    batch.add(encode(message_frame{"lobby", from_bob(3)}));
    s().receive(batch.take(), 5);
    const auto errors = only<events::error>(events());
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].code, errc::missing_field);
    EXPECT_EQ(errors[0].detail, "frames[1].message");
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3}));
}

TEST_F(session_test, frames_in_a_batch_after_one_that_ends_the_connection_are_ignored) {
    go_online(0, from_bob(1, 1));
    s().receive(batch_of({error_frame{errc::token_expired, "expired", std::nullopt},
                          message_frame{"lobby", from_bob(2)}}),
                5);
    EXPECT_EQ(only<events::close_transport>(events()).size(), 1U);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1}));
}

TEST_F(session_test, frames_for_another_room_are_ignored) {
    go_online(0);
    deliver(message_frame{"elsewhere", from_bob(1)}, 5);
    EXPECT_TRUE(events().empty());
    EXPECT_TRUE(s().timeline().empty());
}

// ---- outbox ---------------------------------------------------------------

TEST_F(session_test, invalid_text_is_refused_and_changes_nothing) {
    go_online(0);
    EXPECT_EQ(s().send("   ", 1).error(), errc::empty_text);
    EXPECT_EQ(s().send(std::string(501, 'x'), 1).error(), errc::text_too_long);
    EXPECT_EQ(s().send("bad\x01", 1).error(), errc::control_character);
    EXPECT_TRUE(events().empty());
    EXPECT_TRUE(frames().empty());
    EXPECT_TRUE(s().timeline().empty());
}

TEST_F(session_test, send_echoes_locally_and_an_ack_sequences_it) {
    go_online(0, from_bob(1, 2));
    const auto id = send_now("  hi there\r\n ", 50);
    auto ev = events();
    auto upserts = only<events::message_upserted>(ev);
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].message.id, id);
    EXPECT_TRUE(upserts[0].message.own);
    EXPECT_EQ(upserts[0].message.state, delivery_state::sending);
    EXPECT_EQ(upserts[0].message.text, "hi there");
    EXPECT_EQ(upserts[0].message.from, me);
    EXPECT_EQ(upserts[0].before, std::nullopt);

    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id);
    EXPECT_EQ(sends[0].text, "hi there");
    EXPECT_EQ(sends[0].room, "lobby");

    deliver(ack_frame{"lobby", room_epoch, id, 3, 777}, 60);
    upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].message.state, delivery_state::sent);
    EXPECT_EQ(upserts[0].message.seq, 3U);
    EXPECT_EQ(upserts[0].message.ts, 777);
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[2].id, id);
    EXPECT_EQ(rows[2].state, delivery_state::sent);

    deliver(ack_frame{"lobby", room_epoch, id, 3, 777}, 61);  // a duplicate ack changes nothing
    EXPECT_TRUE(events().empty());
    EXPECT_EQ(s().timeline().size(), 3U);
    EXPECT_EQ(s().next_deadline(), token_refresh_due);
}

TEST_F(session_test, messages_typed_before_going_online_wait_queued_and_go_out_in_order) {
    s().start(0);
    const auto first = s().send("one", 1);
    const auto second = s().send("two", 2);
    ASSERT_TRUE(first.ok() && second.ok());
    auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 2U);
    EXPECT_EQ(upserts[0].message.state, delivery_state::queued);
    EXPECT_EQ(upserts[0].before, std::nullopt);
    EXPECT_TRUE(frames().empty());

    s().transport_opened(5);
    deliver(welcome(), 5);
    // The author becomes known: the pending rows are shown again with it.
    upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 2U);
    EXPECT_EQ(upserts[0].message.from, me);
    EXPECT_EQ(upserts[0].before, second.value());
    EXPECT_EQ(upserts[1].before, std::nullopt);
    frames();

    deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 0}, 6);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, {}, false, false}, 6);
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 2U);
    EXPECT_EQ(sends[0].id, first.value());
    EXPECT_EQ(sends[1].id, second.value());
}

TEST_F(session_test, the_local_rate_limit_holds_messages_and_says_until_when) {
    go_online(0, {}, 0, false, welcome(500, rate_limit_config{2, 1000}));
    send_now("a", 100);
    send_now("b", 100);
    const auto third = send_now("c", 100);
    const auto ev = events();
    const auto limited = only<events::rate_limited>(ev);
    ASSERT_EQ(limited.size(), 1U);
    EXPECT_EQ(limited[0].retry_at, 1100);
    const auto upserts = only<events::message_upserted>(ev);
    ASSERT_EQ(upserts.size(), 3U);
    EXPECT_EQ(upserts[2].message.state, delivery_state::queued);
    EXPECT_EQ(only<send_frame>(frames()).size(), 2U);
    EXPECT_GT(s().rate_wait_ms(100), 0U);
    deliver(welcome(500, rate_limit_config{2, 1000}),
            100);  // re-auth: the same settings keep the spent tokens
    EXPECT_GT(s().rate_wait_ms(100), 0U);
    // What the composer shows meanwhile: the wait, unless the text itself is wrong.
    EXPECT_EQ(s().validate("next", 100).error(), errc::rate_limited);
    EXPECT_EQ(s().validate("  ", 100).error(), errc::rate_limited);
    EXPECT_EQ(s().validate(std::string(501, 'x'), 100).error(), errc::text_too_long);
    EXPECT_EQ(s().validate("next", 1100).value(), "next");

    EXPECT_EQ(s().next_deadline(), 1100);
    s().on_timer(1100);
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, third);
}

TEST_F(session_test, unacked_sends_are_resent_with_the_same_id_then_fail) {
    go_online(0);
    const auto id = send_now("anyone?", 0);
    frames();
    events();
    millis now = 0;
    std::vector<millis> gaps;
    for (std::uint32_t attempt = 1; attempt < config_.max_send_attempts; ++attempt) {
        const millis due = *s().next_deadline();
        gaps.push_back(due - now);
        now = due;
        relay_speaks(now - 1);  // alive, but this ack never comes
        s().on_timer(now);
        const auto sends = only<send_frame>(frames());
        ASSERT_EQ(sends.size(), 1U);
        EXPECT_EQ(sends[0].id, id);
    }
    EXPECT_TRUE(only<events::message_upserted>(events()).empty());  // still sending
    EXPECT_GE(gaps[0], 1600);
    EXPECT_LE(gaps[0], 2000);
    EXPECT_GE(gaps[1], 3200);
    EXPECT_LE(gaps[1], 4000);
    EXPECT_GE(gaps[3], 12800);
    EXPECT_LE(gaps[3], 16000);

    now = *s().next_deadline();
    s().on_timer(now);
    EXPECT_TRUE(frames().empty());
    const auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].message.state, delivery_state::failed);
    EXPECT_EQ(upserts[0].message.failure, errc::no_ack);
    EXPECT_EQ(s().next_deadline(), token_refresh_due);
}

TEST_F(session_test, a_connection_silent_since_a_send_is_replaced_instead_of_resent_into) {
    go_online(0, from_bob(1, 2));
    const auto id = send_now("into the void?", 100);
    frames();
    events();
    const millis due = *s().next_deadline();
    s().on_timer(due);
    auto ev = events();
    EXPECT_EQ(only<events::close_transport>(ev).size(), 1U)
        << "nothing heard since the send: a dead connection";
    EXPECT_TRUE(only<send_frame>(frames()).empty());
    EXPECT_EQ(s().state(), connection_state::reconnecting);
    EXPECT_EQ(only<events::message_upserted>(ev).at(0).message.state, delivery_state::queued);

    s().on_timer(*s().next_deadline());
    s().transport_opened(due + 600);
    deliver(welcome(), due + 600);
    deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 2}, due + 600);
    deliver(history_frame{"lobby", room_epoch, history_mode::after, {}, false, false}, due + 600);
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id) << "the same message, on the new connection";
}

TEST_F(session_test, attempts_that_meet_only_silence_count_so_the_message_fails_in_the_end) {
    go_online(0);
    const auto id = send_now("nobody answers", 0);
    millis now = 0;
    for (int round = 0; round < 20 && s().timeline().at(0).state != delivery_state::failed; ++round) {
        now = *s().next_deadline();
        s().on_timer(now);  // silence: drop and reconnect
        if (s().state() == connection_state::reconnecting) {
            now = *s().next_deadline();
            s().on_timer(now);
            s().transport_opened(now);
            deliver(welcome(), now);
            deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 0}, now);
            deliver(history_frame{"lobby", room_epoch, history_mode::latest, {}, false, false}, now);
        }
    }
    ASSERT_EQ(s().timeline().at(0).id, id);
    EXPECT_EQ(s().timeline().at(0).state, delivery_state::failed);
    EXPECT_EQ(s().timeline().at(0).failure, errc::no_ack);
}

TEST_F(session_test, attempts_interrupted_by_a_lost_connection_do_not_count) {
    go_online(0, from_bob(1, 1));
    const auto a = send_now("a", 0);
    const auto b = send_now("b", 0);
    frames();
    events();
    millis now = 0;
    for (std::uint32_t i = 0; i < config_.max_send_attempts + 2; ++i) {
        s().transport_closed(now);
        const auto requeued = only<events::message_upserted>(events());
        ASSERT_EQ(requeued.size(), 2U);
        EXPECT_EQ(requeued[0].message.state, delivery_state::queued);
        now = *s().next_deadline() + 2000;  // the rate limit refills meanwhile
        s().on_timer(now);
        s().transport_opened(now);
        deliver(welcome(), now);
        deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 1}, now);
        deliver(history_frame{"lobby", room_epoch, history_mode::after, {}, false, false}, now);
        const auto sends = only<send_frame>(frames());
        ASSERT_EQ(sends.size(), 2U);
        EXPECT_EQ(sends[0].id, a);
        EXPECT_EQ(sends[1].id, b);
        events();
    }
    // Online, each still has its full allowance of resends before failing.
    int resends_of_a = 0;
    while (s().timeline().back().state != delivery_state::failed) {
        now = *s().next_deadline();
        relay_speaks(now - 1);
        s().on_timer(now);
        for (const auto& send : only<send_frame>(frames())) {
            resends_of_a += send.id == a ? 1 : 0;
        }
    }
    EXPECT_EQ(resends_of_a, static_cast<int>(config_.max_send_attempts) - 1);
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[1].id, a);
    EXPECT_EQ(rows[1].state, delivery_state::failed);
    EXPECT_EQ(rows[1].failure, errc::no_ack);
}

TEST_F(session_test, a_rate_limited_nack_waits_the_retry_after_and_never_fails) {
    go_online(0);
    const auto id = send_now("hi", 0);
    frames();
    events();
    millis now = 10;
    for (int i = 0; i < 8; ++i) {
        deliver(nack_frame{"lobby", id, errc::rate_limited, 700}, now);
        const auto ev = events();
        const auto limited = only<events::rate_limited>(ev);
        ASSERT_EQ(limited.size(), 1U);
        EXPECT_EQ(limited[0].retry_at, now + 700);
        // The relay's wait counts even though the local bucket has tokens.
        EXPECT_EQ(s().rate_wait_ms(now), 700U);
        EXPECT_EQ(s().rate_wait_ms(now + 650), 50U);
        const auto upserts = only<events::message_upserted>(ev);
        ASSERT_EQ(upserts.size(), 1U);
        EXPECT_EQ(upserts[0].message.state, delivery_state::queued);
        EXPECT_EQ(s().next_deadline(), now + 700);
        now += 700;
        s().on_timer(now);
        const auto sends = only<send_frame>(frames());
        ASSERT_EQ(sends.size(), 1U);
        EXPECT_EQ(sends[0].id, id);
        events();
    }
    deliver(ack_frame{"lobby", room_epoch, id, 1, now}, now);
    EXPECT_EQ(s().timeline().at(0).state, delivery_state::sent);
}

TEST_F(session_test, a_refusing_nack_fails_the_message_and_retry_resends_the_same_id) {
    go_online(0);
    const auto id = send_now("hi", 0);
    frames();
    events();
    deliver(nack_frame{"lobby", id, errc::id_conflict, std::nullopt}, 5);
    auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].message.state, delivery_state::failed);
    EXPECT_EQ(upserts[0].message.failure, errc::id_conflict);
    EXPECT_EQ(s().next_deadline(), token_refresh_due);

    deliver(nack_frame{"lobby", id, errc::rate_limited, 10}, 6);  // stale: the entry already failed
    EXPECT_TRUE(events().empty());

    EXPECT_TRUE(s().retry(id, 20).ok());
    upserts = only<events::message_upserted>(events());
    ASSERT_FALSE(upserts.empty());
    EXPECT_EQ(upserts.back().message.state, delivery_state::sending);
    EXPECT_EQ(upserts.back().message.failure, std::nullopt);
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id);
}

TEST_F(session_test, a_retryable_nack_without_retry_after_backs_off) {
    go_online(0);
    const auto id = send_now("hi", 0);
    frames();
    deliver(nack_frame{"lobby", id, errc::internal, std::nullopt}, 100);
    EXPECT_TRUE(only<events::rate_limited>(events()).empty());
    const millis due = *s().next_deadline();
    EXPECT_GE(due, 100 + 3200);
    EXPECT_LE(due, 100 + 4000);
}

TEST_F(session_test, retry_of_an_unknown_id_is_an_error_and_of_a_pending_one_a_no_op) {
    go_online(0);
    EXPECT_EQ(s().retry(id_of(9), 0).error(), errc::invalid_message_id);
    const auto id = send_now("x", 0);
    frames();
    events();
    EXPECT_TRUE(s().retry(id, 0).ok());
    EXPECT_TRUE(frames().empty());
    EXPECT_TRUE(events().empty());
}

TEST_F(session_test, our_message_coming_back_counts_as_its_ack) {
    go_online(0);
    const auto id = send_now("echo", 0);
    frames();
    events();
    deliver(message_frame{"lobby", chat_message{1, id, me, "echo", 42}}, 5);
    const auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].message.state, delivery_state::sent);
    EXPECT_EQ(upserts[0].message.seq, 1U);
    EXPECT_TRUE(upserts[0].message.own);
    EXPECT_EQ(s().timeline().size(), 1U);
    EXPECT_EQ(s().next_deadline(), token_refresh_due);  // no resend pending
    deliver(ack_frame{"lobby", room_epoch, id, 1, 42}, 6);
    EXPECT_TRUE(events().empty());
    EXPECT_EQ(s().timeline().size(), 1U);
}

TEST_F(session_test, a_late_ack_rescues_a_failed_message) {
    go_online(0);
    const auto id = send_now("late", 0);
    deliver(nack_frame{"lobby", id, errc::internal, std::nullopt}, 1);
    while (s().timeline().at(0).state != delivery_state::failed) {
        const millis due = *s().next_deadline();
        relay_speaks(due - 1);
        s().on_timer(due);
    }
    events();
    deliver(ack_frame{"lobby", room_epoch, id, 1, 5}, 100'000);
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].state, delivery_state::sent);
    EXPECT_EQ(rows[0].seq, 1U);
}

// ---- timeline ---------------------------------------------------------------

TEST_F(session_test, pending_messages_stay_at_the_end_and_sequenced_ones_go_before_them) {
    go_online(0, from_bob(1, 1));
    const auto mine = send_now("mine", 10);
    events();
    deliver(message_frame{"lobby", from_bob(2)}, 11);
    auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].before, mine);
    EXPECT_FALSE(upserts[0].message.own);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 0}));
}

TEST_F(session_test, duplicate_deliveries_are_dropped) {
    go_online(0, from_bob(1, 2));
    deliver(message_frame{"lobby", from_bob(2)}, 5);
    auto other_id = from_bob(3);
    other_id.id = from_bob(1).id;
    deliver(message_frame{"lobby", other_id}, 5);
    EXPECT_TRUE(only<events::message_upserted>(events()).empty());
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2}));
}

TEST_F(session_test, a_gap_asks_once_for_the_missing_range_and_merges_the_answer) {
    go_online(0, from_bob(1, 2));
    deliver(message_frame{"lobby", from_bob(5)}, 10);
    auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].after, 2U);
    EXPECT_EQ(requests[0].before, std::nullopt);
    EXPECT_EQ(requests[0].limit, 50U);

    deliver(message_frame{"lobby", from_bob(6)}, 11);
    EXPECT_TRUE(only<history_request_frame>(frames()).empty());
    events();

    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(3, 6), false, false}, 12);
    const auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 2U);  // 5 and 6 were already there
    EXPECT_EQ(upserts[0].message.seq, 3U);
    EXPECT_EQ(upserts[0].before, from_bob(5).id);
    EXPECT_EQ(upserts[1].message.seq, 4U);
    EXPECT_EQ(upserts[1].before, from_bob(5).id);
    EXPECT_TRUE(only<history_request_frame>(frames()).empty());
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(session_test, a_partial_gap_answer_asks_for_the_rest) {
    go_online(0, from_bob(1, 1));
    deliver(message_frame{"lobby", from_bob(9)}, 10);
    frames();
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(2, 4), false, false}, 11);
    const auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].after, 4U);
}

TEST_F(session_test, an_unanswered_gap_request_is_asked_again_after_the_timeout) {
    go_online(0, from_bob(1, 1));
    deliver(message_frame{"lobby", from_bob(3)}, 10);
    ASSERT_EQ(only<history_request_frame>(frames()).size(), 1U);
    EXPECT_EQ(s().next_deadline(), 10 + config_.request_timeout_ms);
    // A stale page that brings nothing new does not trigger an immediate repeat.
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(1, 1), false, false}, 20);
    EXPECT_TRUE(only<history_request_frame>(frames()).empty());
    s().on_timer(20 + config_.request_timeout_ms);
    const auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].after, 1U);
}

TEST_F(session_test, an_ack_beyond_what_we_hold_reveals_a_gap) {
    go_online(0, from_bob(1, 1));
    const auto id = send_now("x", 5);
    frames();
    deliver(ack_frame{"lobby", room_epoch, id, 4, 6}, 6);
    const auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].after, 1U);
}

TEST_F(session_test, a_truncated_answer_resets_the_timeline_but_keeps_pending_messages) {
    go_online(0, from_bob(1, 3));
    s().transport_closed(10);
    const auto pending = s().send("still here", 11);
    ASSERT_TRUE(pending.ok());
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 300}, 1000);
    events();
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(251, 300), true, true}, 1000);
    const auto ev = events();
    ASSERT_EQ(only<events::timeline_reset>(ev).size(), 1U);
    EXPECT_EQ(only<events::timeline_reset>(ev)[0].reason, reset_reason::history_truncated);
    EXPECT_TRUE(std::holds_alternative<events::timeline_reset>(ev.front()));
    const auto upserts = only<events::message_upserted>(ev);
    ASSERT_EQ(upserts.size(), 51U);  // the page, then our message going out
    EXPECT_EQ(upserts[0].before, pending.value());
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 51U);
    EXPECT_EQ(rows.front().seq, 251U);
    EXPECT_EQ(rows.back().id, pending.value());
    EXPECT_TRUE(only<history_request_frame>(frames()).empty());

    // Older pages continue below the new block.
    s().load_older(1001);
    const auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].before, 251U);
}

TEST_F(session_test, load_older_asks_before_the_oldest_held_once_at_a_time) {
    go_online(0, from_bob(101, 150), 0, true);
    s().load_older(5);
    s().load_older(6);
    auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].before, 101U);
    EXPECT_EQ(requests[0].after, std::nullopt);
    EXPECT_EQ(requests[0].limit, 50U);

    deliver(history_frame{"lobby", room_epoch, history_mode::before, from_bob(51, 100), false, true}, 7);
    auto ev = events();
    const auto loaded = only<events::history_loaded>(ev);
    ASSERT_EQ(loaded.size(), 1U);
    EXPECT_EQ(loaded[0].mode, history_mode::before);
    EXPECT_EQ(loaded[0].count, 50U);
    EXPECT_TRUE(loaded[0].has_more);
    const auto upserts = only<events::message_upserted>(ev);
    ASSERT_EQ(upserts.size(), 50U);
    EXPECT_EQ(upserts[0].message.seq, 100U);  // each lands before one already shown
    EXPECT_EQ(upserts[0].before, from_bob(101).id);
    EXPECT_EQ(upserts[49].before, from_bob(52).id);

    s().load_older(8);
    requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].before, 51U);
    deliver(history_frame{"lobby", room_epoch, history_mode::before, from_bob(1, 50), false, false}, 9);
    EXPECT_FALSE(only<events::history_loaded>(events()).at(0).has_more);
    s().load_older(10);
    EXPECT_TRUE(frames().empty());
    EXPECT_EQ(s().timeline().size(), 150U);
}

TEST_F(session_test, an_unanswered_older_request_can_be_asked_again_after_the_timeout) {
    go_online(0, from_bob(51, 60), 0, true);
    s().load_older(0);
    ASSERT_EQ(only<history_request_frame>(frames()).size(), 1U);
    s().on_timer(config_.request_timeout_ms);
    s().load_older(config_.request_timeout_ms);
    EXPECT_EQ(only<history_request_frame>(frames()).size(), 1U);
}

TEST_F(session_test, live_messages_before_the_first_page_wait_for_it) {
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 3}, 0);
    events();
    deliver(message_frame{"lobby", from_bob(4)}, 1);  // overtook the page
    EXPECT_TRUE(only<events::message_upserted>(events()).empty());
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, from_bob(2, 3), false, true}, 2);
    EXPECT_EQ(only<events::message_upserted>(events()).size(), 3U);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{2, 3, 4}));
    EXPECT_TRUE(only<history_request_frame>(frames()).empty());
}

// ---- unread -----------------------------------------------------------------

TEST_F(session_test, unread_counts_others_messages_after_the_read_marker) {
    go_online(0, from_bob(1, 5), 3);
    EXPECT_EQ(s().unread_count(), 2U);
    // Our own message from another tab is not unread.
    deliver(message_frame{"lobby", chat_message{6, id_of(6), me, "from my other tab", 6}}, 2);
    EXPECT_EQ(s().unread_count(), 2U);
    EXPECT_TRUE(only<events::unread_changed>(events()).empty());

    deliver(message_frame{"lobby", from_bob(7)}, 3);
    const auto changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0].count, 3U);
    EXPECT_EQ(changed[0].divider, from_bob(4).id);
}

TEST_F(session_test, a_batch_tells_the_unread_count_once_after_its_messages) {
    go_online(0, from_bob(1, 5), 5);
    s().receive(batch_of({message_frame{"lobby", from_bob(6)}, message_frame{"lobby", from_bob(7)},
                          message_frame{"lobby", from_bob(8)}}),
                3);
    const auto told = events();
    const auto changed = only<events::unread_changed>(told);
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{3, from_bob(6).id}));
    EXPECT_EQ(only<events::message_upserted>(told).size(), 3U);
    ASSERT_FALSE(told.empty());
    EXPECT_TRUE(std::holds_alternative<events::unread_changed>(told.back())) << "after the messages";
}

// Within a batch, unread messages starting again after all was read (on
// another tab) move the divider, as they do frame by frame, though the UI
// heard neither step.
TEST_F(session_test, in_a_batch_unread_starting_again_moves_the_divider) {
    go_online(0, from_bob(1, 5), 2);
    ASSERT_EQ(s().unread_count(), 3U);
    s().receive(batch_of({read_marker_frame{"lobby", 5}, message_frame{"lobby", from_bob(6)}}), 3);
    const auto changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{1, from_bob(6).id}));
}

TEST_F(session_test, the_divider_stays_where_the_unread_began_while_the_reader_reads_on) {
    go_online(0, from_bob(1, 5), 2);
    EXPECT_EQ(s().unread_count(), 3U);
    s().mark_read(4, 1);
    auto changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{1, from_bob(3).id}));
    s().mark_read(5, 2);
    changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{0, from_bob(3).id})) << "read, and still marked";
    // Unread starts again while the reader is away: the divider moves there.
    deliver(message_frame{"lobby", from_bob(6)}, 3);
    changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{1, from_bob(6).id}));
    deliver(message_frame{"lobby", from_bob(7)}, 4);
    changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{2, from_bob(6).id}));
}

TEST_F(session_test, while_watching_arrivals_are_read_and_the_divider_stays) {
    go_online(0, from_bob(1, 3), 1);
    s().set_watching(true, 1);
    auto changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{0, from_bob(2).id}));
    auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 3U);

    deliver(message_frame{"lobby", from_bob(4)}, 2);
    EXPECT_EQ(s().unread_count(), 0U);
    EXPECT_TRUE(only<events::unread_changed>(events()).empty()) << "no flash of unread while watching";
    EXPECT_TRUE(only<read_frame>(frames()).empty()) << "at most one read frame per read interval";
    s().on_timer(2 + 1'000);  // config_.read_interval_ms after the last one
    reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 4U);

    s().set_watching(false, 3'000);
    deliver(message_frame{"lobby", from_bob(5)}, 3'001);
    changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{1, from_bob(5).id})) << "away again: the divider moves";
    s().set_watching(false, 3'002);
    EXPECT_TRUE(events().empty());
}

TEST_F(session_test, a_watching_reader_reads_a_batch_once_with_its_newest_message) {
    go_online(0, from_bob(1, 3));
    s().set_watching(true, 1);
    frames();
    events();
    s().on_timer(1 + 1'000);  // the read interval has passed: the next read goes at once
    s().receive(batch_of({message_frame{"lobby", from_bob(4)}, message_frame{"lobby", from_bob(5)},
                          message_frame{"lobby", from_bob(6)}}),
                1'001);
    const auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 6U) << "the newest, not the first with the rest held for the interval";
    EXPECT_EQ(s().unread_count(), 0U);
    EXPECT_TRUE(only<events::unread_changed>(events()).empty()) << "no flash of unread while watching";
    s().on_timer(1'001 + 1'000);
    EXPECT_TRUE(only<read_frame>(frames()).empty()) << "nothing held back for later";
}

TEST_F(session_test, a_watching_reader_reads_the_rejoin_page_and_tells_the_relay) {
    go_online(0, from_bob(1, 3));
    s().set_watching(true, 1);
    frames();
    s().transport_closed(10);
    s().on_timer(*s().next_deadline());
    s().transport_opened(5000);
    deliver(welcome(), 5000);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 3, 5}, 5000);
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(4, 5), false, false}, 5000);
    EXPECT_EQ(s().state(), connection_state::online);
    EXPECT_EQ(s().unread_count(), 0U);
    const auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 5U);
}

TEST_F(session_test, with_nothing_unread_own_messages_send_no_read_frames) {
    go_online(0, from_bob(1, 3), 3);
    s().set_watching(true, 1);
    const auto id = send_now("mine", 2);
    deliver(ack_frame{"lobby", room_epoch, id, 4, 2}, 3);
    EXPECT_TRUE(only<read_frame>(frames()).empty());
    EXPECT_TRUE(only<events::unread_changed>(events()).empty());
}

TEST_F(session_test, sending_reads_the_room_and_clears_the_divider) {
    go_online(0, from_bob(1, 3));
    EXPECT_EQ(s().unread_count(), 3U);
    events();
    send_now("seen it", 1);
    const auto changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0], (events::unread_changed{0, std::nullopt}));
    const auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 3U);
}

TEST_F(session_test, a_reset_timeline_takes_the_divider_with_it) {
    go_online(0, from_bob(1, 3));
    events();
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(100, 101), true, false}, 2);
    const auto changed = only<events::unread_changed>(events());
    ASSERT_FALSE(changed.empty());
    EXPECT_EQ(changed.back(), (events::unread_changed{2, from_bob(100).id}))
        << "the old divider went with its rows; the first unread held gets one";
}

TEST_F(session_test, mark_read_moves_forward_only_and_tells_the_relay) {
    go_online(0, from_bob(1, 5), 1);
    frames();
    s().mark_read(4, 10);
    const auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 4U);
    EXPECT_EQ(reads[0].room, "lobby");
    const auto changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0].count, 1U);
    EXPECT_EQ(changed[0].divider, from_bob(2).id) << "where the unread began";

    s().mark_read(2, 11);
    s().mark_read(4, 11);
    EXPECT_TRUE(frames().empty());
    EXPECT_TRUE(events().empty());
}

TEST_F(session_test, mark_read_stops_at_the_newest_known_message) {
    go_online(0, from_bob(1, 3));
    frames();
    s().mark_read(1000, 5);
    const auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 3U);
    deliver(message_frame{"lobby", from_bob(4)}, 6);
    EXPECT_EQ(s().unread_count(), 1U);
}

TEST_F(session_test, another_tab_moving_the_marker_updates_unread) {
    go_online(0, from_bob(1, 5));
    deliver(read_marker_frame{"lobby", 5}, 3);
    const auto changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0].count, 0U);
    EXPECT_EQ(changed[0].divider, from_bob(1).id) << "read elsewhere; still shows where it began";
    deliver(read_marker_frame{"lobby", 2}, 4);
    EXPECT_TRUE(events().empty());
    EXPECT_TRUE(frames().empty());  // the relay already knows
}

TEST_F(session_test, reading_while_disconnected_is_told_after_the_rejoin) {
    go_online(0, from_bob(1, 5));
    s().transport_closed(10);
    s().mark_read(5, 11);
    EXPECT_TRUE(frames().empty());
    EXPECT_EQ(s().unread_count(), 0U);
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    frames();
    deliver(joined_frame{"lobby", room_epoch, {me}, 1, 2, 5}, 1000);
    const auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 5U);
    EXPECT_EQ(s().unread_count(), 0U);
}

// ---- presence -----------------------------------------------------------------

TEST_F(session_test, presence_follows_joins_and_leaves) {
    go_online(0);
    const user_info cy{"cy", "Cy"};
    deliver(presence_frame{"lobby", presence_event::join, cy, 3}, 1);
    auto presence = only<events::presence_changed>(events());
    ASSERT_EQ(presence.size(), 1U);
    EXPECT_EQ(presence[0].members, (std::vector<user_info>{me, bob, cy}));
    EXPECT_EQ(presence[0].count, 3U);
    // Presence is idempotent: a join the joined frame already listed changes nothing.
    deliver(presence_frame{"lobby", presence_event::join, cy, 3}, 2);
    presence = only<events::presence_changed>(events());
    EXPECT_EQ(presence.at(0).members.size(), 3U);
    deliver(presence_frame{"lobby", presence_event::leave, bob, 2}, 3);
    presence = only<events::presence_changed>(events());
    EXPECT_EQ(presence.at(0).members, (std::vector<user_info>{me, cy}));
    EXPECT_EQ(presence.at(0).count, 2U);
}

// ---- typing ---------------------------------------------------------------------

TEST_F(session_test, keystrokes_say_typing_at_most_every_renew_time_and_clearing_says_stopped) {
    go_online(0);
    s().composing(true, 100);
    auto sent = only<typing_frame>(frames());
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].room, "lobby");
    EXPECT_TRUE(sent[0].active);
    s().composing(true, 200);
    EXPECT_TRUE(frames().empty());
    s().composing(true, 100 + typing_renew_ms);
    EXPECT_EQ(only<typing_frame>(frames()).size(), 1U) << "said again while typing goes on";
    s().composing(false, 100 + typing_renew_ms + 50);
    sent = only<typing_frame>(frames());
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_FALSE(sent[0].active);
    EXPECT_TRUE(events().empty()) << "the own typing is nothing the UI shows";
}

TEST_F(session_test, the_message_sent_ends_the_typing_without_a_frame_of_its_own) {
    go_online(0);
    s().composing(true, 100);
    frames();
    send_now("hi", 200);
    const auto sent = frames();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_TRUE(std::holds_alternative<send_frame>(sent[0])) << "the readers forget the typist as it comes";
    s().composing(false, 300);
    EXPECT_TRUE(frames().empty()) << "the cleared composer has nothing more to stop";
    s().composing(true, 400);
    EXPECT_TRUE(frames().empty()) << "the next start waits its renew time, as the relay would";
    s().composing(true, 100 + typing_renew_ms);
    EXPECT_EQ(only<typing_frame>(frames()).size(), 1U);
}

TEST_F(session_test, typing_goes_only_over_a_joined_websocket_and_starts_afresh_on_a_new_one) {
    s().composing(true, 0);
    EXPECT_TRUE(frames().empty()) << "not started";
    go_online(10);
    s().composing(true, 20);
    ASSERT_EQ(only<typing_frame>(frames()).size(), 1U);
    s().transport_closed(30);
    s().composing(true, 40);
    EXPECT_TRUE(frames().empty()) << "reconnecting";
    const millis retry = s().next_deadline().value();
    ASSERT_LT(retry, 20 + typing_renew_ms);
    s().on_timer(retry);
    s().transport_opened(retry);
    deliver(welcome(), retry);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 0}, retry);
    deliver(history_frame{"lobby", room_epoch, history_mode::after, {}, false, false}, retry);
    ASSERT_EQ(s().state(), connection_state::online);
    frames();
    s().composing(true, retry + 1);
    EXPECT_EQ(only<typing_frame>(frames()).size(), 1U)
        << "the relay forgot the start with the old connection";
}

TEST_F(session_test, the_others_typing_shows_until_they_stop_send_leave_or_go_quiet) {
    go_online(0);
    const user_info cy{"cy", "Cy"};
    deliver(typist_frame{"lobby", bob, true}, 100);
    deliver(typist_frame{"lobby", cy, true}, 110);
    auto typing = only<events::typing_changed>(events());
    ASSERT_EQ(typing.size(), 2U);
    EXPECT_EQ(typing[1].users, (std::vector<user_info>{bob, cy})) << "in the order they started";
    deliver(typist_frame{"lobby", bob, true}, 120);
    EXPECT_TRUE(only<events::typing_changed>(events()).empty()) << "a renewal changes nothing shown";

    deliver(message_frame{"lobby", from_bob(1)}, 200);
    typing = only<events::typing_changed>(events());
    ASSERT_EQ(typing.size(), 1U);
    EXPECT_EQ(typing[0].users, std::vector<user_info>{cy}) << "bob's message came";

    deliver(typist_frame{"lobby", bob, true}, 300);
    deliver(presence_frame{"lobby", presence_event::leave, bob, 1}, 310);
    typing = only<events::typing_changed>(events());
    ASSERT_EQ(typing.size(), 2U);
    EXPECT_EQ(typing[1].users, std::vector<user_info>{cy}) << "bob left";

    deliver(typist_frame{"lobby", cy, false}, 400);
    typing = only<events::typing_changed>(events());
    ASSERT_EQ(typing.size(), 1U);
    EXPECT_TRUE(typing[0].users.empty());
    EXPECT_FALSE(s().next_deadline().has_value() && *s().next_deadline() <= 400 + typing_expiry_ms);

    deliver(typist_frame{"lobby", cy, true}, 500);
    events();
    ASSERT_EQ(s().next_deadline(), std::optional<millis>(500 + typing_expiry_ms)) << "expiry is due";
    s().on_timer(500 + typing_expiry_ms - 1);
    EXPECT_TRUE(only<events::typing_changed>(events()).empty());
    s().on_timer(500 + typing_expiry_ms);
    typing = only<events::typing_changed>(events());
    ASSERT_EQ(typing.size(), 1U);
    EXPECT_TRUE(typing[0].users.empty()) << "no renewal came: cy went quiet";
}

TEST_F(session_test, a_lost_connection_forgets_every_typist_and_others_rooms_and_self_count_for_nothing) {
    go_online(0);
    deliver(typist_frame{"kitchen", bob, true}, 10);
    deliver(typist_frame{"lobby", me, true}, 20);
    EXPECT_TRUE(only<events::typing_changed>(events()).empty());
    deliver(typist_frame{"lobby", bob, true}, 30);
    ASSERT_EQ(only<events::typing_changed>(events()).size(), 1U);
    s().transport_closed(40);
    const auto typing = only<events::typing_changed>(events());
    ASSERT_EQ(typing.size(), 1U);
    EXPECT_TRUE(typing[0].users.empty()) << "their stops would be missed";
}

// ---- moderation -----------------------------------------------------------------

TEST_F(session_test, a_muted_send_fails_with_the_reason_and_further_sends_read_muted_until_the_end) {
    go_online(0);
    const auto id = send_now("hello", 100);
    frames();
    events();
    deliver(nack_frame{"lobby", id, errc::muted, std::uint32_t{10 * 60'000}}, 200);
    const auto ev = events();
    const auto muted = only<events::muted>(ev);
    ASSERT_EQ(muted.size(), 1U);
    EXPECT_EQ(muted[0].user, "me");
    EXPECT_EQ(muted[0].until, 200 + 10 * 60'000);
    const auto row = s().timeline().back();
    EXPECT_EQ(row.state, delivery_state::failed);
    EXPECT_EQ(row.failure, std::optional<errc>(errc::muted))
        << "not resent by itself: it would be refused again";
    EXPECT_EQ(s().validate("again", 300).error(), errc::muted);
    EXPECT_EQ(s().validate("", 300).error(), errc::muted);
    EXPECT_EQ(s().muted_wait_ms(300), 10U * 60'000 - 100);
    EXPECT_EQ(s().validate("x", 200 + 10 * 60'000).value(), "x") << "the mute ended";
    EXPECT_EQ(s().muted_wait_ms(200 + 10 * 60'000), 0U);
}

TEST_F(session_test, muted_frames_set_or_lift_the_users_own_mute_and_tell_of_others) {
    go_online(0);
    deliver(muted_frame{"lobby", "me", 50'000}, 10);
    EXPECT_EQ(s().validate("hi", 20).error(), errc::muted);
    deliver(muted_frame{"lobby", "me", 0}, 30);
    EXPECT_TRUE(s().validate("hi", 40).ok()) << "lifted";
    deliver(muted_frame{"lobby", "bob", 70'000}, 50);
    deliver(muted_frame{"kitchen", "me", 70'000}, 60);
    EXPECT_TRUE(s().validate("hi", 70).ok()) << "bob's mute, and another room's, are not ours";
    const auto muted = only<events::muted>(events());
    ASSERT_EQ(muted.size(), 3U);
    EXPECT_EQ(muted[2].user, "bob");
    EXPECT_EQ(muted[2].until, 70'000);
}

TEST_F(session_test, a_moderator_mutes_through_the_session_and_bad_requests_send_nothing) {
    EXPECT_EQ(s().mute("bob", 10, 0).error(), errc::not_joined);
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 0, /*moderator=*/true}, 0);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, {}, false, false}, 0);
    ASSERT_TRUE(s().moderator());
    frames();
    EXPECT_EQ(s().mute("not an id", 10, 1).error(), errc::invalid_user_id);
    EXPECT_EQ(s().mute("bob", max_mute_minutes + 1, 1).error(), errc::wrong_type);
    EXPECT_TRUE(frames().empty());
    ASSERT_TRUE(s().mute("bob", 10, 1).ok());
    ASSERT_TRUE(s().mute("bob", 0, 2).ok());
    const auto sent = only<mute_frame>(frames());
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_EQ(sent[0].room, "lobby");
    EXPECT_EQ(sent[0].user, "bob");
    EXPECT_EQ(sent[0].minutes, 10U);
    EXPECT_EQ(sent[1].minutes, 0U);
}

TEST_F(session_test, a_join_while_muted_says_until_when_once_and_a_join_without_lifts_it) {
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    joined_frame joined{"lobby", room_epoch, {me, bob}, 2, 0, 0};
    joined.muted_until = 600'000;
    deliver(joined, 0);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, {}, false, false}, 0);
    const auto told = only<events::muted>(events());
    ASSERT_EQ(told.size(), 1U);
    EXPECT_EQ(told[0].user, "me");
    EXPECT_EQ(told[0].until, 600'000);
    EXPECT_EQ(s().validate("hi", 10).error(), errc::muted) << "known before any send";

    s().transport_closed(20);
    const millis retry = *s().next_deadline();
    s().on_timer(retry);
    s().transport_opened(retry);
    deliver(welcome(), retry);
    deliver(joined, retry);
    EXPECT_TRUE(only<events::muted>(events()).empty()) << "a mute already known is not told again";
    joined.muted_until.reset();
    s().transport_closed(retry + 1);
    const millis again = *s().next_deadline();
    s().on_timer(again);
    s().transport_opened(again);
    deliver(welcome(), again);
    deliver(joined, again);
    const auto lifted = only<events::muted>(events());
    ASSERT_EQ(lifted.size(), 1U) << "lifted while away";
    EXPECT_EQ(lifted[0].until, 0);
    EXPECT_TRUE(s().validate("hi", again).ok());
}

TEST_F(session_test, only_a_joined_frame_that_says_so_makes_a_moderator) {
    go_online(0);
    EXPECT_FALSE(s().moderator());
}

// ---- removals --------------------------------------------------------------------

chat_message removal(seq_t seq, seq_t target, const user_info& by = bob) {
    return chat_message{seq,   id_of(100 + seq), by, "", 2000 + static_cast<millis>(seq), std::nullopt, false,
                        target};
}

TEST_F(session_test, the_author_removes_a_message_and_sees_its_tombstone_once_the_relay_acks) {
    go_online(0, from_bob(1, 1));
    const auto own = send_now("mine", 10);
    deliver(ack_frame{"lobby", room_epoch, own, 2, 20}, 20);
    frames();
    events();
    EXPECT_EQ(s().remove(1, 30).error(), errc::not_moderator) << "bob's, and we do not moderate";
    EXPECT_EQ(s().remove(9, 30).error(), errc::no_such_message);
    ASSERT_TRUE(s().remove(2, 30).ok());
    ASSERT_TRUE(s().remove(2, 31).ok()) << "asked twice: once on the wire";
    const auto sent = only<send_frame>(frames());
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].removes, std::optional<seq_t>(2));
    EXPECT_EQ(sent[0].text, "");
    EXPECT_EQ(s().timeline().size(), 2U) << "a removal is no row, pending or not";
    EXPECT_EQ(s().timeline_latest(1).rows.at(0).seq, 2U);
    ASSERT_EQ(s().pending().size(), 1U) << "kept across a reload like a message";
    EXPECT_EQ(s().pending()[0].removes, std::optional<seq_t>(2));
    EXPECT_TRUE(only<events::message_upserted>(events()).empty());

    deliver(ack_frame{"lobby", room_epoch, sent[0].id, 3, 40}, 40);
    const auto upserted = only<events::message_upserted>(events());
    ASSERT_EQ(upserted.size(), 1U);
    EXPECT_EQ(upserted[0].message.id, own);
    EXPECT_TRUE(upserted[0].message.removed);
    EXPECT_EQ(upserted[0].message.text, "");
    EXPECT_TRUE(s().pending().empty());
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2}));
    EXPECT_EQ(s().remove(2, 50).error(), errc::no_such_message) << "removed already";
}

TEST_F(session_test, a_removal_from_the_relay_turns_the_held_message_into_a_tombstone_without_a_gap) {
    go_online(0, from_bob(1, 2));
    deliver(message_frame{"lobby", removal(3, 1)}, 10);
    const auto ev = events();
    const auto upserted = only<events::message_upserted>(ev);
    ASSERT_EQ(upserted.size(), 1U);
    EXPECT_EQ(upserted[0].message.seq, 1U);
    EXPECT_TRUE(upserted[0].message.removed);
    EXPECT_EQ(upserted[0].before, std::optional<message_id>(id_of(2)));
    EXPECT_EQ(s().unread_count(), 2U) << "a removal is nothing to read";
    deliver(message_frame{"lobby", from_bob(4)}, 20);
    EXPECT_TRUE(only<history_request_frame>(frames()).empty()) << "its seq fills the sequence";
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 4}));
    events();
    deliver(message_frame{"lobby", removal(3, 1)}, 30);
    EXPECT_TRUE(only<events::message_upserted>(events()).empty()) << "the same removal again";
}

TEST_F(session_test, a_removal_that_came_before_its_message_removes_it_when_the_page_brings_it) {
    go_online(0, from_bob(5, 6), 0, /*has_more=*/true);
    deliver(message_frame{"lobby", removal(7, 4)}, 10);
    EXPECT_TRUE(only<events::message_upserted>(events()).empty()) << "not held yet";
    s().load_older(20);
    frames();
    deliver(history_frame{"lobby", room_epoch, history_mode::before, from_bob(3, 4), false, true}, 30);
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 4U);
    EXPECT_EQ(rows[1].seq, 4U);
    EXPECT_TRUE(rows[1].removed) << "the page was read before the removal was decided";
    EXPECT_EQ(rows[1].text, "");
    EXPECT_FALSE(rows[0].removed);
}

TEST_F(session_test, a_moderator_removes_anyones_message_and_a_refusal_comes_as_an_error) {
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 1, /*moderator=*/true}, 0);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, from_bob(1, 1), false, false}, 0);
    frames();
    events();
    ASSERT_TRUE(s().remove(1, 10).ok());
    const auto sent = only<send_frame>(frames());
    ASSERT_EQ(sent.size(), 1U);
    deliver(nack_frame{"lobby", sent[0].id, errc::no_such_message, std::nullopt}, 20);
    const auto ev = events();
    const auto errors = only<events::error>(ev);
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].code, errc::no_such_message);
    EXPECT_TRUE(only<events::message_upserted>(ev).empty());
    EXPECT_TRUE(s().pending().empty()) << "nothing to retry: it is dropped";
    EXPECT_FALSE(s().timeline().at(0).removed);
}

TEST_F(session_test, a_removal_goes_out_again_after_a_reconnect_and_survives_a_reload) {
    go_online(0, from_bob(1, 1));
    const auto own = send_now("mine", 10);
    deliver(ack_frame{"lobby", room_epoch, own, 2, 20}, 20);
    ASSERT_TRUE(s().remove(2, 30).ok());
    const auto first = only<send_frame>(frames());
    ASSERT_EQ(first.size(), 2U);
    const auto stored = s().pending();

    client_session reloaded(config_, random_);
    ASSERT_EQ(reloaded.restore(stored, 40).value(), 1U);
    EXPECT_EQ(reloaded.pending(), stored);
    EXPECT_TRUE(reloaded.timeline().empty()) << "no row for it";
    auto bad = stored;
    bad[0].text = "text";
    client_session refused(config_, random_);
    EXPECT_EQ(refused.restore(bad, 40).value(), 0U) << "a removal has no text";

    s().transport_closed(50);
    const millis retry = *s().next_deadline();
    s().on_timer(retry);
    s().transport_opened(retry);
    deliver(welcome(), retry);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 2}, retry);
    deliver(history_frame{"lobby", room_epoch, history_mode::after, {}, false, false}, retry);
    const auto again = only<send_frame>(frames());
    ASSERT_EQ(again.size(), 1U);
    EXPECT_EQ(again[0].id, first[1].id) << "the same id: the relay removes once";
    EXPECT_EQ(again[0].removes, std::optional<seq_t>(2));
}

// ---- reactions -------------------------------------------------------------------

chat_message reacted(seq_t seq, seq_t to, const std::string& emoji, const user_info& by = bob,
                     bool add = true) {
    chat_message entry{seq, id_of(200 + seq), by, "", 3000 + static_cast<millis>(seq)};
    entry.reaction = reaction_change{to, emoji, add};
    return entry;
}

std::vector<std::string> who_reacted(const timeline_message& row, const std::string& emoji) {
    std::vector<std::string> out;
    for (const auto& reaction : row.reactions) {
        if (reaction.emoji != emoji) continue;
        for (const auto& user : reaction.users) out.push_back(user.id);
    }
    return out;
}

TEST_F(session_test, a_reaction_shows_at_once_goes_out_and_stays_once_the_relay_takes_it) {
    go_online(0, from_bob(1, 1));
    EXPECT_EQ(s().react(1, "🍕", 10).error(), errc::wrong_type);
    EXPECT_EQ(s().react(7, "😂", 10).error(), errc::no_such_message);
    ASSERT_TRUE(s().react(1, "😂", 10).ok());
    const auto shown = only<events::message_upserted>(events());
    ASSERT_EQ(shown.size(), 1U) << "the row shows it before the relay answers";
    EXPECT_EQ(who_reacted(shown[0].message, "😂"), std::vector<std::string>{"me"});
    EXPECT_TRUE(shown[0].message.reactions.at(0).mine);
    const auto sent = only<send_frame>(frames());
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].reaction, (std::optional<reaction_change>(reaction_change{1, "😂", true})));
    EXPECT_EQ(s().timeline().size(), 1U) << "a reaction is no row";
    EXPECT_EQ(s().pending().at(0).reaction, sent[0].reaction) << "kept across a reload like a message";

    deliver(ack_frame{"lobby", room_epoch, sent[0].id, 2, 20}, 20);
    EXPECT_EQ(who_reacted(s().timeline().at(0), "😂"), std::vector<std::string>{"me"});
    EXPECT_TRUE(s().pending().empty());
    ASSERT_TRUE(s().react(1, "😂", 30).ok()) << "again: taken back";
    const auto back = only<send_frame>(frames());
    ASSERT_EQ(back.size(), 1U);
    EXPECT_FALSE(back[0].reaction->add);
    EXPECT_TRUE(s().timeline().at(0).reactions.empty());
}

TEST_F(session_test, others_reactions_apply_in_seq_order_once_the_gap_below_them_fills) {
    go_online(0, from_bob(1, 2));
    deliver(message_frame{"lobby", reacted(3, 1, "👍")}, 10);
    EXPECT_EQ(who_reacted(s().timeline().at(0), "👍"), std::vector<std::string>{"bob"});
    // 4 is lost: 5 (bob takes it back) waits, or 4 (ann adds hers) would be
    // applied after it and the last word lost.
    deliver(message_frame{"lobby", reacted(5, 1, "👍", bob, false)}, 20);
    EXPECT_EQ(who_reacted(s().timeline().at(0), "👍"), std::vector<std::string>{"bob"}) << "waits for 4";
    ASSERT_EQ(only<history_request_frame>(frames()).size(), 1U);
    events();
    deliver(history_frame{"lobby",
                          room_epoch,
                          history_mode::after,
                          {reacted(4, 1, "👍", user_info{"ann", "Ann"}), reacted(5, 1, "👍", bob, false)},
                          false,
                          false},
            30);
    EXPECT_EQ(who_reacted(s().timeline().at(0), "👍"), std::vector<std::string>{"ann"});
    const auto rows = only<events::message_upserted>(events());
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows.back().message.seq, 1U);
}

TEST_F(session_test, a_reaction_to_a_message_not_held_yet_applies_when_it_comes_unless_included) {
    go_online(0, from_bob(5, 6), 0, /*has_more=*/true);
    deliver(message_frame{"lobby", reacted(7, 4, "🎉")}, 10);
    deliver(message_frame{"lobby", reacted(8, 3, "🎉")}, 11);
    s().load_older(20);
    frames();
    chat_message three = from_bob(3);
    three.reactions = {reaction_tally{"🎉", {bob}}};
    three.reactions_seq = 8;  // read after 8: it includes it
    deliver(history_frame{"lobby", room_epoch, history_mode::before, {three, from_bob(4)}, false, true}, 30);
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 4U);
    EXPECT_EQ(who_reacted(rows[0], "🎉"), std::vector<std::string>{"bob"}) << "not twice";
    EXPECT_EQ(who_reacted(rows[1], "🎉"), std::vector<std::string>{"bob"}) << "read before 7";
}

TEST_F(session_test, a_refused_reaction_comes_as_an_error_and_the_row_as_it_was) {
    go_online(0, from_bob(1, 1));
    ASSERT_TRUE(s().react(1, "❤️", 10).ok());
    const auto sent = only<send_frame>(frames());
    ASSERT_EQ(sent.size(), 1U);
    events();
    deliver(nack_frame{"lobby", sent[0].id, errc::no_such_message, std::nullopt}, 20);
    const auto ev = events();
    ASSERT_EQ(only<events::error>(ev).size(), 1U);
    const auto rows = only<events::message_upserted>(ev);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_TRUE(rows[0].message.reactions.empty());
    EXPECT_TRUE(s().pending().empty());
    deliver(muted_frame{"lobby", "me", 50'000}, 30);
    EXPECT_EQ(s().react(1, "❤️", 40).error(), errc::muted);
}

// ---- deadlines ------------------------------------------------------------------

TEST_F(session_test, the_deadline_is_the_earliest_pending_work_and_is_never_stale) {
    go_online(0, {}, 0, false, welcome(500, rate_limit_config{1, 1000}));
    EXPECT_EQ(s().next_deadline(), token_refresh_due);
    send_now("a", 0);  // resend due in [1600, 2000]
    send_now("b", 0);  // rate limited until 1000
    EXPECT_EQ(s().next_deadline(), 1000);
    s().on_timer(1000);
    const millis next = *s().next_deadline();
    EXPECT_GT(next, 1000);
    EXPECT_LE(next, 2000);
}

TEST_F(session_test, the_session_is_a_copyable_value) {
    go_online(0, from_bob(1, 2));
    client_session copy = s();
    copy.receive(encode(server_frame{message_frame{"lobby", from_bob(3)}}), 5);
    EXPECT_EQ(copy.timeline().size(), 3U);
    EXPECT_EQ(s().timeline().size(), 2U);
}

TEST(connection_state_names, are_the_wire_words) {
    EXPECT_EQ(to_string(connection_state::connecting), "connecting");
    EXPECT_EQ(to_string(connection_state::online), "online");
    EXPECT_EQ(to_string(connection_state::reconnecting), "reconnecting");
    EXPECT_EQ(to_string(connection_state::offline), "offline");
    EXPECT_EQ(to_string(delivery_state::queued), "queued");
    EXPECT_EQ(to_string(delivery_state::sending), "sending");
    EXPECT_EQ(to_string(delivery_state::sent), "sent");
    EXPECT_EQ(to_string(delivery_state::failed), "failed");
}

// ---- pending messages across page loads ---------------------------------------

std::size_t pending_changes(const std::vector<client_event>& events) {
    return only<events::pending_changed>(events).size();
}

TEST_F(session_test, pending_follows_sends_acks_failures_and_retries) {
    go_online(0);
    EXPECT_TRUE(s().pending().empty());

    const auto a = send_now("  first  ", 10);
    EXPECT_EQ(pending_changes(events()), 1U);
    EXPECT_EQ(s().pending(), (std::vector<pending_message>{{a, "first", 10, std::nullopt}}));

    relay_speaks(4'999);
    s().on_timer(5'000);  // a resend: the pending set is the same
    ASSERT_EQ(only<send_frame>(frames()).size(), 2U);
    EXPECT_EQ(pending_changes(events()), 0U);

    const auto b = send_now("second", 20);
    events();
    deliver(ack_frame{"lobby", room_epoch, a, 1, 30}, 30);
    EXPECT_EQ(pending_changes(events()), 1U);
    EXPECT_EQ(s().pending(), (std::vector<pending_message>{{b, "second", 20, std::nullopt}}));

    deliver(nack_frame{"lobby", b, errc::id_conflict, std::nullopt}, 40);
    EXPECT_EQ(pending_changes(events()), 1U);
    EXPECT_EQ(s().pending(), (std::vector<pending_message>{{b, "second", 20, errc::id_conflict}}));

    ASSERT_TRUE(s().retry(b, 50).ok());
    EXPECT_EQ(pending_changes(events()), 1U);
    EXPECT_EQ(s().pending(), (std::vector<pending_message>{{b, "second", 20, std::nullopt}}));

    // Our own message coming back from the relay is its acknowledgement too.
    deliver(message_frame{"lobby", chat_message{2, b, me, "second", 60}}, 60);
    EXPECT_EQ(pending_changes(events()), 1U);
    EXPECT_TRUE(s().pending().empty());
}

TEST_F(session_test, an_unacknowledged_message_that_gives_up_is_pending_as_failed) {
    config_.max_send_attempts = 1;
    session_.emplace(config_, random_);
    go_online(0);
    const auto id = send_now("lost", 0);
    events();
    s().on_timer(20'000);
    EXPECT_EQ(pending_changes(events()), 1U);
    EXPECT_EQ(s().pending(), (std::vector<pending_message>{{id, "lost", 0, errc::no_ack}}));
}

TEST_F(session_test, a_playback_position_goes_with_the_message_through_ack_pending_and_restore) {
    go_online(0);
    const auto stamped = s().send("the goal!", 10, millis{754'250});
    const auto too_far = s().send("past a week", 11, max_media_ms + 1);
    ASSERT_TRUE(stamped.ok() && too_far.ok());
    const auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 2U);
    EXPECT_EQ(upserts[0].message.media_ms, millis{754'250}) << "the local echo shows it";
    EXPECT_EQ(upserts[1].message.media_ms, std::nullopt) << "a stamp the relay would refuse is left off";
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 2U);
    EXPECT_EQ(sends[0].media_ms, millis{754'250});
    EXPECT_EQ(sends[1].media_ms, std::nullopt);
    EXPECT_EQ(s().pending()[0].media_ms, millis{754'250});

    deliver(ack_frame{"lobby", room_epoch, stamped.value(), 1, 30}, 30);
    const auto acked = only<events::message_upserted>(events());
    ASSERT_EQ(acked.size(), 1U);
    EXPECT_EQ(acked[0].message.seq, 1U);
    EXPECT_EQ(acked[0].message.media_ms, millis{754'250}) << "the sequenced row keeps it";

    // Another tab restores it, and sends it with the stamp.
    client_session other(config_, random_);
    ASSERT_TRUE(other
                    .restore({{id_of(101), "saved", 5, std::nullopt, millis{1'000}},
                              {id_of(102), "bad stamp", 6, std::nullopt, max_media_ms + 1},
                              {id_of(103), "negative", 7, std::nullopt, millis{-5}}},
                             1000)
                    .ok());
    EXPECT_EQ(other.pending()[0].media_ms, millis{1'000});
    EXPECT_EQ(other.pending()[1].media_ms, std::nullopt);
    EXPECT_EQ(other.pending()[2].media_ms, std::nullopt);
    EXPECT_TRUE(s().send("negative", 12, millis{-1}).ok());
    EXPECT_EQ(s().pending().back().media_ms, std::nullopt);
}

TEST_F(session_test, a_host_notice_is_a_system_row_and_never_ones_own) {
    go_online(0);
    // Even under the reader's own id: the relay set system from a service token.
    deliver(
        message_frame{"lobby", chat_message{1, id_of(1), me, "Ann paused at 0:12", 10, millis{12'000}, true}},
        10);
    const auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_TRUE(upserts[0].message.system);
    EXPECT_FALSE(upserts[0].message.own);
    EXPECT_EQ(upserts[0].message.media_ms, millis{12'000});
}

TEST_F(session_test, restore_echoes_the_messages_and_sends_them_with_their_ids_once_online) {
    const std::vector<pending_message> saved{{id_of(101), "one", 5, std::nullopt},
                                             {id_of(102), "two", 6, std::nullopt}};
    const auto restored = s().restore(saved, 1000);
    ASSERT_TRUE(restored.ok());
    EXPECT_EQ(restored.value(), 2U);
    auto ev = events();
    EXPECT_EQ(pending_changes(ev), 1U);
    const auto upserts = only<events::message_upserted>(ev);
    ASSERT_EQ(upserts.size(), 2U);
    EXPECT_EQ(upserts[0].message.id, id_of(101));
    EXPECT_EQ(upserts[0].message.text, "one");
    EXPECT_EQ(upserts[0].message.ts, 5);
    EXPECT_EQ(upserts[0].message.state, delivery_state::queued);
    EXPECT_EQ(upserts[1].message.id, id_of(102));
    EXPECT_EQ(s().pending(), saved);
    EXPECT_TRUE(only<send_frame>(frames()).empty()) << "nothing goes out before the connection";

    s().start(1000);
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 0}, 1000);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, {}, false, false}, 1000);
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 2U);
    EXPECT_EQ(sends[0].id, id_of(101));
    EXPECT_EQ(sends[0].text, "one");
    EXPECT_EQ(sends[1].id, id_of(102));
    events();

    deliver(ack_frame{"lobby", room_epoch, id_of(101), 1, 1100}, 1100);
    deliver(ack_frame{"lobby", room_epoch, id_of(102), 2, 1101}, 1101);
    EXPECT_TRUE(s().pending().empty());
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2}));
}

TEST_F(session_test, a_restored_message_the_relay_already_took_comes_back_in_the_join_history_once) {
    ASSERT_TRUE(s().restore({{id_of(101), "took it", 5, std::nullopt}}, 1000).ok());
    events();
    s().start(1000);
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 2}, 1000);
    const std::vector<chat_message> page{from_bob(1), chat_message{2, id_of(101), me, "took it", 900}};
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, page, false, false}, 1000);
    EXPECT_TRUE(only<send_frame>(frames()).empty());
    EXPECT_EQ(pending_changes(events()), 1U);
    EXPECT_TRUE(s().pending().empty());
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[1].id, id_of(101));
    EXPECT_EQ(rows[1].seq, 2U);
    EXPECT_EQ(rows[1].state, delivery_state::sent);
}

TEST_F(session_test, a_restored_message_the_relay_already_took_is_acknowledged_once_from_its_dedupe) {
    ASSERT_TRUE(s().restore({{id_of(101), "took it", 5, std::nullopt}}, 1000).ok());
    events();
    s().start(1000);
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    // The latest page no longer reaches it: it goes out again.
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 3}, 1000);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, from_bob(2, 3), false, true}, 1000);
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id_of(101));
    events();

    deliver(ack_frame{"lobby", room_epoch, id_of(101), 1, 900}, 1010);
    deliver(ack_frame{"lobby", room_epoch, id_of(101), 1, 900}, 1020);  // a second copy of the ack
    deliver(history_frame{"lobby",
                          room_epoch,
                          history_mode::before,
                          {chat_message{1, id_of(101), me, "took it", 900}},
                          false,
                          false},
            1030);
    const auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].message.seq, 1U);
    EXPECT_EQ(upserts[0].message.state, delivery_state::sent);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3}));
    EXPECT_TRUE(s().pending().empty());
}

TEST_F(session_test, a_restored_failed_message_stays_failed_until_retried) {
    ASSERT_TRUE(s().restore({{id_of(101), "refused", 5, errc::no_ack}}, 1000).ok());
    const auto upserts = only<events::message_upserted>(events());
    ASSERT_EQ(upserts.size(), 1U);
    EXPECT_EQ(upserts[0].message.state, delivery_state::failed);
    EXPECT_EQ(upserts[0].message.failure, errc::no_ack);
    go_online(1000);
    EXPECT_EQ(s().pending(), (std::vector<pending_message>{{id_of(101), "refused", 5, errc::no_ack}}));

    ASSERT_TRUE(s().retry(id_of(101), 2000).ok());
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id_of(101));
}

TEST_F(session_test, restore_skips_invalid_entries_and_keeps_the_rest) {
    const std::string too_long(501, 'x');
    const std::vector<pending_message> saved{
        {message_id{}, "zero id", 1, std::nullopt},  // never generated
        {id_of(101), "kept", 2, std::nullopt},
        {id_of(101), "same id again", 3, std::nullopt},  // already restored
        {id_of(102), "   ", 4, std::nullopt},            // empty once trimmed
        {id_of(103), too_long, 5, std::nullopt},
        {id_of(104), "bad \xff utf8", 6, std::nullopt},
        {id_of(105), "  trimmed  ", 7, std::nullopt},
    };
    const auto restored = s().restore(saved, 1000);
    ASSERT_TRUE(restored.ok());
    EXPECT_EQ(restored.value(), 2U);
    EXPECT_EQ(s().pending(), (std::vector<pending_message>{{id_of(101), "kept", 2, std::nullopt},
                                                           {id_of(105), "trimmed", 7, std::nullopt}}));
    EXPECT_EQ(only<events::message_upserted>(events()).size(), 2U);

    const auto nothing = s().restore({{id_of(101), "kept", 2, std::nullopt}}, 1000);
    ASSERT_TRUE(nothing.ok());
    EXPECT_EQ(nothing.value(), 0U);
    EXPECT_EQ(pending_changes(events()), 0U);
}

TEST_F(session_test, restore_after_start_is_refused_and_changes_nothing) {
    go_online(0, from_bob(1, 1));
    const auto refused = s().restore({{id_of(101), "late", 5, std::nullopt}}, 10);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error(), errc::internal);
    EXPECT_TRUE(s().pending().empty());
    EXPECT_TRUE(events().empty());
}

TEST_F(session_test, pending_round_trips_into_a_fresh_session) {
    go_online(0);
    const auto a = send_now("kept across the reload", 10);
    EXPECT_EQ(s().pending().size(), 1U);
    client_session fresh(config_, random_);
    ASSERT_TRUE(fresh.restore(s().pending(), 20).ok());
    EXPECT_EQ(fresh.pending(), s().pending());
    EXPECT_EQ(fresh.pending().at(0).id, a);
}

// ---- epochs: the relay restarted -----------------------------------------------

TEST_F(session_test, a_rejoin_names_the_epoch_its_since_counts_in) {
    go_online(0, from_bob(1, 4));
    s().transport_closed(10);
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    const auto joins = only<join_frame>(frames());
    ASSERT_EQ(joins.size(), 1U);
    EXPECT_EQ(joins[0].since, 4U);
    EXPECT_EQ(joins[0].epoch, room_epoch);
}

TEST_F(session_test, a_new_epoch_clears_the_unread_count_and_the_divider) {
    go_online(0, from_bob(1, 3));
    EXPECT_EQ(s().unread_count(), 3U);
    s().transport_closed(10);
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    events();
    deliver(joined_frame{"lobby", "epoch-2", {me, bob}, 2, 0, 0}, 1000);
    const auto unread = only<events::unread_changed>(events());
    ASSERT_EQ(unread.size(), 1U);
    EXPECT_EQ(unread[0], (events::unread_changed{0, std::nullopt}));
}

TEST_F(session_test, a_new_epoch_starts_the_timeline_over_and_sends_pending_messages_into_it) {
    go_online(0, from_bob(1, 4), 2);
    const message_id acked = send_now("made it before the crash", 5);
    deliver(ack_frame{"lobby", room_epoch, acked, 5, 5}, 6);
    s().transport_closed(10);  // the relay died...
    const message_id pending = s().send("typed while it was down", 11).value();
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    frames();
    events();
    // ...and came back with the room starting over.
    deliver(joined_frame{"lobby", "epoch-2", {me, bob}, 2, 0, 1}, 1000);
    auto ev = events();
    const auto resets = only<events::timeline_reset>(ev);
    ASSERT_EQ(resets.size(), 1U);
    EXPECT_EQ(resets[0].reason, reset_reason::epoch_changed);
    EXPECT_TRUE(only<events::unread_changed>(ev).empty()) << "sending read the room: nothing to clear";
    EXPECT_EQ(s().unread_count(), 0U);
    EXPECT_TRUE(only<read_frame>(frames()).empty()) << "the old marker means nothing in the new epoch";

    const chat_message first{1, id_of(200), bob, "first of the new epoch", 1000};
    deliver(history_frame{"lobby", std::string("epoch-2"), history_mode::after, {first}, true, false}, 1000);
    ev = events();
    EXPECT_TRUE(only<events::timeline_reset>(ev).empty()) << "one reset for one restart";
    ASSERT_EQ(s().state(), connection_state::online);
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, pending) << "the pending message goes out again with its id";
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].id, first.id);
    EXPECT_EQ(rows[1].id, pending);

    deliver(ack_frame{"lobby", "epoch-2", pending, 2, 1001}, 1001);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2})) << "seq 1 and 2 again, now of epoch-2";
    EXPECT_EQ(s().timeline()[1].state, delivery_state::sent);
    EXPECT_EQ(s().unread_count(), 1U) << "bob's new message is unread";
}

TEST_F(session_test, the_same_epoch_again_keeps_the_timeline) {
    go_online(0, from_bob(1, 3));
    s().transport_closed(10);
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 3}, 1000);
    EXPECT_TRUE(only<events::timeline_reset>(events()).empty());
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3}));
}

TEST_F(session_test, an_ack_of_another_epoch_is_ignored_until_ours_comes) {
    go_online(0);
    const message_id id = send_now("hi", 1);
    deliver(ack_frame{"lobby", "some-other-epoch", id, 9, 2}, 2);
    EXPECT_EQ(s().pending().size(), 1U);
    deliver(ack_frame{"lobby", room_epoch, id, 1, 3}, 3);
    EXPECT_TRUE(s().pending().empty());
}

// ---- the token running out ------------------------------------------------------

TEST_F(session_test, token_expiring_comes_once_a_minute_before_the_expiry) {
    go_online(0);
    EXPECT_EQ(s().next_deadline(), token_refresh_due);
    s().on_timer(token_refresh_due - 1);
    EXPECT_TRUE(only<events::token_expiring>(events()).empty());
    s().on_timer(token_refresh_due);
    const auto expiring = only<events::token_expiring>(events());
    ASSERT_EQ(expiring.size(), 1U);
    EXPECT_EQ(expiring[0].expires_at, 9'999'999);
    EXPECT_EQ(s().next_deadline(), std::nullopt);
    s().on_timer(token_refresh_due + 10);
    EXPECT_TRUE(only<events::token_expiring>(events()).empty());

    s().set_token("token-2", token_refresh_due + 20);
    EXPECT_EQ(only<auth_frame>(frames()).size(), 1U);
    deliver(welcome_frame{me, 500, {}, 20'000'000}, token_refresh_due + 30);
    EXPECT_EQ(s().next_deadline(), 20'000'000 - 60'000) << "the fresh token's own refresh";
}

TEST_F(session_test, a_short_token_is_refreshed_at_half_its_remaining_life) {
    go_online(0, {}, 0, false, welcome_frame{me, 500, {}, 10'000});
    EXPECT_EQ(s().next_deadline(), 5'000);
}

TEST_F(session_test, a_token_already_expired_by_our_clock_asks_at_once) {
    go_online(50'000, {}, 0, false, welcome_frame{me, 500, {}, 10'000});
    EXPECT_EQ(s().next_deadline(), 10'000);
    s().on_timer(50'000);
    EXPECT_EQ(only<events::token_expiring>(events()).size(), 1U);
}

TEST_F(session_test, a_send_refused_for_an_expired_token_waits_for_the_new_one) {
    go_online(0);
    const message_id id = send_now("just after expiry", 10);
    frames();
    deliver(nack_frame{"lobby", id, errc::token_expired, std::nullopt}, 11);
    auto ev = events();
    EXPECT_EQ(only<events::token_expiring>(ev).size(), 1U) << "asked at once, ahead of the schedule";
    EXPECT_EQ(s().pending().size(), 1U);
    EXPECT_FALSE(s().pending()[0].failure.has_value()) << "not failed: it waits";

    s().set_token("token-2", 12);
    deliver(welcome(), 13);
    s().on_timer(*s().next_deadline());
    const auto sends = only<send_frame>(frames());
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].id, id);
}

TEST_F(session_test, a_request_refused_for_an_expired_token_keeps_the_connection_and_asks) {
    go_online(0);
    deliver(error_frame{errc::token_expired, "refresh the token", std::string("lobby")}, 5);
    const auto ev = events();
    EXPECT_EQ(only<events::token_expiring>(ev).size(), 1U);
    EXPECT_TRUE(only<events::close_transport>(ev).empty());
    EXPECT_TRUE(only<events::error>(ev).empty());
    EXPECT_EQ(s().state(), connection_state::online);
}

// ---- read markers are paced -------------------------------------------------------

TEST_F(session_test, read_markers_go_out_at_most_once_per_interval_latest_first) {
    go_online(0, from_bob(1, 5));
    frames();
    s().mark_read(1, 100);
    EXPECT_EQ(only<read_frame>(frames()).size(), 1U);
    s().mark_read(2, 200);
    s().mark_read(4, 300);
    EXPECT_TRUE(only<read_frame>(frames()).empty());
    EXPECT_EQ(s().unread_count(), 1U) << "the count follows at once";
    EXPECT_EQ(s().next_deadline(), 100 + config_.read_interval_ms);
    s().on_timer(100 + config_.read_interval_ms);
    const auto reads = only<read_frame>(frames());
    ASSERT_EQ(reads.size(), 1U);
    EXPECT_EQ(reads[0].seq, 4U);
    EXPECT_EQ(s().next_deadline(), token_refresh_due);
}

// ---- a long session: the timeline cap, windows, older pages ------------------------

std::vector<seq_t> row_seqs(const std::vector<timeline_message>& rows) {
    std::vector<seq_t> out;
    for (const auto& row : rows) {
        out.push_back(row.seq);
    }
    return out;
}

std::vector<older_state> older_changes(const std::vector<client_event>& events) {
    std::vector<older_state> out;
    for (const auto& change : only<events::older_changed>(events)) {
        out.push_back(change.state);
    }
    return out;
}

class long_session_test : public session_test {
protected:
    // A fresh session holding at most `max` sequenced messages.
    void cap(std::size_t max) {
        config_.max_timeline = max;
        session_.emplace(config_, random_);
    }

    void live(seq_t seq, millis now = 1) { deliver(message_frame{"lobby", from_bob(seq)}, now); }

    void older_page(std::vector<chat_message> page, bool has_more, millis now = 2) {
        deliver(history_frame{"lobby", room_epoch, history_mode::before, std::move(page), false, has_more},
                now);
    }
};

TEST_F(long_session_test, the_timeline_keeps_the_newest_messages_up_to_the_cap) {
    cap(5);
    go_online(0, from_bob(1, 5));
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3, 4, 5}));  // at the cap: all kept
    EXPECT_EQ(s().older(), older_state::start);

    live(6);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{2, 3, 4, 5, 6}));  // one past: the oldest goes
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::available}));
    for (seq_t seq = 7; seq <= 20; ++seq) {
        live(seq);
    }
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{16, 17, 18, 19, 20}));
    EXPECT_TRUE(older_changes(events()).empty()) << "said once";
}

TEST_F(long_session_test, a_join_page_beyond_the_cap_keeps_its_newest) {
    cap(3);
    go_online(0, from_bob(1, 5));
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{3, 4, 5}));
    EXPECT_EQ(s().older(), older_state::available);
}

TEST_F(long_session_test, acknowledged_messages_extend_the_newer_end_and_trim) {
    cap(2);
    go_online(0, from_bob(1, 2));
    const auto id = send_now("mine", 1);
    deliver(ack_frame{"lobby", room_epoch, id, 3, 2}, 2);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{2, 3}));
    EXPECT_EQ(s().older(), older_state::available);
}

TEST_F(long_session_test, pending_messages_are_never_trimmed) {
    cap(2);
    go_online(0, from_bob(1, 2));
    const auto a = send_now("first", 1);
    const auto b = send_now("second", 1);
    for (seq_t seq = 3; seq <= 10; ++seq) {
        live(seq);
    }
    const auto rows = s().timeline();
    ASSERT_EQ(rows.size(), 4U);
    EXPECT_EQ(row_seqs(rows), (std::vector<seq_t>{9, 10, 0, 0}));
    EXPECT_EQ(rows[2].id, a);
    EXPECT_EQ(rows[3].id, b);
    EXPECT_EQ(s().pending().size(), 2U);
}

TEST_F(long_session_test, after_a_trim_load_older_asks_before_the_oldest_held) {
    cap(3);
    go_online(0, from_bob(1, 3));
    live(4);
    live(5);
    events();
    frames();
    s().load_older(10);
    const auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].before, 3U);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::loading}));

    older_page(from_bob(1, 2), false, 11);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{1, 2, 3, 4, 5})) << "an older page is not trimmed";
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::start}));

    live(6, 12);  // the newer end grows: back to the cap
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{4, 5, 6}));
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::available}));
}

TEST_F(long_session_test, older_pages_add_to_the_cap_until_the_next_newer_message) {
    cap(3);
    go_online(0, from_bob(8, 10), 0, true);
    s().load_older(1);
    older_page(from_bob(5, 7), true);
    s().load_older(3);
    older_page(from_bob(2, 4), true, 4);
    EXPECT_EQ(s().timeline().size(), 9U);
    EXPECT_EQ(s().older(), older_state::available);
    // A gap page (after) extends the newer end: it trims.
    live(13, 5);
    const auto requests = only<history_request_frame>(frames());
    ASSERT_EQ(requests.back().after, 10U);
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(11, 13), false, false}, 6);
    EXPECT_EQ(timeline_seqs(), (std::vector<seq_t>{11, 12, 13}));
}

TEST_F(long_session_test, unread_stays_true_across_trims) {
    cap(3);
    go_online(0, from_bob(1, 3));
    EXPECT_EQ(s().unread_count(), 3U);
    live(4);
    live(5);
    auto changed = only<events::unread_changed>(events());
    ASSERT_FALSE(changed.empty());
    EXPECT_EQ(changed.back().count, 5U) << "trimmed, not read";
    EXPECT_EQ(changed.back().divider, from_bob(1).id) << "placed when unread began; trimmed since";
    s().mark_read(4, 10);
    changed = only<events::unread_changed>(events());
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0].count, 1U);
    EXPECT_EQ(changed[0].divider, from_bob(1).id);
}

TEST_F(long_session_test, ten_thousand_messages_cost_the_same_each_and_count_exactly) {
    cap(100);
    go_online(0, from_bob(1, 1));
    for (seq_t seq = 2; seq <= 10'000; ++seq) {
        live(seq, static_cast<millis>(seq));
        if (seq == 6'000) {
            s().mark_read(5'000, static_cast<millis>(seq));  // long trimmed: another tab's reader
        }
    }
    EXPECT_EQ(s().timeline().size(), 100U);
    EXPECT_EQ(s().unread_count(), 5'000U);
    const auto changed = only<events::unread_changed>(events());
    ASSERT_FALSE(changed.empty());
    EXPECT_EQ(changed.back().count, 5'000U);
    EXPECT_EQ(changed.back().divider, from_bob(1).id) << "where unread began, long trimmed";
    s().mark_read(10'000, 20'000);
    EXPECT_EQ(s().unread_count(), 0U);
}

TEST_F(long_session_test, older_changes_with_each_request_page_and_timeout) {
    go_online(0, from_bob(51, 60), 0, true);
    EXPECT_EQ(s().older(), older_state::available);
    s().load_older(0);
    EXPECT_EQ(s().older(), older_state::loading);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::loading}));
    s().on_timer(config_.request_timeout_ms);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::available}))
        << "a request without an answer is given up, not left loading";

    s().load_older(config_.request_timeout_ms);
    older_page(from_bob(1, 50), false, config_.request_timeout_ms + 1);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::loading, older_state::start}));
    frames();
    s().load_older(config_.request_timeout_ms + 2);
    EXPECT_TRUE(only<history_request_frame>(frames()).empty()) << "nothing older to ask for";
    EXPECT_TRUE(older_changes(events()).empty());
}

TEST_F(long_session_test, a_lost_connection_gives_up_the_older_request) {
    go_online(0, from_bob(51, 60), 0, true);
    s().load_older(0);
    events();
    s().transport_closed(1);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::available}));
}

TEST_F(long_session_test, the_start_of_a_room_and_an_empty_room) {
    EXPECT_EQ(s().older(), older_state::unknown);
    go_online(0);
    EXPECT_EQ(s().older(), older_state::start);
}

TEST_F(long_session_test, history_the_relay_forgot_is_gone) {
    s().start(0);
    s().transport_opened(0);
    deliver(welcome(), 0);
    deliver(joined_frame{"lobby", room_epoch, {me, bob}, 2, 0, 2000}, 0);
    deliver(history_frame{"lobby", room_epoch, history_mode::latest, from_bob(1951, 2000), false, true}, 0);
    ASSERT_EQ(older_changes(events()), (std::vector<older_state>{older_state::available}));
    s().load_older(1);
    older_page(from_bob(1001, 1950), false);  // the relay's capped history ends at 1001
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::loading, older_state::gone}));
}

TEST_F(long_session_test, a_room_that_started_over_has_nothing_before_it_any_more) {
    go_online(0, from_bob(1, 4));
    ASSERT_EQ(s().older(), older_state::start);
    s().transport_closed(10);
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    events();
    deliver(joined_frame{"lobby", "epoch-2", {me, bob}, 2, 0, 1}, 1000);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::unknown}));
    const chat_message first{1, id_of(900), bob, "first of the new epoch", 1000};
    deliver(history_frame{"lobby", std::string("epoch-2"), history_mode::after, {first}, true, false}, 1000);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::gone}))
        << "seq 1 of the new epoch, but the old one's messages are gone";
}

TEST_F(long_session_test, a_truncated_answer_says_what_is_older_again) {
    go_online(0, from_bob(1, 3));
    s().transport_closed(10);
    s().on_timer(*s().next_deadline());
    s().transport_opened(1000);
    deliver(welcome(), 1000);
    deliver(joined_frame{"lobby", room_epoch, {me}, 1, 0, 300}, 1000);
    events();
    deliver(history_frame{"lobby", room_epoch, history_mode::after, from_bob(251, 300), true, true}, 1000);
    EXPECT_EQ(s().older(), older_state::available);
    EXPECT_EQ(older_changes(events()), (std::vector<older_state>{older_state::available}));
}

TEST(older_state_names, are_the_wire_words) {
    EXPECT_EQ(to_string(older_state::unknown), "unknown");
    EXPECT_EQ(to_string(older_state::available), "available");
    EXPECT_EQ(to_string(older_state::loading), "loading");
    EXPECT_EQ(to_string(older_state::start), "start");
    EXPECT_EQ(to_string(older_state::gone), "gone");
}

// ---- windows of the timeline ------------------------------------------------------

TEST_F(long_session_test, windows_of_an_empty_timeline_are_empty_at_both_ends) {
    for (const auto& window :
         {s().timeline_latest(10), s().timeline_from(0, 10), s().timeline_before(5, 10)}) {
        EXPECT_TRUE(window.rows.empty());
        EXPECT_TRUE(window.at_start);
        EXPECT_TRUE(window.at_end);
    }
}

TEST_F(long_session_test, the_latest_window_ends_with_the_pending_rows) {
    go_online(0, from_bob(1, 10));
    const auto pending = send_now("mine", 1);
    auto window = s().timeline_latest(3);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{9, 10, 0}));
    EXPECT_EQ(window.rows.back().id, pending);
    EXPECT_FALSE(window.at_start);
    EXPECT_TRUE(window.at_end);

    window = s().timeline_latest(1);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{0}));
    EXPECT_FALSE(window.at_start);

    window = s().timeline_latest(100);
    EXPECT_EQ(window.rows.size(), 11U);
    EXPECT_TRUE(window.at_start);
    EXPECT_TRUE(window.at_end);
    EXPECT_EQ(row_seqs(window.rows), row_seqs(s().timeline()));

    window = s().timeline_latest(0);
    EXPECT_TRUE(window.rows.empty());
    EXPECT_FALSE(window.at_start);
    EXPECT_TRUE(window.at_end);
}

TEST_F(long_session_test, a_window_from_a_seq_runs_on_into_the_pending_rows) {
    go_online(0, from_bob(1, 10));
    send_now("mine", 1);
    auto window = s().timeline_from(0, 3);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{1, 2, 3}));
    EXPECT_TRUE(window.at_start);
    EXPECT_FALSE(window.at_end);

    window = s().timeline_from(5, 3);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{5, 6, 7}));
    EXPECT_FALSE(window.at_start);
    EXPECT_FALSE(window.at_end);

    window = s().timeline_from(9, 3);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{9, 10, 0}));
    EXPECT_TRUE(window.at_end);

    window = s().timeline_from(9, 2);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{9, 10}));
    EXPECT_FALSE(window.at_end) << "the pending row is newer";

    window = s().timeline_from(50, 3);  // past every sequenced row
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{0}));
    EXPECT_FALSE(window.at_start);
    EXPECT_TRUE(window.at_end);

    window = s().timeline_from(5, 0);
    EXPECT_TRUE(window.rows.empty());
    EXPECT_FALSE(window.at_start);
    EXPECT_FALSE(window.at_end);
}

TEST_F(long_session_test, a_window_from_a_seq_that_is_not_held_starts_at_the_next_one) {
    cap(5);
    go_online(0, from_bob(1, 5));
    live(9);  // 6 to 8 missing; 1 trimmed
    const auto window = s().timeline_from(1, 2);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{2, 3}));
    EXPECT_TRUE(window.at_start);
    EXPECT_EQ(row_seqs(s().timeline_from(6, 5).rows), (std::vector<seq_t>{9}));
}

TEST_F(long_session_test, a_window_before_a_seq_ends_right_before_it) {
    go_online(0, from_bob(1, 10));
    send_now("mine", 1);
    auto window = s().timeline_before(6, 3);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{3, 4, 5}));
    EXPECT_FALSE(window.at_start);
    EXPECT_FALSE(window.at_end);

    window = s().timeline_before(3, 10);
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{1, 2}));
    EXPECT_TRUE(window.at_start);

    window = s().timeline_before(1, 10);
    EXPECT_TRUE(window.rows.empty());
    EXPECT_TRUE(window.at_start);
    EXPECT_FALSE(window.at_end);

    window = s().timeline_before(50, 2);  // beyond every held seq: ends before the pending rows
    EXPECT_EQ(row_seqs(window.rows), (std::vector<seq_t>{9, 10}));
    EXPECT_FALSE(window.at_end);

    window = s().timeline_before(6, 0);
    EXPECT_TRUE(window.rows.empty());
    EXPECT_FALSE(window.at_start);
}

TEST_F(long_session_test, with_only_pending_rows_they_are_the_window) {
    go_online(0);
    const auto a = send_now("a", 1);
    const auto b = send_now("b", 1);
    for (const auto& window : {s().timeline_latest(5), s().timeline_from(0, 5)}) {
        ASSERT_EQ(window.rows.size(), 2U);
        EXPECT_EQ(window.rows[0].id, a);
        EXPECT_EQ(window.rows[1].id, b);
        EXPECT_TRUE(window.at_start);
        EXPECT_TRUE(window.at_end);
    }
    const auto newest = s().timeline_latest(1);
    ASSERT_EQ(newest.rows.size(), 1U);
    EXPECT_EQ(newest.rows[0].id, b);
    EXPECT_FALSE(newest.at_start);
    EXPECT_TRUE(s().timeline_before(1, 5).rows.empty());
}

TEST_F(long_session_test, window_rows_are_the_timelines_rows) {
    go_online(0, from_bob(1, 4));
    send_now("mine", 1);
    const auto all = s().timeline();
    const auto window = s().timeline_from(0, 100);
    ASSERT_EQ(window.rows.size(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(window.rows[i].id, all[i].id);
        EXPECT_EQ(window.rows[i].text, all[i].text);
        EXPECT_EQ(window.rows[i].state, all[i].state);
        EXPECT_EQ(window.rows[i].own, all[i].own);
    }
}

}  // namespace
}  // namespace roomchat
