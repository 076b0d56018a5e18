// The Redis client on a Boost.Asio loop against a real redis-server: replies
// in order and binary-safe, error replies, scripts, pub/sub, commands it must
// not send, and what Redis going away does to commands waiting (they fail at
// once, never hang) and to the connection (it comes back by itself,
// subscriptions included).

#include "redis_client.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "redis_loop.hpp"
#include "redis_script.hpp"
#include "redis_server.hpp"

namespace roomchat::relay_test {
namespace {

using namespace std::chrono_literals;
namespace redis = relay::redis;
using answer = result<redis::reply, redis::failure>;

void counter_bytes(std::uint8_t* data, std::size_t size) {
    static std::uint8_t next = 0;
    for (std::size_t i = 0; i < size; ++i) data[i] = next++;
}

// The reply, or an empty one after failing the test (never an abort: the server must be stopped).
redis::reply ok(const answer& got) {
    if (got) return *got;
    ADD_FAILURE() << "no reply: failure " << static_cast<int>(got.error());
    return {};
}

std::optional<redis::failure> failure_of(const answer& got) {
    if (got) return std::nullopt;
    return got.error();
}

class redis_client_test : public ::testing::Test {
protected:
    template <class Done>
    bool run_until(Done done, std::chrono::milliseconds limit = 10s) {
        return run_io_until(io_, done, limit);
    }

    void run_for(std::chrono::milliseconds time) {
        run_until([] { return false; }, time);
    }

