// Two real relays sharing rooms through one Redis (Debian's redis-server on
// a free loopback port): one order for everyone wherever connected, one
// dedupe, one rate limit per user, recovery through the other relay when
// one dies, and a Redis that goes away and comes back.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "redis_server.hpp"
#include "relay_process.hpp"
#include "session_client.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> cluster_args(const redis_server& redis, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--redis", "redis://127.0.0.1:" + std::to_string(redis.port())};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// One Redis and two relays sharing rooms through it.
struct cluster {
    explicit cluster(const std::vector<std::string>& more = {})
        : one(cluster_args(redis, more)), two(cluster_args(redis, more)) {}
    redis_server redis;
    relay_process one;
    relay_process two;
};

// A raw connection, authenticated and in `room`; the joined frame.
struct member {
    member(const relay_process& relay, const std::string& user, const std::string& room,
           std::optional<seq_t> since = std::nullopt, std::optional<std::string> epoch = std::nullopt)
        : socket(relay.ws_url()) {
        EXPECT_TRUE(socket.wait_open());
        socket.send(auth_frame{token_for(user, room), /*batch=*/false, /*typing=*/true});
        EXPECT_TRUE(socket.wait_for<welcome_frame>());
        socket.send(join_frame{room, since, std::move(epoch)});
        auto got = socket.wait_for<joined_frame>();
        EXPECT_TRUE(got) << user << " did not join";
        joined = got.value_or(joined_frame{});
        auto page = socket.wait_for<history_frame>();
        EXPECT_TRUE(page);
        history = page.value_or(history_frame{});
    }

    ack_frame send(const std::string& room, const std::string& text, message_id id = test_message_id()) {
        socket.send(send_frame{room, id, text});
        auto ack = socket.wait_for<ack_frame>([&](const ack_frame& a) { return a.id == id; });
        EXPECT_TRUE(ack) << "no ack for " << text;
        return ack.value_or(ack_frame{});
    }

    ws_client socket;
    joined_frame joined;
    history_frame history;
    std::set<std::string> roster;  // roster_becomes
};

bool all_sent(const client_session& session, std::size_t count) {
    const auto timeline = session.timeline();
    return timeline.size() == count && std::all_of(timeline.begin(), timeline.end(), [](const auto& m) {
               return m.state == delivery_state::sent && m.seq != 0;
           });
}

TEST(relay_cluster, members_on_two_relays_see_one_order) {
    cluster c;
    relay_process& one = c.one;
    relay_process& two = c.two;
    std::vector<std::unique_ptr<session_client>> people;
    for (int i = 0; i < 4; ++i) {
        client_config config;
        config.room = "lobby";
        config.token = token_for("user" + std::to_string(i), "lobby");
        people.push_back(std::make_unique<session_client>((i % 2 == 0 ? one : two).ws_url(), config, 10 + i));
        ASSERT_TRUE(people.back()->run_until([&] {
            return people.back()->session().state() == connection_state::online;
        })) << "user"
            << i;
    }
    constexpr int rounds = 5;
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t i = 0; i < people.size(); ++i) {
            ASSERT_TRUE(people[i]->session().send("m" + std::to_string(round) + " from " + std::to_string(i),
                                                  wall_now()));
        }
    }
    const std::size_t total = rounds * people.size();
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    const auto done = [&] {
        return std::all_of(people.begin(), people.end(),
                           [&](auto& p) { return all_sent(p->session(), total); });
    };
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        for (auto& p : people) p->run_until([] { return false; }, 20ms);
    }
    ASSERT_TRUE(done()) << "not everyone has every message, sent";
    const auto reference = people[0]->session().timeline();
    for (std::size_t i = 0; i < reference.size(); ++i) EXPECT_EQ(reference[i].seq, i + 1);
    for (auto& p : people) {
        const auto timeline = p->session().timeline();
        ASSERT_EQ(timeline.size(), reference.size());
        for (std::size_t i = 0; i < timeline.size(); ++i) {
            EXPECT_EQ(timeline[i].id, reference[i].id) << "at " << i;
            EXPECT_EQ(timeline[i].text, reference[i].text) << "at " << i;
        }
    }
}

