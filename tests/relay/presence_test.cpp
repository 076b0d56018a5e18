// Presence across relays: who is connected to a room on the other relays,
// from the news presence.lua publishes on the room's channel (the pure
// bookkeeping first), then two stores on one redis-server telling each other
// who comes and goes, and forgetting the users of a store that vanished
// once their lease ran out.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "redis_client.hpp"
#include "redis_log.hpp"
#include "redis_loop.hpp"
#include "redis_server.hpp"
#include "redis_store.hpp"
#include "remote_presence.hpp"

namespace roomchat::relay_test {
namespace {

using namespace std::chrono_literals;
using relay::store::presence_change;
using relay::store::presence_news;
using relay::store::redis_log;
using relay::store::remote_presence;

const user_info ann{"ann", "Ann"};
const user_info bob{"bob", "Bob"};

presence_news news(std::vector<presence_news::entry> entries, bool all = false) {
    return presence_news{all, std::move(entries)};
}

std::vector<std::string> described(const std::vector<presence_change>& changes) {
    std::vector<std::string> out;
    for (const auto& change : changes) out.push_back((change.present ? "+" : "-") + change.user.id);
    return out;
}

using texts = std::vector<std::string>;

TEST(remote_presence, a_user_is_present_elsewhere_while_on_any_other_relay) {
    remote_presence seen("me");
    EXPECT_EQ(described(seen.apply(news({{"r1", ann, true}}))), texts{"+ann"});
    EXPECT_TRUE(seen.apply(news({{"r2", ann, true}})).empty()) << "already present";
    EXPECT_TRUE(seen.apply(news({{"r1", ann, false}})).empty()) << "still on r2";
    EXPECT_EQ(described(seen.apply(news({{"r2", ann, false}}))), texts{"-ann"});
    EXPECT_TRUE(seen.apply(news({{"r2", ann, false}})).empty()) << "gone twice is gone once";
}

TEST(remote_presence, this_relays_own_entries_count_for_nothing) {
    remote_presence seen("me");
    EXPECT_TRUE(seen.apply(news({{"me", ann, true}})).empty());
    EXPECT_EQ(described(seen.apply(news({{"me", bob, true}, {"r1", bob, true}}))), texts{"+bob"});
    EXPECT_TRUE(seen.apply(news({{"me", bob, false}})).empty());
}

TEST(remote_presence, every_entry_replaces_what_was_known) {
    remote_presence seen("me");
    (void)seen.apply(news({{"r1", ann, true}, {"r1", bob, true}}));
    const user_info renamed{"bob", "Bobby"};
    const auto changes = seen.apply(news({{"r2", renamed, true}, {"me", ann, true}}, true));
    EXPECT_EQ(described(changes), texts{"-ann"}) << "bob stayed, on another relay; ann is only here now";
    EXPECT_EQ(described(seen.apply(news({}, true))), texts{"-bob"});
}

TEST(presence_news, is_read_as_published_and_nothing_else_is) {
    const auto some = redis_log::presence_published(
        "presence\n+ r1 {\"id\":\"ann\",\"name\":\"Ann\"}\n- r2 {\"id\":\"bob\",\"name\":\"Bob\"}");
    ASSERT_TRUE(some);
    EXPECT_FALSE(some->all);
    ASSERT_EQ(some->entries.size(), 2u);
    EXPECT_EQ(some->entries[0].relay, "r1");
    EXPECT_EQ(some->entries[0].user, ann);
    EXPECT_TRUE(some->entries[0].present);
    EXPECT_EQ(some->entries[1].relay, "r2");
    EXPECT_FALSE(some->entries[1].present);

    const auto none = redis_log::presence_published("presence all\n");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->all);
    EXPECT_TRUE(none->entries.empty());

