// Chat through the real relay: ordering, acks, history, gap recovery, paging,
// dedupe of resends, the shared rate limit, presence and read markers.

#include <csignal>
#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "relay_process.hpp"
#include "session_client.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

bool all_sent(const client_session& session, std::size_t count) {
    const auto timeline = session.timeline();
    if (timeline.size() != count) return false;
    return std::all_of(timeline.begin(), timeline.end(), [](const timeline_message& m) {
        return m.state == delivery_state::sent && m.seq != 0;
    });
}

ack_frame send_and_ack(ws_client& client, const std::string& room, const std::string& text,
                       message_id id = test_message_id()) {
    client.send(send_frame{room, id, text});
    auto ack = client.wait_for<ack_frame>([&](const ack_frame& a) { return a.id == id; });
    EXPECT_TRUE(ack.has_value()) << "no ack for " << text;
    return ack.value_or(ack_frame{});
}

TEST(relay_chat, two_client_sessions_see_one_order_and_senders_get_acks) {
    relay_process relay;
    client_config alice_config;
    alice_config.room = "lobby";
    alice_config.token = token_for("alice", "lobby");
    client_config bob_config = alice_config;
    bob_config.token = token_for("bob", "lobby");
    session_client alice(relay.ws_url(), alice_config, 1);
    session_client bob(relay.ws_url(), bob_config, 2);
    const auto online = [](session_client& c) {
        return [&c] { return c.session().state() == connection_state::online; };
    };
    ASSERT_TRUE(alice.run_until(online(alice)));
    ASSERT_TRUE(bob.run_until(online(bob)));

    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(alice.session().send("from alice " + std::to_string(i), wall_now()));
        ASSERT_TRUE(bob.session().send("from bob " + std::to_string(i), wall_now()));
    }
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!(all_sent(alice.session(), 6) && all_sent(bob.session(), 6)) &&
           std::chrono::steady_clock::now() < deadline) {
        alice.run_until([&] { return all_sent(alice.session(), 6); }, 50ms);
        bob.run_until([&] { return all_sent(bob.session(), 6); }, 50ms);
    }
    const auto a = alice.session().timeline();
    const auto b = bob.session().timeline();
    ASSERT_EQ(a.size(), 6u);
    ASSERT_EQ(b.size(), 6u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].seq, i + 1);
        EXPECT_EQ(a[i].id, b[i].id);
        EXPECT_EQ(a[i].text, b[i].text);
        EXPECT_EQ(a[i].own, a[i].from.id == "alice");
        EXPECT_EQ(a[i].state, delivery_state::sent);
    }
}

// The bug this guards against: after a restart every room began again at
// seq 1, open clients resumed with their old `since` and dropped every new
// message as a duplicate; the sender's message stayed "sending" forever.
TEST(relay_chat, after_a_relay_restart_open_sessions_start_over_in_the_new_epoch_and_lose_nothing_typed) {
    auto relay = std::make_unique<relay_process>();
    const std::string port = std::to_string(relay->port());
    const std::string url = relay->ws_url();
    client_config alice_config;
    alice_config.room = "lobby";
    alice_config.token = token_for("alice", "lobby");
    client_config bob_config = alice_config;
    bob_config.token = token_for("bob", "lobby");
    session_client alice(url, alice_config, 3);
    session_client bob(url, bob_config, 4);
    const auto both = [&](const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            alice.run_until(done, 20ms);
            bob.run_until(done, 20ms);
        }
        return done();
    };
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(alice.session().send("before " + std::to_string(i), wall_now()));
    ASSERT_TRUE(both([&] { return all_sent(alice.session(), 3) && all_sent(bob.session(), 3); }));

    relay->stop(SIGKILL, 5s);
    relay = std::make_unique<relay_process>(std::vector<std::string>{"--port", port});
    const auto typed = alice.session().send("typed across the restart", wall_now());
    ASSERT_TRUE(typed);
    const auto started_over = [](const session_client& client) {
        return std::count_if(client.events().begin(), client.events().end(), [](const client_event& e) {
            const auto* reset = std::get_if<events::timeline_reset>(&e);
            return reset != nullptr && reset->reason == reset_reason::epoch_changed;
        });
    };
    // Online again in the new epoch, not still "online" on the dead connection.
    ASSERT_TRUE(both([&] {
        return started_over(alice) == 1 && started_over(bob) == 1 &&
               alice.session().state() == connection_state::online &&
               bob.session().state() == connection_state::online;
    }));
    ASSERT_TRUE(bob.session().send("bob after the restart", wall_now()));
    ASSERT_TRUE(both([&] { return all_sent(alice.session(), 2) && all_sent(bob.session(), 2); }))
        << "alice holds " << alice.session().timeline().size() << ", bob " << bob.session().timeline().size();
    const auto a = alice.session().timeline();
    const auto b = bob.session().timeline();
    EXPECT_EQ(a[0].id, typed.value()) << "the pending message went out again, first, with its id";
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(a[i].seq, i + 1) << "the new epoch counts from 1";
        EXPECT_EQ(a[i].id, b[i].id);
    }
    EXPECT_EQ(started_over(alice), 1);
    EXPECT_EQ(started_over(bob), 1);
}