TEST(relay_cluster, a_resend_through_the_other_relay_gets_the_original_ack) {
    cluster c;
    member ann_one(c.one, "ann", "lobby");
    member bob_two(c.two, "bob", "lobby");
    const message_id id = test_message_id();
    const ack_frame first = ann_one.send("lobby", "hello", id);
    EXPECT_EQ(first.seq, 1u);
    auto delivered = bob_two.socket.wait_for<message_frame>();
    ASSERT_TRUE(delivered) << "bob, on the other relay, got nothing";
    EXPECT_EQ(delivered->message.id, id);
    EXPECT_EQ(bob_two.joined.epoch, ann_one.joined.epoch) << "one room, one epoch";

    member ann_two(c.two, "ann", "lobby");
    const ack_frame again = ann_two.send("lobby", "hello", id);
    EXPECT_EQ(again.seq, first.seq);
    EXPECT_EQ(again.ts, first.ts);
    EXPECT_EQ(again.epoch, first.epoch);
    EXPECT_FALSE(bob_two.socket.wait_for<message_frame>({}, 300ms)) << "a resend is no new message";

    // Another user reusing the id is refused, through either relay.
    bob_two.socket.send(send_frame{"lobby", id, "mine"});
    auto conflict = bob_two.socket.wait_for<nack_frame>();
    ASSERT_TRUE(conflict);
    EXPECT_EQ(conflict->code, errc::id_conflict);
}

TEST(relay_cluster, a_users_rate_limit_holds_across_relays) {
    cluster c({"--rate-burst", "3", "--rate-refill-ms", "60000"});
    member on_one(c.one, "ann", "lobby");
    member on_two(c.two, "ann", "lobby");
    on_one.send("lobby", "1");
    on_two.send("lobby", "2");
    on_one.send("lobby", "3");
    const message_id id = test_message_id();
    on_two.socket.send(send_frame{"lobby", id, "4"});
    auto refused = on_two.socket.wait_for<nack_frame>();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, errc::rate_limited);
    EXPECT_GT(refused->retry_after_ms.value_or(0), 50'000u);
}

TEST(relay_cluster, when_a_relay_dies_its_clients_recover_the_gap_through_the_other) {
    redis_server redis;
    auto one = std::make_unique<relay_process>(cluster_args(redis));
    relay_process two(cluster_args(redis));
    auto ann = std::make_unique<member>(*one, "ann", "lobby");
    member bob(two, "bob", "lobby");
    ann->send("lobby", "before");
    const std::string epoch = ann->joined.epoch;
    ASSERT_TRUE(one->stop(SIGKILL, 5s));
    ann.reset();
    one.reset();
    bob.send("lobby", "while ann was away 1");
    bob.send("lobby", "while ann was away 2");

    member back(two, "ann", "lobby", seq_t{1}, epoch);
    EXPECT_EQ(back.joined.epoch, epoch) << "no epoch change";
    EXPECT_EQ(back.joined.latest_seq, 3u);
    EXPECT_FALSE(back.history.truncated);
    ASSERT_EQ(back.history.messages.size(), 2u);
    EXPECT_EQ(back.history.messages[0].seq, 2u);
    EXPECT_EQ(back.history.messages[1].text, "while ann was away 2");
}

// A member's list of who is in the room: its joined frame's, then changed
// by every presence frame, until it is `expected` (false: not in time).
bool roster_becomes(member& m, const std::set<std::string>& expected, std::chrono::milliseconds limit = 5s) {
    std::set<std::string>& ids = m.roster;
    if (ids.empty()) {
        for (const user_info& user : m.joined.members) ids.insert(user.id);
    }
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (ids != expected) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        const auto presence = m.socket.wait_for<presence_frame>({}, left);
        if (!presence) return false;
        if (presence->event == presence_event::join) {
            ids.insert(presence->user.id);
        } else {
            ids.erase(presence->user.id);
        }
    }
    return true;
}