    for (const char* bad :
         {"presence\n* r1 {\"id\":\"ann\",\"name\":\"Ann\"}", "presence\n+ r1 {\"id\":1}", "presence\n+ r1",
          "presence\n+ r1 not json", "presences\n", "3 epoch {\"type\":\"message\"}"}) {
        EXPECT_FALSE(redis_log::presence_published(bad)) << bad;
    }
}

TEST(typing_news, is_read_as_published_and_nothing_else_is) {
    const auto started = redis_log::typing_published("typing r1 + {\"id\":\"ann\",\"name\":\"Ann\"}");
    ASSERT_TRUE(started);
    EXPECT_EQ(started->relay, "r1");
    EXPECT_EQ(started->user, ann);
    EXPECT_TRUE(started->active);
    const auto stopped = redis_log::typing_published("typing r2 - {\"id\":\"bob\",\"name\":\"Bob\"}");
    ASSERT_TRUE(stopped);
    EXPECT_EQ(stopped->user, bob);
    EXPECT_FALSE(stopped->active);

    for (const char* bad :
         {"typing r1 * {\"id\":\"ann\",\"name\":\"Ann\"}", "typing r1 + {\"id\":1}", "typing r1 +",
          "typing r1 + not json", "typing  + {\"id\":\"ann\",\"name\":\"Ann\"}", "typing r1",
          "typing r1 +{\"id\":\"ann\",\"name\":\"Ann\"}", "presence\n", "3 epoch {\"type\":\"message\"}"}) {
        EXPECT_FALSE(redis_log::typing_published(bad)) << bad;
    }
}

TEST(mute_news, is_read_as_published_and_nothing_else_is) {
    const auto news = redis_log::mute_published("muted r1 bob 1700000600000");
    ASSERT_TRUE(news);
    EXPECT_EQ(news->relay, "r1");
    EXPECT_EQ(news->user_id, "bob");
    EXPECT_EQ(news->until, 1'700'000'600'000);
    const auto lifted = redis_log::mute_published("muted r1 bob 0");
    ASSERT_TRUE(lifted);
    EXPECT_EQ(lifted->until, 0);
    for (const char* bad : {"muted r1 bob", "muted r1 bob -5", "muted r1 bob 12x", "muted r1  12",
                            "muted  bob 12", "muted r1 bad/id 12", "muted", "typing r1 + {}"}) {
        EXPECT_FALSE(redis_log::mute_published(bad)) << bad;
    }
}

// ---- two stores, one Redis ------------------------------------------------------------

random_source seeded(std::uint8_t seed) {
    auto next = std::make_shared<std::uint8_t>(seed);
    return [next](std::uint8_t* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) data[i] = (*next)++;
    };
}

// One relay's store, with what it heard of the others.
struct relay_store {
    relay_store(boost::asio::io_context& io, const redis_server& server, std::uint8_t seed, millis lease_ms)
        : commands(io, client_config_for(server), seeded(seed)),
          subscriber(io, client_config_for(server), seeded(seed)),
          store(io, commands, subscriber, room_config{}, rate_limit_config{10, 100}, 60s,
                std::chrono::milliseconds(lease_ms), seeded(seed)) {
        store.on_presence([this](const std::string& room_id, const user_info& user, bool present) {
            heard.push_back(room_id + (present ? " +" : " -") + user.id);
        });
        EXPECT_TRUE(commands.start([this](bool up) {
            if (up) store.reconnected();
        }));
        EXPECT_TRUE(subscriber.start());
    }

    relay::redis::client commands;
    relay::redis::client subscriber;
    relay::store::redis_store store;
    texts heard;
};

class presence_across_relays : public ::testing::Test {
protected:
    template <class Done>
    bool run_until(Done done, std::chrono::milliseconds limit = 5s) {
        return run_io_until(io_, done, limit);
    }
    void run_for(std::chrono::milliseconds span) {
        run_until([] { return false; }, span);
    }

    redis_server server_;
    boost::asio::io_context io_;
};