TEST(relay_chat, join_sends_members_and_the_latest_history) {
    relay_process relay;
    auto alice = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(alice);
    ASSERT_TRUE(join(*alice, "lobby"));
    for (const char* text : {"one", "two", "three"}) send_and_ack(*alice, "lobby", text);
    // Alice's arrival is announced (to her too) after the presence delay;
    // a joiner's list is the announced one.
    ASSERT_TRUE(alice->wait_for<presence_frame>(
        [](const presence_frame& p) { return p.event == presence_event::join && p.user.id == "alice"; }));

    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(bob);
    const auto answer = join(*bob, "lobby");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->joined.latest_seq, 3u);
    ASSERT_EQ(answer->joined.members.size(), 2u);
    ASSERT_EQ(answer->history.messages.size(), 3u);
    EXPECT_EQ(answer->history.mode, history_mode::latest);
    EXPECT_EQ(answer->history.messages[0].text, "one");
    EXPECT_EQ(answer->history.messages[2].text, "three");
    EXPECT_EQ(answer->history.messages[2].from.id, "alice");
    // Alice hears bob arrive.
    EXPECT_TRUE(alice->wait_for<presence_frame>(
        [](const presence_frame& p) { return p.event == presence_event::join && p.user.id == "bob"; }));
    bob.reset();
    EXPECT_TRUE(alice->wait_for<presence_frame>(
        [](const presence_frame& p) { return p.event == presence_event::leave && p.user.id == "bob"; }));
}

TEST(relay_chat, reconnect_with_since_gets_only_the_gap) {
    relay_process relay;
    auto alice = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(alice && join(*alice, "lobby"));
    send_and_ack(*alice, "lobby", "m1");
    send_and_ack(*alice, "lobby", "m2");
    {
        auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
        ASSERT_TRUE(bob);
        const auto answer = join(*bob, "lobby");
        ASSERT_TRUE(answer);
        ASSERT_EQ(answer->history.messages.size(), 2u);
    }
    send_and_ack(*alice, "lobby", "m3");
    send_and_ack(*alice, "lobby", "m4");
    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(bob);
    const auto answer = join(*bob, "lobby", 2);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->history.mode, history_mode::after);
    EXPECT_FALSE(answer->history.truncated);
    ASSERT_EQ(answer->history.messages.size(), 2u);
    EXPECT_EQ(answer->history.messages[0].seq, 3u);
    EXPECT_EQ(answer->history.messages[1].text, "m4");
}

TEST(relay_chat, since_older_than_the_history_is_truncated) {
    relay_process relay({"--history-max-messages", "3", "--rate-burst", "100"});
    auto alice = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(alice && join(*alice, "lobby"));
    for (int i = 1; i <= 6; ++i) send_and_ack(*alice, "lobby", "m" + std::to_string(i));
    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(bob);
    const auto answer = join(*bob, "lobby", 1);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->history.truncated);
    ASSERT_EQ(answer->history.messages.size(), 3u);
    EXPECT_EQ(answer->history.messages.front().seq, 4u);
    EXPECT_EQ(answer->history.messages.back().seq, 6u);
}