TEST(relay_cluster, presence_lists_everyone_wherever_connected_and_forgets_a_dead_relays_users) {
    redis_server redis;
    const std::vector<std::string> lease = {"--presence-lease-ms", "600"};
    auto one = std::make_unique<relay_process>(cluster_args(redis, lease));
    relay_process two(cluster_args(redis, lease));
    member ann(two, "ann", "lobby");
    auto bob = std::make_unique<member>(*one, "bob", "lobby");
    member cat(two, "cat", "lobby");
    EXPECT_TRUE(roster_becomes(ann, {"ann", "bob", "cat"}));
    EXPECT_TRUE(roster_becomes(*bob, {"ann", "bob", "cat"}));
    EXPECT_TRUE(roster_becomes(cat, {"ann", "bob", "cat"}));

    // Cat leaves politely: both relays' members hear it.
    cat.socket.close();
    EXPECT_TRUE(roster_becomes(ann, {"ann", "bob"}));
    EXPECT_TRUE(roster_becomes(*bob, {"ann", "bob"}));

    // Bob's relay dies without a word; his entry expires with its lease.
    ASSERT_TRUE(one->stop(SIGKILL, 5s));
    bob.reset();
    one.reset();
    EXPECT_TRUE(roster_becomes(ann, {"ann"}, 3s));
}

TEST(relay_cluster, typing_reaches_the_members_on_the_other_relay_and_stops_when_the_typist_goes) {
    cluster c;
    auto ann = std::make_unique<member>(c.one, "ann", "lobby");
    member ann_too(c.two, "ann", "lobby");
    member bob(c.two, "bob", "lobby");
    // Presence crossed over: both relays hold the room and hear its channel.
    ASSERT_TRUE(roster_becomes(bob, {"ann", "bob"}));
    ann->socket.send(typing_frame{"lobby", true});
    const auto started = bob.socket.wait_for<typist_frame>();
    ASSERT_TRUE(started);
    EXPECT_EQ(started->user.id, "ann");
    EXPECT_TRUE(started->active);

    bob.socket.send(typing_frame{"lobby", true});
    const auto seen_by_ann = ann_too.socket.wait_for<typist_frame>();
    ASSERT_TRUE(seen_by_ann);
    EXPECT_EQ(seen_by_ann->user.id, "bob") << "ann's typing on relay one never reaches her tab on relay two";
    ASSERT_TRUE(ann->socket.wait_for<typist_frame>());

    ann->socket.close();
    const auto stopped = bob.socket.wait_for<typist_frame>();
    ASSERT_TRUE(stopped);
    EXPECT_EQ(stopped->user.id, "ann");
    EXPECT_FALSE(stopped->active);
}

TEST(relay_cluster, a_mute_through_one_relay_holds_on_the_other) {
    cluster c;
    ws_client mod(c.one.ws_url());
    ASSERT_TRUE(mod.wait_open());
    auto claims = claims_for("mo", "lobby");
    claims["mod"] = "lobby";
    mod.send(auth_frame{mint(claims)});
    ASSERT_TRUE(mod.wait_for<welcome_frame>());
    ASSERT_TRUE(join(mod, "lobby"));
    member bob(c.two, "bob", "lobby");

    mod.send(mute_frame{"lobby", "bob", 5});
    const auto confirmed = mod.wait_for<muted_frame>();
    ASSERT_TRUE(confirmed);
    const auto told = bob.socket.wait_for<muted_frame>();
    ASSERT_TRUE(told) << "the other relay tells him at once";
    EXPECT_EQ(told->until, confirmed->until);
    const message_id id = test_message_id();
    bob.socket.send(send_frame{"lobby", id, "through the other relay"});
    const auto nack = bob.socket.wait_for<nack_frame>([&](const nack_frame& n) { return n.id == id; });
    ASSERT_TRUE(nack);
    EXPECT_EQ(nack->code, errc::muted);
    ASSERT_TRUE(nack->retry_after_ms);
    EXPECT_GT(*nack->retry_after_ms, 4u * 60'000);
    const member bob_again(c.two, "bob", "lobby");
    EXPECT_EQ(bob_again.joined.muted_until, std::optional<millis>(confirmed->until))
        << "a join through either relay reads the mute Redis holds";

    mod.send(mute_frame{"lobby", "bob", 0});
    ASSERT_TRUE(mod.wait_for<muted_frame>());
    const auto lifted = bob.socket.wait_for<muted_frame>();
    ASSERT_TRUE(lifted);
    EXPECT_EQ(lifted->until, 0);
    bob.send("lobby", "lifted everywhere");
}

TEST(relay_cluster, a_long_poll_on_one_relay_wakes_for_a_message_sent_through_the_other) {
    cluster c;
    member ann(c.one, "ann", "lobby");
    ann.send("lobby", "before");
    // Relay two holds no room: the poll alone has it follow the room's channel.
    const auto asked = std::chrono::steady_clock::now();
    auto poll = std::async(std::launch::async, [&] {
        return http_request(c.two.port(), "GET", "/api/rooms/lobby/messages?after=1&wait_ms=30000", "",
                            bearer(token_for("bob", "lobby")));
    });
    ASSERT_TRUE(held_polls_reach(c.two.port(), 1));
    ann.send("lobby", "wake up");
    const auto reply = poll.get();
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 15s) << "woken, not answered at the end of its wait";
    ASSERT_EQ(reply.status, 200);
    const auto page = nlohmann::json::parse(reply.body);
    ASSERT_EQ(page["messages"].size(), 1U) << reply.body;
    EXPECT_EQ(page["messages"][0]["text"], "wake up");
    EXPECT_EQ(page["messages"][0]["seq"], 2);
    EXPECT_EQ(metric_value(c.two.port(), "roomchat_held_polls"), 0U);

    // Polled again at once, and answered again when the next message comes.
    auto again = std::async(std::launch::async, [&] {
        return http_request(c.two.port(), "GET", "/api/rooms/lobby/messages?after=2&wait_ms=30000", "",
                            bearer(token_for("bob", "lobby")));
    });
    ASSERT_TRUE(held_polls_reach(c.two.port(), 1));
    ann.send("lobby", "and again");
    const auto next = nlohmann::json::parse(again.get().body);
    ASSERT_EQ(next["messages"].size(), 1U);
    EXPECT_EQ(next["messages"][0]["seq"], 3);
}