    // Generous: only the test about a Redis that stops answering waits for a timeout.
    static redis::client_config config_for(const redis_server& server) {
        return client_config_for(server, 3'000);
    }

    std::unique_ptr<redis::client> connected_client(const redis::client_config& config) {
        auto made = std::make_unique<redis::client>(io_, config, counter_bytes);
        EXPECT_TRUE(made->start());
        EXPECT_TRUE(run_until([&] { return made->connected(); }));
        return made;
    }

    answer call(redis::client& client, const std::vector<std::string>& args) {
        std::optional<answer> got;
        client.command(args, [&](answer a) { got = std::move(a); });
        EXPECT_TRUE(run_until([&] { return got.has_value(); }))
            << (args.empty() ? "" : args.front()) << ": no answer";
        return got.value_or(answer(redis::failure::disconnected));
    }

    boost::asio::io_context io_;
};

TEST_F(redis_client_test, replies_come_back_binary_safe_and_in_the_order_sent) {
    redis_server server;
    auto client = connected_client(config_for(server));
    const std::string value("a\0b\r\n", 5);
    EXPECT_EQ(ok(call(*client, {"SET", "key", value})).text, "OK");
    const auto got = ok(call(*client, {"GET", "key"}));
    EXPECT_EQ(got.type, redis::reply::kind::string);
    EXPECT_EQ(got.text, value);
    EXPECT_EQ(ok(call(*client, {"GET", "missing"})).type, redis::reply::kind::nil);

    std::vector<std::int64_t> counts;
    for (int i = 0; i < 500; ++i) {
        client->command({"INCR", "counter"}, [&](answer a) { counts.push_back(a ? a->integer : -1); });
    }
    ASSERT_TRUE(run_until([&] { return counts.size() == 500; }));
    for (std::size_t i = 0; i < counts.size(); ++i) EXPECT_EQ(counts[i], static_cast<std::int64_t>(i + 1));
}

TEST_F(redis_client_test, an_error_reply_is_a_reply_and_scripts_return_arrays) {
    redis_server server;
    auto client = connected_client(config_for(server));
    EXPECT_EQ(ok(call(*client, {"SET", "text", "x"})).text, "OK");
    const auto wrong = ok(call(*client, {"LPUSH", "text", "y"}));
    EXPECT_TRUE(wrong.is_error());
    EXPECT_EQ(wrong.text.rfind("WRONGTYPE", 0), 0U) << wrong.text;

    const auto script = ok(call(*client, {"EVAL", "return {1, 'two', {3}}", "0"}));
    ASSERT_EQ(script.type, redis::reply::kind::array);
    ASSERT_EQ(script.elements.size(), 3U);
    EXPECT_EQ(script.elements[0].integer, 1);
    EXPECT_EQ(script.elements[1].text, "two");
    ASSERT_EQ(script.elements[2].elements.size(), 1U);
    EXPECT_EQ(script.elements[2].elements[0].integer, 3);
    EXPECT_EQ(client->connects(), 1U);
}

TEST_F(redis_client_test, a_script_runs_by_its_sha_and_once_by_its_text_when_redis_lacks_it) {
    redis_server server;
    auto client = connected_client(config_for(server));
    const redis::script echo("return ARGV[1]");
    const auto exists = [&] {
        const auto got = ok(call(*client, {"SCRIPT", "EXISTS", echo.sha1()}));
        return got.elements.size() == 1 && got.elements[0].integer == 1;
    };
    ASSERT_FALSE(exists());
    std::optional<answer> got;
    echo.run(*client, {}, {"hello"}, [&](answer a) { got = std::move(a); });
    ASSERT_TRUE(run_until([&] { return got.has_value(); }));
    EXPECT_EQ(ok(*got).text, "hello") << "NOSCRIPT, then the whole text";
    EXPECT_TRUE(exists()) << "kept for the calls after it";

    // Loaded first on a connection, no call after it meets NOSCRIPT.
    ok(call(*client, {"SCRIPT", "FLUSH"}));
    echo.load(*client);
    EXPECT_TRUE(exists());
}

TEST_F(redis_client_test, a_client_has_the_process_survive_writing_to_a_redis_gone_away) {
    std::signal(SIGPIPE, SIG_DFL);  // as a process starts
    const redis::client client(io_, redis::client_config{}, counter_bytes);
    EXPECT_EQ(std::signal(SIGPIPE, SIG_IGN), SIG_IGN) << "SIGPIPE ignored: a write fails EPIPE instead";
}

TEST_F(redis_client_test, it_refuses_what_would_confuse_its_replies_and_a_host_that_is_not_an_address) {
    redis_server server;
    auto client = connected_client(config_for(server));
    EXPECT_EQ(failure_of(call(*client, {})), redis::failure::not_allowed);
    EXPECT_EQ(failure_of(call(*client, {"subscribe", "x"})), redis::failure::not_allowed);
    EXPECT_EQ(failure_of(call(*client, {"MONITOR"})), redis::failure::not_allowed);
    EXPECT_EQ(ok(call(*client, {"PING"})).text, "PONG") << "and carries on";

    auto subscriber = connected_client(config_for(server));
    subscriber->subscribe("room:lobby", [](const std::string&, const std::string&) {});
    EXPECT_EQ(failure_of(call(*subscriber, {"PING"})), redis::failure::not_allowed);

    auto config = config_for(server);
    config.host = "localhost";
    redis::client named(io_, config, counter_bytes);
    EXPECT_FALSE(named.start());
}

TEST_F(redis_client_test,
       a_command_without_a_connection_fails_at_once_and_the_client_connects_when_redis_comes) {
    redis_server server;
    server.stop();
    redis::client client(io_, config_for(server), counter_bytes);
    std::vector<bool> changes;
    ASSERT_TRUE(client.start([&](bool up) { changes.push_back(up); }));
    EXPECT_EQ(failure_of(call(client, {"PING"})), redis::failure::not_connected);
    run_for(300ms);
    EXPECT_FALSE(client.connected());

    server.start();
    ASSERT_TRUE(run_until([&] { return client.connected(); }));
    EXPECT_EQ(ok(call(client, {"PING"})).text, "PONG");
    EXPECT_EQ(changes, std::vector<bool>{true});
}

TEST_F(redis_client_test, commands_waiting_when_redis_dies_fail_and_the_client_comes_back_after_a_restart) {
    redis_server server;
    std::vector<bool> changes;
    redis::client client(io_, config_for(server), counter_bytes);
    ASSERT_TRUE(client.start([&](bool up) { changes.push_back(up); }));
    ASSERT_TRUE(run_until([&] { return client.connected(); }));

    server.pause();
    std::optional<answer> waiting;
    client.command({"PING"}, [&](answer a) { waiting = std::move(a); });
    run_for(50ms);
    EXPECT_FALSE(waiting) << "still waiting while Redis is stopped";
    server.stop();  // its socket closes: the command waiting has its answer
    ASSERT_TRUE(run_until([&] { return waiting.has_value(); }, 2s));
    EXPECT_EQ(failure_of(*waiting), redis::failure::disconnected);
    EXPECT_FALSE(client.connected());

    server.start();
    ASSERT_TRUE(run_until([&] { return client.connected(); }));
    EXPECT_EQ(ok(call(client, {"PING"})).text, "PONG");
    EXPECT_EQ(client.connects(), 2U);
    EXPECT_EQ(changes, (std::vector<bool>{true, false, true}));
}

TEST_F(redis_client_test, a_redis_that_stops_answering_times_commands_out_and_is_connected_again) {
    redis_server server;
    auto config = config_for(server);
    config.timeout_ms = 300;
    auto client = connected_client(config);
    server.pause();
    const auto late = call(*client, {"PING"});
    EXPECT_EQ(failure_of(late), redis::failure::timed_out);
    EXPECT_FALSE(client->connected());
    run_for(300ms);
    EXPECT_FALSE(client->connected()) << "a stopped Redis accepts connections but answers no PING";

    server.resume();
    ASSERT_TRUE(run_until([&] { return client->connected(); }));
    EXPECT_EQ(ok(call(*client, {"PING"})).text, "PONG");
    EXPECT_EQ(client->connects(), 2U);
}

TEST_F(redis_client_test, stop_fails_what_waits_and_does_not_reconnect) {
    redis_server server;
    auto client = connected_client(config_for(server));
    server.pause();
    std::optional<answer> waiting;
    client->command({"PING"}, [&](answer a) { waiting = std::move(a); });
    client->stop();
    ASSERT_TRUE(run_until([&] { return waiting.has_value(); }, 1s));
    EXPECT_EQ(failure_of(*waiting), redis::failure::disconnected);
    server.resume();
    run_for(500ms);
    EXPECT_FALSE(client->connected());
    EXPECT_EQ(client->connects(), 1U);
}

TEST_F(redis_client_test, a_handler_may_destroy_the_client) {
    redis_server server;
    auto client = connected_client(config_for(server));
    int answered = 0;
    client->command({"PING"}, [&](const answer&) {
        ++answered;
        client.reset();
    });
    client->command({"PING"}, [&](const answer&) { ++answered; });
    ASSERT_TRUE(run_until([&] { return client == nullptr; }));
    run_for(100ms);
    EXPECT_EQ(answered, 1) << "handlers not yet called are not called";
}

TEST_F(redis_client_test, subscriptions_receive_what_is_published_and_are_made_again_after_a_restart) {
    redis_server server;
    auto publisher = connected_client(config_for(server));
    redis::client subscriber(io_, config_for(server), counter_bytes);
    std::vector<std::string> received;
    subscriber.subscribe("room:lobby", [&](const std::string& channel, const std::string& payload) {
        received.push_back(channel + "=" + payload);
    });
    subscriber.subscribe("room:other", [&](const std::string&, const std::string& payload) {
        received.push_back("other=" + payload);
    });
    ASSERT_TRUE(subscriber.start());
    ASSERT_TRUE(run_until([&] { return subscriber.connected(); }));
    // Published until the subscription is in place: SUBSCRIBE's reply comes after the connect.
    ASSERT_TRUE(run_until([&] {
        return ok(call(*publisher, {"PUBLISH", "room:lobby", std::string("one\0", 4)})).integer == 1;
    }));
    ASSERT_TRUE(run_until([&] { return !received.empty(); }));
    EXPECT_EQ(received.front(), std::string("room:lobby=one\0", 15));

    server.stop();
    server.start();
    ASSERT_TRUE(run_until([&] { return subscriber.connects() == 2 && subscriber.connected(); }));
    ASSERT_TRUE(run_until([&] { return publisher->connected(); }));
    received.clear();
    ASSERT_TRUE(run_until([&] {
        return ok(call(*publisher, {"PUBLISH", "room:other", "two"})).integer == 1;
    }));
    ASSERT_TRUE(run_until([&] { return !received.empty(); }));
    EXPECT_EQ(received.front(), "other=two");
}

TEST_F(redis_client_test, a_subscription_is_confirmed_and_ends_and_may_be_made_again_at_once) {
    redis_server server;
    auto publisher = connected_client(config_for(server));
    auto subscriber = connected_client(config_for(server));
    std::vector<std::string> received;
    int confirmed = 0;
    const auto listen = [&] {
        subscriber->subscribe(
            "room:lobby",
            [&](const std::string&, const std::string& payload) { received.push_back(payload); },
            [&](const std::string& channel) {
                EXPECT_EQ(channel, "room:lobby");
                ++confirmed;
            });
    };
    listen();
    ASSERT_TRUE(run_until([&] { return confirmed == 1; })) << "no confirmation";
    // From the confirmation on, nothing published is missed.
    EXPECT_EQ(ok(call(*publisher, {"PUBLISH", "room:lobby", "one"})).integer, 1);
    ASSERT_TRUE(run_until([&] { return received.size() == 1; }));

    subscriber->unsubscribe("room:lobby");
    ASSERT_TRUE(run_until([&] {
        return ok(call(*publisher, {"PUBSUB", "NUMSUB", "room:lobby"})).elements.at(1).integer == 0;
    }));
    EXPECT_EQ(ok(call(*publisher, {"PUBLISH", "room:lobby", "unheard"})).integer, 0);

    // Ended and made again before Redis confirmed the end: hiredis would
    // forget the new handler at that confirmation; the client waits for it.
    subscriber->unsubscribe("room:lobby");  // nothing to end: a no-op
    listen();
    subscriber->unsubscribe("room:lobby");
    listen();
    ASSERT_TRUE(run_until([&] { return confirmed == 2; }));
    run_for(100ms);
    EXPECT_EQ(confirmed, 2) << "one confirmation for the subscription made again, none for the one ended";
    EXPECT_EQ(ok(call(*publisher, {"PUBLISH", "room:lobby", "two"})).integer, 1);
    ASSERT_TRUE(run_until([&] { return received.size() == 2; }));
    EXPECT_EQ(received.back(), "two");
}

TEST_F(redis_client_test, ending_the_last_subscription_and_starting_another_at_once_is_safe) {
    redis_server server;
    auto publisher = connected_client(config_for(server));
    auto subscriber = connected_client(config_for(server));
    std::vector<std::string> received;
    const auto listen = [&](const std::string& channel) {
        subscriber->subscribe(channel, [&](const std::string& from, const std::string& payload) {
            received.push_back(from + "=" + payload);
        });
    };
    listen("room:a");
    ASSERT_TRUE(run_until([&] { return ok(call(*publisher, {"PUBLISH", "room:a", "1"})).integer == 1; }));
    // hiredis 0.14 leaves subscriber mode when the last channel's end is
    // confirmed, and aborts on a subscription's reply that comes after it.
    subscriber->unsubscribe("room:a");
    listen("room:b");
    ASSERT_TRUE(run_until([&] { return ok(call(*publisher, {"PUBLISH", "room:b", "2"})).integer == 1; }));
    ASSERT_TRUE(run_until([&] { return !received.empty() && received.back() == "room:b=2"; }));
    EXPECT_EQ(ok(call(*publisher, {"PUBLISH", "room:a", "unheard"})).integer, 0);
    EXPECT_EQ(subscriber->connects(), 1U);
}

TEST_F(redis_client_test, it_authenticates_and_selects_its_database_and_waits_while_the_password_is_wrong) {
    redis_server server({"--requirepass", "s3cret"});
    auto config = config_for(server);
    config.password = "s3cret";
    config.db = 2;
    auto client = connected_client(config);
    EXPECT_EQ(ok(call(*client, {"SET", "where", "db2"})).text, "OK");
    EXPECT_EQ(ok(call(*client, {"SELECT", "0"})).text, "OK");
    EXPECT_EQ(ok(call(*client, {"GET", "where"})).type, redis::reply::kind::nil) << "the value went to db 2";

    config.password = "changed";
    redis::client refused(io_, config, counter_bytes);
    ASSERT_TRUE(refused.start());
    run_for(300ms);
    EXPECT_FALSE(refused.connected());
    EXPECT_EQ(failure_of(call(refused, {"PING"})), redis::failure::not_connected);
    // It keeps trying: once the password is what it has, it is in.
    EXPECT_EQ(ok(call(*client, {"CONFIG", "SET", "requirepass", "changed"})).text, "OK");
    ASSERT_TRUE(run_until([&] { return refused.connected(); }));
    EXPECT_EQ(ok(call(refused, {"PING"})).text, "PONG");
}

}  // namespace
}  // namespace roomchat::relay_test