TEST(relay_chat, older_pages_arrive_on_request) {
    relay_process relay({"--page-size", "2", "--rate-burst", "100"});
    auto alice = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(alice && join(*alice, "lobby"));
    for (int i = 1; i <= 5; ++i) send_and_ack(*alice, "lobby", "m" + std::to_string(i));

    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(bob);
    const auto answer = join(*bob, "lobby");
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->history.messages.size(), 2u);
    EXPECT_EQ(answer->history.messages.front().seq, 4u);
    EXPECT_TRUE(answer->history.has_more);

    const auto page = [&](seq_t before) {
        bob->send(history_request_frame{"lobby", before, std::nullopt, 2});
        return bob->wait_for<history_frame>(
            [](const history_frame& h) { return h.mode == history_mode::before; });
    };
    const auto second = page(4);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->messages.size(), 2u);
    EXPECT_EQ(second->messages.front().seq, 2u);
    EXPECT_EQ(second->messages.back().seq, 3u);
    EXPECT_TRUE(second->has_more);
    const auto last = page(2);
    ASSERT_TRUE(last);
    ASSERT_EQ(last->messages.size(), 1u);
    EXPECT_EQ(last->messages.front().text, "m1");
    EXPECT_FALSE(last->has_more);
}

TEST(relay_chat, resend_after_lost_ack_is_acked_again_but_broadcast_once) {
    relay_process relay;
    auto alice = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(alice && bob && join(*alice, "lobby") && join(*bob, "lobby"));

    const message_id id = test_message_id();
    const ack_frame first = send_and_ack(*alice, "lobby", "only once", id);
    const ack_frame again = send_and_ack(*alice, "lobby", "only once", id);
    EXPECT_EQ(again.seq, first.seq);
    EXPECT_EQ(again.ts, first.ts);
    send_and_ack(*alice, "lobby", "next");

    // Bob sees the message once, then the next one.
    const auto m1 = bob->wait_for<message_frame>();
    const auto m2 = bob->wait_for<message_frame>();
    ASSERT_TRUE(m1 && m2);
    EXPECT_EQ(m1->message.id, id);
    EXPECT_EQ(m2->message.text, "next");
    EXPECT_EQ(m2->message.seq, first.seq + 1);
}

TEST(relay_chat, the_sending_connection_gets_the_ack_but_not_its_own_broadcast) {
    relay_process relay;
    auto phone = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    auto laptop = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(phone && laptop && join(*phone, "lobby") && join(*laptop, "lobby"));

    const message_id id = test_message_id();
    phone->send(send_frame{"lobby", id, "from the phone"});
    // The relay answers frames of one connection in order, so everything the
    // send caused for the phone arrives before this page.
    phone->send(history_request_frame{"lobby", std::nullopt, seq_t{0}, 10});
    std::vector<server_frame> seen;
    while (auto text = phone->next_text()) {
        auto decoded = decode_server_frame(*text);
        ASSERT_TRUE(decoded.ok()) << *text;
        seen.push_back(*std::move(decoded));
        if (std::holds_alternative<history_frame>(seen.back())) break;
    }
    ASSERT_FALSE(seen.empty());
    ASSERT_TRUE(std::holds_alternative<history_frame>(seen.back()));
    const auto acks = std::count_if(
        seen.begin(), seen.end(), [](const server_frame& f) { return std::holds_alternative<ack_frame>(f); });
    const auto messages = std::count_if(seen.begin(), seen.end(), [](const server_frame& f) {
        return std::holds_alternative<message_frame>(f);
    });
    EXPECT_EQ(acks, 1);
    EXPECT_EQ(messages, 0);

    // The same user's other connection does get it.
    const auto copy = laptop->wait_for<message_frame>();
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->message.id, id);
}

TEST(relay_chat, rate_limit_is_shared_across_one_users_connections) {
    relay_process relay({"--rate-burst", "5", "--rate-refill-ms", "1000"});
    auto first = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    auto second = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(first && second && join(*first, "lobby") && join(*second, "lobby"));
    for (int i = 0; i < 3; ++i) send_and_ack(*first, "lobby", "a" + std::to_string(i));
    for (int i = 0; i < 2; ++i) send_and_ack(*second, "lobby", "b" + std::to_string(i));

    const message_id id = test_message_id();
    second->send(send_frame{"lobby", id, "one too many"});
    const auto nack = second->wait_for<nack_frame>([&](const nack_frame& n) { return n.id == id; });
    ASSERT_TRUE(nack);
    EXPECT_EQ(nack->code, errc::rate_limited);
    ASSERT_TRUE(nack->retry_after_ms.has_value());
    EXPECT_GT(*nack->retry_after_ms, 0u);
    EXPECT_LE(*nack->retry_after_ms, 1000u);
}