TEST(relay_cluster, a_relay_stopping_takes_its_users_out_of_presence_before_it_goes) {
    cluster c;  // the default lease: 15 s
    member ann(c.two, "ann", "lobby");
    member bob(c.one, "bob", "lobby");
    ASSERT_TRUE(roster_becomes(ann, {"ann", "bob"}));
    ASSERT_TRUE(c.one.stop(SIGTERM, 5s));
    EXPECT_TRUE(roster_becomes(ann, {"ann"}, 5s)) << "told, not left to expire";
}

TEST(relay_cluster, a_connections_sends_are_decided_in_the_order_sent_however_slow_redis_is) {
    // Two messages at once, then one a second. (A full bucket's key expires,
    // by Redis's clock: two tokens keep it there through the pause below.)
    cluster c({"--rate-burst", "2", "--rate-refill-ms", "1000"});
    member ann(c.one, "ann", "lobby");
    ann.send("lobby", "first");
    ann.send("lobby", "first again");  // the bucket is empty now
    c.redis.pause();
    const message_id second = test_message_id();
    const message_id third = test_message_id();
    ann.socket.send(send_frame{"lobby", second, "second"});
    // The third comes when the bucket has a token again, while the second's
    // answer still waits: it must not be accepted ahead of the second.
    std::this_thread::sleep_for(1100ms);
    ann.socket.send(send_frame{"lobby", third, "third"});
    c.redis.resume();
    const auto refused = ann.socket.wait_for<nack_frame>([&](const nack_frame& n) { return n.id == second; });
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, errc::rate_limited);
    const auto behind = ann.socket.wait_for<nack_frame>([&](const nack_frame& n) { return n.id == third; });
    ASSERT_TRUE(behind) << "the third was not held back behind the second";
    EXPECT_EQ(behind->code, errc::rate_limited);
}

TEST(relay_cluster, the_presence_lease_is_at_least_300_ms) {
    redis_server redis;
    relay_process shortest(cluster_args(redis, {"--presence-lease-ms", "300"}));  // starts
    EXPECT_EQ(run_relay_to_exit({"--presence-lease-ms", "299", "--dev-auth"}).status, 2);
}