TEST_F(presence_across_relays, each_relay_hears_who_comes_and_goes_on_the_others) {
    relay_store a(io_, server_, 1, 15'000);
    relay_store b(io_, server_, 101, 15'000);
    a.store.hold("lobby");
    ASSERT_TRUE(run_until([&] { return a.store.health().up; }));
    a.store.present("lobby", ann, true);
    run_for(100ms);
    EXPECT_TRUE(a.heard.empty()) << "a relay does not hear itself";

    // A relay that holds the room later learns everyone already there.
    b.store.hold("lobby");
    ASSERT_TRUE(run_until([&] { return b.heard.size() == 1; }));
    EXPECT_EQ(b.heard, texts{"lobby +ann"});
    b.store.present("lobby", bob, true);
    b.store.present("lobby", ann, true);  // ann's second tab, on the other relay
    ASSERT_TRUE(run_until([&] { return a.heard.size() == 2; }));
    EXPECT_EQ(a.heard, (texts{"lobby +bob", "lobby +ann"}));

    // Gone from one relay: the other hears that she is on no other relay
    // now (its room still has her, connected there).
    a.store.present("lobby", ann, false);
    b.store.present("lobby", bob, false);
    ASSERT_TRUE(run_until([&] { return a.heard.size() == 3 && b.heard.size() == 2; }));
    EXPECT_EQ(a.heard.back(), "lobby -bob");
    EXPECT_EQ(b.heard.back(), "lobby -ann");
    run_for(100ms);
    EXPECT_EQ(a.heard.size(), 3u) << "b's own users were news to a once each";

    // A room a relay does not hold is none of its business.
    b.store.hold("cinema");
    b.store.present("cinema", bob, true);
    run_for(150ms);
    EXPECT_EQ(a.heard.size(), 3u);
}

TEST_F(presence_across_relays, the_users_of_a_relay_that_vanished_leave_when_their_lease_runs_out) {
    relay_store b(io_, server_, 101, 600);
    b.store.hold("lobby");
    b.store.present("lobby", bob, true);
    auto a = std::make_unique<relay_store>(io_, server_, 1, 600);
    a->store.hold("lobby");
    a->store.present("lobby", ann, true);
    ASSERT_TRUE(run_until([&] { return b.heard.size() == 1; }));
    ASSERT_TRUE(run_until([&] { return a->heard.size() == 1; }));

    // Renewed, ann stays well past one lease.
    run_for(1'500ms);
    EXPECT_EQ(b.heard, texts{"lobby +ann"});

    // a dies without a word: no leave, no renewal.
    const auto died = std::chrono::steady_clock::now();
    a.reset();
    ASSERT_TRUE(run_until([&] { return b.heard.size() == 2; }, 3s));
    const auto after = std::chrono::steady_clock::now() - died;
    EXPECT_EQ(b.heard.back(), "lobby -ann");
    EXPECT_GE(after, 400ms) << "not before the lease ran out (less the time since its last renewal)";
}

TEST_F(presence_across_relays, redis_losing_everything_is_told_by_the_relays_still_there) {
    relay_store a(io_, server_, 1, 600);
    relay_store b(io_, server_, 101, 600);
    a.store.hold("lobby");
    b.store.hold("lobby");
    ASSERT_TRUE(run_until([&] { return a.store.health().up && b.store.health().up; }));
    a.store.present("lobby", ann, true);
    ASSERT_TRUE(run_until([&] { return b.heard.size() == 1; }));

    // A restart without persistence: both reconnect and resubscribe, and
    // a's list comes back. (Had b listed the room before a did, b would
    // have heard ann leave and come back.)
    server_.stop();
    server_.start();
    ASSERT_TRUE(run_until([&] { return a.store.health().up && b.store.health().up; }));
    run_for(500ms);
    EXPECT_EQ(b.heard.back(), "lobby +ann");
    a.store.present("lobby", ann, false);
    ASSERT_TRUE(run_until([&] { return b.heard.back() == "lobby -ann"; }));
}

}  // namespace
}  // namespace roomchat::relay_test