TEST(relay_chat, read_marker_reaches_the_users_other_connections) {
    relay_process relay;
    auto phone = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    auto laptop = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(phone && laptop && join(*phone, "lobby") && join(*laptop, "lobby"));
    const ack_frame ack = send_and_ack(*phone, "lobby", "hello");
    phone->send(read_frame{"lobby", ack.seq});
    const auto marker = laptop->wait_for<read_marker_frame>();
    ASSERT_TRUE(marker);
    EXPECT_EQ(marker->seq, ack.seq);
}

// A client of today: it reads typist frames (auth_frame::typing).
std::unique_ptr<ws_client> typing_client(const relay_process& relay, const std::string& user) {
    auto client = std::make_unique<ws_client>(relay.ws_url());
    if (!client->wait_open()) return nullptr;
    client->send(auth_frame{token_for(user, "lobby"), /*batch=*/false, /*typing=*/true});
    if (!client->wait_for<welcome_frame>()) return nullptr;
    return client;
}

// Ann types in one tab: Bob sees it, her other tab does not, nor a page from
// before typing existed; starts within the relay's interval are dropped;
// her stop and Bob's closing pass on.
TEST(relay_chat, typing_reaches_the_other_users_once_per_interval_and_stops_when_they_go) {
    relay_process relay;
    auto phone = typing_client(relay, "ann");
    auto laptop = typing_client(relay, "ann");
    auto bob = typing_client(relay, "bob");
    auto old_page = authed_client(relay.ws_url(), token_for("cy", "lobby"));
    ASSERT_TRUE(phone && laptop && bob && old_page);
    for (auto* client : {phone.get(), laptop.get(), bob.get(), old_page.get()})
        ASSERT_TRUE(join(*client, "lobby"));
    const auto typist = [](const std::string& user) {
        return [user](const typist_frame& t) { return t.user.id == user; };
    };

    for (int i = 0; i < 3; ++i) phone->send(typing_frame{"lobby", true});
    phone->send(typing_frame{"lobby", false});
    const auto started = bob->wait_for<typist_frame>(typist("ann"));
    ASSERT_TRUE(started);
    EXPECT_EQ(started->room, "lobby");
    EXPECT_EQ(started->user.name, "ann");
    EXPECT_TRUE(started->active);
    const auto stopped = bob->wait_for<typist_frame>(typist("ann"));
    ASSERT_TRUE(stopped);
    EXPECT_FALSE(stopped->active) << "the two starts after the first were dropped";

    bob->send(typing_frame{"lobby", true});
    const auto bob_types = laptop->wait_for<typist_frame>();
    ASSERT_TRUE(bob_types) << "the relay got to bob's frame after ann's";
    EXPECT_EQ(bob_types->user.id, "bob") << "ann's own typing never reaches her other tab";
    ASSERT_TRUE(phone->wait_for<typist_frame>(typist("bob")));

    // The old page hears the message that follows, and no typist before it.
    send_and_ack(*laptop, "lobby", "after the typing");
    for (bool message = false; !message;) {
        const auto text = old_page->next_text();
        ASSERT_TRUE(text) << "the message never came";
        const auto frame = decode_server_frame(*text);
        ASSERT_TRUE(frame);
        EXPECT_FALSE(std::holds_alternative<typist_frame>(*frame))
            << "a page from before typing cannot read " << *text;
        message = std::holds_alternative<message_frame>(*frame);
    }

    bob->close();
    const auto gone = phone->wait_for<typist_frame>(typist("bob"));
    ASSERT_TRUE(gone);
    EXPECT_FALSE(gone->active) << "a user whose connection drops stops typing";
}

// A moderator of the lobby (the token's mod claim).
std::string moderator_token(const std::string& user) {
    auto claims = claims_for(user, "lobby");
    claims["mod"] = "lobby";
    return mint(claims);
}