TEST(relay_cluster, while_redis_is_down_sends_wait_and_health_says_degraded) {
    redis_server redis;
    relay_process relay(cluster_args(redis));
    member ann(relay, "ann", "lobby");
    ann.send("lobby", "before");
    EXPECT_EQ(http_request(relay.port(), "GET", "/healthz").status, 200);

    redis.pause();  // a Redis that stops answering: the relay times it out (2 s)
    const message_id id = test_message_id();
    ann.socket.send(send_frame{"lobby", id, "during"});
    auto refused = ann.socket.wait_for<nack_frame>({}, 8s);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, errc::unavailable);
    const auto health = http_request(relay.port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 503);
    EXPECT_EQ(nlohmann::json::parse(health.body)["status"], "degraded");
    EXPECT_GE(metric_value(relay.port(), "roomchat_store_unavailable_total"), 1u);

    redis.resume();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (http_request(relay.port(), "GET", "/healthz").status != 200 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(metric_value(relay.port(), "roomchat_store_up"), 1u);
    EXPECT_GE(metric_value(relay.port(), "roomchat_redis_failures_total"), 1u);
    EXPECT_GE(metric_value(relay.port(), "roomchat_redis_reconnects_total"), 1u);
    EXPECT_GT(metric_value(relay.port(), "roomchat_redis_round_trip_seconds_count"), 3u);
    // The client resends the same id; it is accepted once, after "before".
    const ack_frame accepted = ann.send("lobby", "during", id);
    EXPECT_EQ(accepted.seq, 2u);
}

TEST(relay_cluster, redis_losing_the_rooms_is_an_epoch_change_its_members_join_again_after) {
    cluster c;
    redis_server& redis = c.redis;
    member ann(c.one, "ann", "lobby");
    member bob(c.two, "bob", "lobby");
    ann.send("lobby", "before the flush");
    ASSERT_TRUE(bob.socket.wait_for<message_frame>());

    redis.stop();  // no persistence: it comes back empty
    redis.start();
    // Sends fail while the relays reconnect; the first accepted begins the room again.
    const message_id id = test_message_id();
    std::optional<ack_frame> after;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!after && std::chrono::steady_clock::now() < deadline) {
        ann.socket.send(send_frame{"lobby", id, "after the flush"});
        after = ann.socket.wait_for<ack_frame>({}, 1s);
    }
    ASSERT_TRUE(after) << "never accepted after Redis came back";
    EXPECT_EQ(after->seq, 1u);
    EXPECT_NE(after->epoch, ann.joined.epoch);
    // Both relays see the room begin again and close their members to join again.
    for (member* m : {&ann, &bob}) {
        const auto closed = m->socket.wait_closed(5s);
        ASSERT_TRUE(closed) << "a member was left counting in the lost epoch";
        EXPECT_EQ(closed->code, 1001);
    }
    member again(c.two, "bob", "lobby", seq_t{1}, bob.joined.epoch);
    EXPECT_EQ(again.joined.epoch, after->epoch);
    EXPECT_TRUE(again.history.truncated) << "the old position means nothing in the new epoch";
    ASSERT_EQ(again.history.messages.size(), 1u);
    EXPECT_EQ(again.history.messages[0].text, "after the flush");
}

TEST(relay_cluster, a_held_room_keeps_its_log_and_one_nobody_holds_is_forgotten) {
    redis_server redis;
    // Rooms are dropped 1 s after their last member left; Redis forgets a
    // room no relay holds 1.33 s after the last relay let it go (the relay
    // pushes the expiry of its rooms out every 333 ms).
    relay_process relay(cluster_args(redis, {"--room-idle-ttl-ms", "1000"}));
    std::string epoch;
    {
        member ann(relay, "ann", "lobby");
        ann.send("lobby", "hello");
        epoch = ann.joined.epoch;
        std::this_thread::sleep_for(2500ms);  // quiet, but held: its expiry is pushed out
        member bob(relay, "bob", "lobby");
        EXPECT_EQ(bob.joined.epoch, epoch) << "a quiet room with members kept its log";
        EXPECT_EQ(bob.joined.latest_seq, 1u);
    }
    std::this_thread::sleep_for(3500ms);  // nobody: dropped here, then forgotten by Redis
    member later(relay, "ann", "lobby");
    EXPECT_NE(later.joined.epoch, epoch) << "a room nobody held begins again";
    EXPECT_EQ(later.joined.latest_seq, 0u);
}

}  // namespace
}  // namespace roomchat::relay_test