TEST(relay_chat, a_moderator_mutes_a_user_whose_sends_are_refused_until_the_mute_ends_or_is_lifted) {
    relay_process relay;
    auto mod = authed_client(relay.ws_url(), moderator_token("mo"));
    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    auto cy = authed_client(relay.ws_url(), token_for("cy", "lobby"));
    ASSERT_TRUE(mod && bob && cy);
    const auto mod_joined = join(*mod, "lobby");
    ASSERT_TRUE(mod_joined && join(*bob, "lobby") && join(*cy, "lobby"));
    EXPECT_TRUE(mod_joined->joined.moderator);

    // Cy is no moderator: refused, and nothing changes for bob.
    cy->send(mute_frame{"lobby", "bob", 10});
    const auto refused = cy->wait_for<error_frame>();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, errc::not_moderator);
    EXPECT_EQ(refused->room, std::optional<std::string>("lobby"));
    send_and_ack(*bob, "lobby", "still speaking");

    const millis before = wall_now();
    mod->send(mute_frame{"lobby", "bob", 10});
    const auto confirmed = mod->wait_for<muted_frame>();
    ASSERT_TRUE(confirmed);
    EXPECT_EQ(confirmed->user, "bob");
    EXPECT_GE(confirmed->until, before + 10 * 60'000);
    const auto told = bob->wait_for<muted_frame>();
    ASSERT_TRUE(told) << "the muted user hears it too";
    EXPECT_EQ(told->until, confirmed->until);

    const message_id id = test_message_id();
    bob->send(send_frame{"lobby", id, "let me speak"});
    const auto nack = bob->wait_for<nack_frame>([&](const nack_frame& n) { return n.id == id; });
    ASSERT_TRUE(nack);
    EXPECT_EQ(nack->code, errc::muted);
    ASSERT_TRUE(nack->retry_after_ms);
    EXPECT_GT(*nack->retry_after_ms, 9u * 60'000);
    EXPECT_LE(*nack->retry_after_ms, 10u * 60'000);

    // Bob's second tab, opened while the mute holds, is told in joined.
    auto bob_again = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(bob_again);
    const auto rejoined = join(*bob_again, "lobby");
    ASSERT_TRUE(rejoined);
    EXPECT_EQ(rejoined->joined.muted_until, std::optional<millis>(confirmed->until));
    const auto cy_joined = join(*cy, "lobby");
    ASSERT_TRUE(cy_joined);
    EXPECT_FALSE(cy_joined->joined.muted_until.has_value());

    mod->send(mute_frame{"lobby", "bob", 0});
    const auto lifted = bob->wait_for<muted_frame>();
    ASSERT_TRUE(lifted);
    EXPECT_EQ(lifted->until, 0);
    send_and_ack(*bob, "lobby", "thank you");

    // A mute past a day is no mute: the frame is refused as mistyped.
    mod->send_text(R"({"type":"mute","room":"lobby","user":"bob","minutes":1441})");
    const auto too_long = mod->wait_for<error_frame>();
    ASSERT_TRUE(too_long);
    EXPECT_EQ(too_long->code, errc::wrong_type);
    EXPECT_EQ(too_long->message, "minutes");
}

TEST(relay_chat, an_author_or_a_moderator_removes_a_message_for_everyone_and_no_one_else_may) {
    relay_process relay;
    auto mod = authed_client(relay.ws_url(), moderator_token("mo"));
    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    auto cy = authed_client(relay.ws_url(), token_for("cy", "lobby"));
    ASSERT_TRUE(mod && bob && cy);
    ASSERT_TRUE(join(*mod, "lobby") && join(*bob, "lobby") && join(*cy, "lobby"));
    const ack_frame first = send_and_ack(*bob, "lobby", "first");
    const ack_frame second = send_and_ack(*bob, "lobby", "second");

    // The relay's answer to a removal: its ack or its nack.
    const auto remove = [](ws_client& client, seq_t target) -> std::optional<server_frame> {
        const message_id id = test_message_id();
        client.send(send_frame{"lobby", id, "", std::nullopt, target});
        while (const auto text = client.next_text()) {
            auto frame = decode_server_frame(*text);
            if (!frame) continue;
            const auto* ack = std::get_if<ack_frame>(&*frame);
            const auto* nack = std::get_if<nack_frame>(&*frame);
            if ((ack != nullptr && ack->id == id) || (nack != nullptr && nack->id == id)) return *frame;
        }
        return std::nullopt;
    };
    const auto refused = remove(*cy, first.seq);
    ASSERT_TRUE(refused && std::holds_alternative<nack_frame>(*refused));
    EXPECT_EQ(std::get<nack_frame>(*refused).code, errc::not_moderator);

    const auto own = remove(*bob, first.seq);
    ASSERT_TRUE(own && std::holds_alternative<ack_frame>(*own)) << "the author may";
    const auto heard =
        cy->wait_for<message_frame>([&](const message_frame& m) { return m.message.removes.has_value(); });
    ASSERT_TRUE(heard) << "the others hear the removal";
    EXPECT_EQ(heard->message.removes, std::optional<seq_t>(first.seq));
    EXPECT_EQ(heard->message.from.id, "bob");

    const auto by_moderator = remove(*mod, second.seq);
    ASSERT_TRUE(by_moderator && std::holds_alternative<ack_frame>(*by_moderator));
    const auto again = remove(*mod, second.seq);
    ASSERT_TRUE(again && std::holds_alternative<nack_frame>(*again));
    EXPECT_EQ(std::get<nack_frame>(*again).code, errc::no_such_message);

    // A late joiner sees both tombstones and never the texts.
    auto dan = authed_client(relay.ws_url(), token_for("dan", "lobby"));
    ASSERT_TRUE(dan);
    const auto joined = join(*dan, "lobby");
    ASSERT_TRUE(joined);
    ASSERT_EQ(joined->history.messages.size(), 4u);
    for (const auto& message : joined->history.messages) {
        EXPECT_TRUE(message.removed || message.removes) << message.seq;
        EXPECT_EQ(message.text, "");
    }

    // A removal with words of its own is no removal.
    cy->send_text(R"({"type":"send","room":"lobby","id":")" + test_message_id().to_string() +
                  R"(","text":"hi","removes":1})");
    const auto mistyped = cy->wait_for<error_frame>();
    ASSERT_TRUE(mistyped);
    EXPECT_EQ(mistyped->code, errc::wrong_type);
    EXPECT_EQ(mistyped->message, "text");
}

TEST(relay_chat, a_reaction_reaches_everyone_and_a_late_joiner_sees_the_tally) {
    relay_process relay;
    auto ann = authed_client(relay.ws_url(), token_for("ann", "lobby"));
    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(ann && bob);
    ASSERT_TRUE(join(*ann, "lobby") && join(*bob, "lobby"));
    const ack_frame said = send_and_ack(*ann, "lobby", "what a twist");

    send_frame react{"lobby", test_message_id(), ""};
    react.reaction = reaction_change{said.seq, "😮", true};
    bob->send(react);
    ASSERT_TRUE(bob->wait_for<ack_frame>([&](const ack_frame& a) { return a.id == react.id; }));
    const auto heard =
        ann->wait_for<message_frame>([](const message_frame& m) { return m.message.reaction.has_value(); });
    ASSERT_TRUE(heard);
    EXPECT_EQ(heard->message.reaction, react.reaction);
    EXPECT_EQ(heard->message.from.id, "bob");

    // An emoji outside the set is a mistyped frame.
    bob->send_text(R"({"type":"send","room":"lobby","id":")" + test_message_id().to_string() +
                   R"(","text":"","reaction":{"to":1,"emoji":"🍕","add":true}})");
    const auto mistyped = bob->wait_for<error_frame>();
    ASSERT_TRUE(mistyped);
    EXPECT_EQ(mistyped->code, errc::wrong_type);
    EXPECT_EQ(mistyped->message, "reaction.emoji");

    auto cy = authed_client(relay.ws_url(), token_for("cy", "lobby"));
    ASSERT_TRUE(cy);
    const auto joined = join(*cy, "lobby");
    ASSERT_TRUE(joined);
    ASSERT_EQ(joined->history.messages.size(), 2u);
    const chat_message& message = joined->history.messages[0];
    ASSERT_EQ(message.reactions.size(), 1u);
    EXPECT_EQ(message.reactions[0].emoji, "😮");
    ASSERT_EQ(message.reactions[0].users.size(), 1u);
    EXPECT_EQ(message.reactions[0].users[0].id, "bob");
}

TEST(relay_chat, typing_in_a_room_not_joined_is_refused) {
    relay_process relay;
    auto ann = authed_client(relay.ws_url(), token_for("ann", "lobby"));
    ASSERT_TRUE(ann);
    ann->send(typing_frame{"lobby", true});
    const auto error = ann->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::not_joined);
    EXPECT_EQ(error->room, std::optional<std::string>("lobby"));
}

}  // namespace
}  // namespace roomchat::relay_test
