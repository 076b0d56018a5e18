// The relay under attack, as an attacker would try it: each test runs one
// attack against the real relay while two bystanders chat next to it, and
// checks that the relay stays up, its memory stays bounded and the
// bystanders lose nothing. Each prints the bystanders' delivery latency and
// the relay's peak RSS during the attack ("[abuse] ..." lines); run against a
// release relay with ROOMCHAT_RELAY_BINARY for figures without sanitizers.

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "bystanders.hpp"
#include "http_client.hpp"
#include "relay_process.hpp"
#include "session_client.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

namespace websocket = boost::beast::websocket;
using raw_socket = websocket::stream<boost::asio::ip::tcp::socket>;

// ASan keeps freed memory in a quarantine (256 MB by default); a small one
// makes the relay's RSS show what it really holds.
const std::vector<std::string> small_quarantine = {"ASAN_OPTIONS=quarantine_size_mb=8"};

// Far below the 1.5 GB one ping-flooding connection reached before pings
// were limited, far above what a relay with a few connections holds.
constexpr long rss_bound_kb = 160 * 1024;

void expect_unharmed(const bystander_report& report, const relay_process& relay) {
    EXPECT_GT(report.sent, 0u);
    EXPECT_EQ(report.delivered, report.sent) << "a bystander's message was lost";
    EXPECT_LT(report.rss_peak_kb - report.rss_start_kb, rss_bound_kb);
    EXPECT_EQ(http_request(relay.port(), "GET", "/healthz").status, 200) << "the relay is still up";
}

std::uint64_t metric(const relay_process& relay, const std::string& name) {
    return metric_value(relay.port(), name);
}

// A WebSocket client with Beast, which (unlike the browser or websocketpp)
// lets the test send pings and never read.
std::unique_ptr<raw_socket> raw_client(boost::asio::io_context& io, const relay_process& relay) {
    auto ws = std::make_unique<raw_socket>(io);
    ws->next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), relay.port()});
    ws->next_layer().set_option(boost::asio::socket_base::receive_buffer_size(4096));
    ws->handshake("127.0.0.1:" + std::to_string(relay.port()), "/ws");
    return ws;
}

void write_text(raw_socket& ws, const client_frame& frame) {
    ws.text(true);
    ws.write(boost::asio::buffer(encode(frame)));
}

// raw_client, authenticated as `user` (the welcome is left unread).
std::unique_ptr<raw_socket> raw_authed_client(boost::asio::io_context& io, const relay_process& relay,
                                              const std::string& user) {
    auto ws = raw_client(io, relay);
    write_text(*ws, auth_frame{token_for(user, "lobby")});
    return ws;
}

// ---- pings -------------------------------------------------------------------

TEST(relay_abuse, only_the_first_pings_of_a_burst_get_a_pong) {
    relay_process relay;
    boost::asio::io_context io;
    auto ws = raw_client(io, relay);
    int pongs = 0;
    ws->control_callback([&](websocket::frame_type kind, boost::beast::string_view) {
        if (kind == websocket::frame_type::pong) ++pongs;
    });
    for (int i = 0; i < 10; ++i) ws->ping({});
    write_text(*ws, auth_frame{token_for("pinger", "lobby")});
    boost::beast::flat_buffer buffer;
    ws->read(buffer);  // the welcome; the pongs before it pass through the callback
    EXPECT_EQ(pongs, 5) << "the ping limit's burst";
    EXPECT_EQ(metric(relay, "roomchat_pings_ignored_total"), 5u);
}

TEST(relay_abuse, a_ping_flood_that_never_reads_is_closed_and_the_relay_stays_small) {
    relay_process relay(bystander_friendly(), test_secret, small_quarantine);
    bystanders others(relay);
    ASSERT_TRUE(others.ready());
    boost::asio::io_context io;
    auto ws = raw_authed_client(io, relay, "pinger");
    int pings = 0;
    boost::system::error_code ec;
    const auto until = std::chrono::steady_clock::now() + 8s;
    while (!ec && std::chrono::steady_clock::now() < until) {
        ws->ping({}, ec);
        ++pings;
    }
    EXPECT_TRUE(ec) << "the relay never closed a connection that sent " << pings << " pings";
    std::this_thread::sleep_for(2s);  // the bystanders talk on after the attack, too
    const auto report = others.finish("ping flood, never reading (" + std::to_string(pings) + " pings)");
    expect_unharmed(report, relay);
    EXPECT_EQ(metric(relay, "roomchat_flood_disconnects_total"), 1u);
}

TEST(relay_abuse, a_peer_pinging_past_the_limit_without_reading_is_closed_and_the_relay_stays_small) {
    relay_process relay(bystander_friendly(), test_secret, small_quarantine);
    bystanders others(relay);
    ASSERT_TRUE(others.ready());
    boost::asio::io_context io;
    auto ws = raw_authed_client(io, relay, "pinger");
    // 40 a second, each with the largest payload: under the frame flood limit
    // (50 a second), so only the ping limit stands between them and an
    // unbounded queue of pongs nobody reads.
    const websocket::ping_data payload(std::string(125, 'p').c_str());
    boost::system::error_code ec;
    int pings = 0;
    for (; pings < 400 && !ec; ++pings) {
        ws->ping(payload, ec);
        std::this_thread::sleep_for(25ms);
    }
    EXPECT_TRUE(ec) << "still open after " << pings << " pings";
    std::this_thread::sleep_for(2s);  // the bystanders talk on after the attack
    const auto report = others.finish("pings at 40/s, never reading (" + std::to_string(pings) + " pings)");
    expect_unharmed(report, relay);
    EXPECT_EQ(metric(relay, "roomchat_flood_disconnects_total"), 1u);
    EXPECT_GT(metric(relay, "roomchat_pings_ignored_total"), 20u);
}

// ---- frames --------------------------------------------------------------------

TEST(relay_abuse, a_frame_flood_is_closed_at_the_limit_and_not_before) {
    relay_process relay({"--frame-burst", "20", "--frame-refill-ms", "600000"});
    auto client = authed_client(relay.ws_url(), token_for("flooder", "lobby"));
    ASSERT_TRUE(client && join(*client, "lobby"));
    // auth and join spent 2 of the 20; 18 more are fine...
    for (int i = 0; i < 18; ++i) client->send(read_frame{"lobby", 0});
    EXPECT_FALSE(client->wait_closed(300ms)) << "closed within the limit";
    // ...and one more is a flood.
    client->send(read_frame{"lobby", 0});
    const auto closed = client->wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1008);
    EXPECT_EQ(closed->reason, "rate_limited");
}

TEST(relay_abuse, a_connection_flooding_frames_is_closed_and_the_others_carry_on) {
    relay_process relay(bystander_friendly(), test_secret, small_quarantine);
    bystanders others(relay);
    ASSERT_TRUE(others.ready());
    auto flooder = authed_client(relay.ws_url(), token_for("flooder", "lobby"));
    ASSERT_TRUE(flooder && join(*flooder, "lobby"));
    int sent = 0;
    for (; sent < 20'000 && flooder->is_open(); ++sent) flooder->send(read_frame{"lobby", 0});
    const auto closed = flooder->wait_closed(5s);
    std::this_thread::sleep_for(2s);  // the bystanders talk on after the attack
    const auto report = others.finish("frame flood (" + std::to_string(sent) + " read frames)");
    expect_unharmed(report, relay);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->reason, "rate_limited");
    EXPECT_EQ(metric(relay, "roomchat_flood_disconnects_total"), 1u);
}

TEST(relay_abuse, a_first_frame_that_is_not_a_frame_closes) {
    relay_process relay;
    ws_client client(relay.ws_url());
    ASSERT_TRUE(client.wait_open());
    client.send_text("garbage");
    const auto error = client.wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::malformed_json);
    const auto closed = client.wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1008);
}

// ---- requests -------------------------------------------------------------------

TEST(relay_abuse, a_join_leave_loop_is_throttled_and_costs_the_room_a_few_presence_frames) {
    relay_process relay(bystander_friendly(), test_secret, small_quarantine);
    bystanders others(relay, "lobby");
    ASSERT_TRUE(others.ready());
    auto watcher = authed_client(relay.ws_url(), token_for("watcher", "lobby"));
    ASSERT_TRUE(watcher && join(*watcher, "lobby"));
    auto looper = authed_client(relay.ws_url(), token_for("looper", "lobby"));
    ASSERT_TRUE(looper);
    // As fast as the frame limit allows (50 a second) for 4 s: 100 pairs.
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) {
        looper->send(join_frame{"lobby", std::nullopt, std::nullopt});
        looper->send(leave_frame{"lobby"});
        std::this_thread::sleep_for(40ms);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::this_thread::sleep_for(700ms);  // the last presence change goes out
    int about_looper = 0;
    while (const auto text = watcher->next_text(50ms)) {
        auto decoded = decode_server_frame(*text);
        const auto* frame = (decoded ? &*decoded : nullptr);
        const auto* presence = frame ? std::get_if<presence_frame>(frame) : nullptr;
        if (presence != nullptr && presence->user.id == "looper") ++about_looper;
    }
    const auto report = others.finish("join/leave loop, 100 pairs");
    expect_unharmed(report, relay);
    EXPECT_TRUE(looper->is_open()) << "within the frame limit the looper is refused, not dropped";
    EXPECT_GT(metric(relay, "roomchat_requests_refused_total"), 0u);
    // Presence goes out as net changes at most every 500 ms.
    EXPECT_LE(about_looper, static_cast<int>(seconds / 0.5) + 2);
}

TEST(relay_abuse, requests_past_the_rate_are_refused_with_rate_limited_and_the_connection_stays) {
    relay_process relay({"--request-burst", "5", "--request-refill-ms", "60000"});
    auto client = authed_client(relay.ws_url(), token_for("reader", "lobby"));
    ASSERT_TRUE(client && join(*client, "lobby"));  // 1 of 5
    for (int i = 0; i < 4; ++i) client->send(read_frame{"lobby", 0});
    client->send(history_request_frame{"lobby", std::nullopt, seq_t{0}, 10});
    const auto error = client->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::rate_limited);
    EXPECT_EQ(error->room, "lobby");
    EXPECT_TRUE(client->is_open());
    EXPECT_EQ(metric(relay, "roomchat_requests_refused_total"), 1u);
}

TEST(relay_abuse, a_users_connections_share_twice_one_connections_requests) {
    relay_process relay({"--request-burst", "3", "--request-refill-ms", "60000"});
    auto one = authed_client(relay.ws_url(), token_for("tabs", "lobby"));
    auto two = authed_client(relay.ws_url(), token_for("tabs", "lobby"));
    auto three = authed_client(relay.ws_url(), token_for("tabs", "lobby"));
    ASSERT_TRUE(one && two && three);
    const auto answer_to = [](ws_client& client) {
        const auto error = client.wait_for<error_frame>();
        return error ? error->code : errc::internal;
    };
    // Requests about a room not joined are admitted (spending the
    // allowance) and then refused by the room.
    for (int i = 0; i < 3; ++i) {
        one->send(read_frame{"lobby", 0});
        EXPECT_EQ(answer_to(*one), errc::not_joined);
    }
    one->send(read_frame{"lobby", 0});
    EXPECT_EQ(answer_to(*one), errc::rate_limited) << "this connection's three are spent";
    for (int i = 0; i < 3; ++i) {
        two->send(read_frame{"lobby", 0});
        EXPECT_EQ(answer_to(*two), errc::not_joined);
    }
    three->send(read_frame{"lobby", 0});
    EXPECT_EQ(answer_to(*three), errc::rate_limited)
        << "the user's six are spent, though this connection has three";
}

// ---- sends, rooms ------------------------------------------------------------------

TEST(relay_abuse, one_user_cannot_flood_many_rooms_at_once) {
    // Refilled at 25 a second: enough for the bystanders, who talk at most 20
    // a second, and far below the 160 the spammer's rooms would allow alone.
    relay_process relay(
        bystander_friendly({"--user-rate-burst", "10", "--user-rate-refill-ms", "40", "--room-creation-burst",
                            "100", "--request-burst", "100", "--frame-burst", "1000"}),
        test_secret, small_quarantine);
    bystanders others(relay);
    ASSERT_TRUE(others.ready());
    auto client = authed_client(relay.ws_url(), token_for("spammer", "*"));
    ASSERT_TRUE(client);
    for (int r = 0; r < 16; ++r) ASSERT_TRUE(join(*client, "room" + std::to_string(r)));
    int acks = 0;
    int limited = 0;
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 160; ++i) {
        const message_id id = test_message_id();
        client->send(send_frame{"room" + std::to_string(i % 16), id, "spam"});
        while (const auto text = client->next_text()) {
            auto decoded = decode_server_frame(*text);
            const auto* frame = (decoded ? &*decoded : nullptr);
            if (const auto* ack = frame ? std::get_if<ack_frame>(frame) : nullptr; ack && ack->id == id) {
                ++acks;
                break;
            }
            if (const auto* nack = frame ? std::get_if<nack_frame>(frame) : nullptr; nack && nack->id == id) {
                limited += nack->code == errc::rate_limited ? 1 : 0;
                break;
            }
        }
    }
    const auto took = std::chrono::steady_clock::now() - started;
    std::this_thread::sleep_for(2s);  // the bystanders talk on after the attack
    const auto report = others.finish("one user sending to 16 rooms");
    expect_unharmed(report, relay);
    // One bucket over all 16 rooms: a burst of 10 and one more per 40 ms of
    // however long the 160 sends took (each room alone would allow 100).
    const auto refilled = std::chrono::duration_cast<std::chrono::milliseconds>(took).count() / 40 + 1;
    EXPECT_GE(acks, 10);
    EXPECT_LE(acks, 10 + refilled);
    EXPECT_EQ(acks + limited, 160);
}

TEST(relay_abuse, rooms_per_connection_and_per_user_are_capped) {
    relay_process relay({"--max-rooms-per-connection", "3", "--max-rooms-per-user", "4"});
    auto one = authed_client(relay.ws_url(), token_for("roamer", "*"));
    auto two = authed_client(relay.ws_url(), token_for("roamer", "*"));
    ASSERT_TRUE(one && two);
    for (const char* room : {"a", "b", "c"}) ASSERT_TRUE(join(*one, room));
    EXPECT_TRUE(join(*one, "a")) << "joining a room again is no new room";
    one->send(join_frame{"d", std::nullopt, std::nullopt});
    auto error = one->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::too_many_rooms);
    EXPECT_EQ(error->room, "d");

    ASSERT_TRUE(join(*two, "a")) << "a room the user is already in costs nothing";
    ASSERT_TRUE(join(*two, "d")) << "the user's fourth room";
    two->send(join_frame{"e", std::nullopt, std::nullopt});
    error = two->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::too_many_rooms);
    two->send(leave_frame{"d"});
    EXPECT_TRUE(join(*two, "e")) << "leaving makes room";
}

TEST(relay_abuse, one_token_cannot_take_every_room_over_http) {
    relay_process relay(bystander_friendly({"--max-rooms", "5", "--ip-rate-burst", "100000"}), test_secret,
                        small_quarantine);
    bystanders others(relay);
    ASSERT_TRUE(others.ready());
    const auto auth = bearer(token_for("hoarder", "*"));
    int created = 0;
    int refused = 0;
    for (int i = 0; i < 1000; ++i) {
        const auto reply =
            http_request(relay.port(), "POST", "/api/rooms/r" + std::to_string(i) + "/messages",
                         R"({"id":")" + test_message_id().to_string() + R"(","text":"mine"})", auth);
        created += reply.status == 201 ? 1 : 0;
        refused += reply.status == 429 ? 1 : 0;
    }
    std::this_thread::sleep_for(2s);  // the bystanders talk on after the attack
    const auto report = others.finish("1000 HTTP sends to 1000 new rooms");
    expect_unharmed(report, relay);
    EXPECT_GE(created, 10);
    EXPECT_LE(created, 20) << "a burst of 10, then one every 6 s";
    EXPECT_EQ(created + refused, 1000);

    // Someone else can still open a room: an idle one (the hoarder's rooms
    // have no members) makes way.
    auto newcomer = authed_client(relay.ws_url(), token_for("newcomer", "fresh"));
    ASSERT_TRUE(newcomer);
    const auto answer = join(*newcomer, "fresh");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->joined.room, "fresh");
}

TEST(relay_abuse, at_the_room_cap_an_idle_room_makes_way_and_only_a_full_relay_refuses) {
    relay_process relay({"--max-rooms", "2"});
    auto one = authed_client(relay.ws_url(), token_for("one", "*"));
    ASSERT_TRUE(one && join(*one, "kept"));
    {
        auto two = authed_client(relay.ws_url(), token_for("two", "*"));
        ASSERT_TRUE(two && join(*two, "idle"));
    }
    std::this_thread::sleep_for(200ms);  // two's close has been handled
    auto three = authed_client(relay.ws_url(), token_for("three", "*"));
    ASSERT_TRUE(three && join(*three, "new")) << "the idle room made way";
    auto four = authed_client(relay.ws_url(), token_for("four", "*"));
    ASSERT_TRUE(four);
    four->send(join_frame{"another", std::nullopt, std::nullopt});
    const auto error = four->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::room_full) << "both rooms have members";
}

TEST(relay_abuse, room_creation_is_rate_limited_per_user) {
    relay_process relay({"--room-creation-burst", "2", "--room-creation-refill-ms", "60000"});
    auto client = authed_client(relay.ws_url(), token_for("founder", "*"));
    ASSERT_TRUE(client && join(*client, "a") && join(*client, "b"));
    client->send(join_frame{"c", std::nullopt, std::nullopt});
    const auto error = client->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::rate_limited);
    auto other = authed_client(relay.ws_url(), token_for("other", "*"));
    ASSERT_TRUE(other && join(*other, "c")) << "another user's allowance is their own";
    EXPECT_TRUE(join(*client, "c")) << "joining a room that exists creates nothing";
}

// ---- addresses ---------------------------------------------------------------------

TEST(relay_abuse, an_address_opening_connections_in_a_loop_is_refused_and_the_others_carry_on) {
    relay_process relay(bystander_friendly({"--ip-rate-burst", "50", "--ip-rate-refill-ms", "100"}),
                        test_secret, small_quarantine);
    bystanders others(relay);  // connected before: their upgrades are spent
    ASSERT_TRUE(others.ready());
    int opened = 0;
    int refused = 0;
    const auto until = std::chrono::steady_clock::now() + 4s;
    while (std::chrono::steady_clock::now() < until) {
        ws_client attempt(relay.ws_url());
        if (attempt.wait_open()) {
            ++opened;
        } else if (attempt.http_status() == 429) {
            ++refused;
        }
    }
    const auto report =
        others.finish("upgrade loop from one address (" + std::to_string(opened + refused) + " attempts)");
    expect_unharmed(report, relay);
    EXPECT_GT(refused, 0);
    // A burst of 50 (two went to the bystanders), then 10 a second for about 4 s.
    EXPECT_LE(opened, 48 + 50);
}

TEST(relay_abuse, sockets_that_never_finish_a_request_are_capped_per_address) {
    relay_process relay({"--max-connections-per-ip", "2"});  // sockets of any kind: 4
    boost::asio::io_context io;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> sockets;
    const auto connect = [&] {
        auto socket = std::make_unique<boost::asio::ip::tcp::socket>(io);
        socket->connect({boost::asio::ip::make_address("127.0.0.1"), relay.port()});
        boost::asio::write(*socket, boost::asio::buffer(std::string("GET / HTTP/1.1\r\n")));  // and no more
        sockets.push_back(std::move(socket));
    };
    const auto closed_by_relay = [](boost::asio::ip::tcp::socket& socket) {
        char byte = 0;
        boost::system::error_code ec;
        socket.non_blocking(true);
        for (int i = 0; i < 40; ++i) {
            socket.read_some(boost::asio::buffer(&byte, 1), ec);
            if (ec != boost::asio::error::would_block) return true;
            std::this_thread::sleep_for(25ms);
        }
        return false;
    };
    for (int i = 0; i < 4; ++i) connect();
    connect();
    EXPECT_TRUE(closed_by_relay(*sockets.back())) << "the fifth socket from one address";
    for (int i = 0; i < 4; ++i) EXPECT_FALSE(closed_by_relay(*sockets[static_cast<std::size_t>(i)])) << i;
    EXPECT_EQ(http_request(relay.port(), "GET", "/healthz").status, 0) << "this address is at its cap";
}

TEST(relay_abuse, one_address_is_limited_before_it_authenticates) {
    relay_process relay({"--ip-rate-burst", "4", "--ip-rate-refill-ms", "60000"});
    ws_client one(relay.ws_url());
    ws_client two(relay.ws_url());
    ASSERT_TRUE(one.wait_open() && two.wait_open());  // 2 upgrades
    one.send(auth_frame{token_for("a", "lobby")});    // 3
    ASSERT_TRUE(one.wait_for<welcome_frame>());
    EXPECT_EQ(
        http_request(relay.port(), "GET", "/api/rooms/lobby/messages", "", bearer(token_for("a", "lobby")))
            .status,
        200);  // 4
    const auto refused =
        http_request(relay.port(), "GET", "/api/rooms/lobby/messages", "", bearer(token_for("a", "lobby")));
    EXPECT_EQ(refused.status, 429);
    EXPECT_NE(refused.body.find("rate_limited"), std::string::npos);
    ws_client three(relay.ws_url());
    EXPECT_FALSE(three.wait_open());
    EXPECT_EQ(three.http_status(), 429);
    two.send(auth_frame{token_for("b", "lobby")});
    const auto error = two.wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::rate_limited);
    EXPECT_EQ(http_request(relay.port(), "GET", "/healthz").status, 200) << "health checks are not limited";
}

// ---- expired tokens ----------------------------------------------------------------

TEST(relay_abuse, an_expired_token_stops_reading_and_is_closed_after_the_grace) {
    relay_process relay(bystander_friendly({"--token-grace-ms", "1000"}), test_secret, small_quarantine);
    bystanders others(relay);
    ASSERT_TRUE(others.ready());
    auto claims = claims_for("lapsed", "lobby");
    claims["exp"] = unix_now() + 3;
    const millis expires_at = claims["exp"].get<std::int64_t>() * 1000;
    auto lapsed = authed_client(relay.ws_url(), mint(claims));
    auto speaker = authed_client(relay.ws_url(), token_for("speaker", "lobby"));
    ASSERT_TRUE(lapsed && speaker && join(*lapsed, "lobby") && join(*speaker, "lobby"));

    std::this_thread::sleep_for(std::chrono::milliseconds(expires_at - wall_now() + 100));
    lapsed->send(history_request_frame{"lobby", std::nullopt, seq_t{0}, 10});
    const auto refused = lapsed->wait_for<error_frame>();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, errc::token_expired);
    EXPECT_EQ(refused->room, "lobby") << "a refused request names its room: the connection stays";

    // The speaker keeps talking; at the end of the grace the relay takes
    // lapsed out of the room first, then says why and closes: no message may
    // come after that last error.
    int delivered = 0;
    int delivered_after_the_end = 0;
    bool ended = false;
    const auto read_frames = [&](std::chrono::milliseconds wait) {
        while (const auto text = lapsed->next_text(wait)) {
            auto decoded = decode_server_frame(*text);
            const auto* frame = (decoded ? &*decoded : nullptr);
            if (frame != nullptr && std::holds_alternative<message_frame>(*frame)) {
                ++(ended ? delivered_after_the_end : delivered);
            }
            if (const auto* error = frame ? std::get_if<error_frame>(frame) : nullptr) {
                EXPECT_EQ(error->code, errc::token_expired);
                ended = ended || !error->room;
            }
        }
    };
    std::optional<close_info> closed;
    for (int i = 0; i < 80 && !closed; ++i) {
        speaker->send(send_frame{"lobby", test_message_id(), "anyone?"});
        read_frames(50ms);
        closed = lapsed->wait_closed(0ms);
    }
    // The last frames and the close can land between the two reads above:
    // the frames, queued first, are still to be read.
    read_frames(0ms);
    const auto report = others.finish("a reader whose token expired");
    expect_unharmed(report, relay);
    ASSERT_TRUE(closed) << "still open 4 s after the expiry";
    EXPECT_EQ(closed->code, 1008);
    EXPECT_EQ(closed->reason, "token_expired");
    EXPECT_TRUE(ended) << "the close was explained by an error frame";
    EXPECT_GT(delivered, 0) << "during the grace, deliveries go on";
    EXPECT_EQ(delivered_after_the_end, 0);
    EXPECT_EQ(metric(relay, "roomchat_token_expiry_disconnects_total"), 1u);
}

TEST(relay_abuse, a_refresh_within_the_grace_keeps_the_connection) {
    relay_process relay({"--token-grace-ms", "5000"});
    auto claims = claims_for("renewer", "lobby");
    claims["exp"] = unix_now() + 3;
    const millis expires_at = claims["exp"].get<std::int64_t>() * 1000;
    auto client = authed_client(relay.ws_url(), mint(claims));
    ASSERT_TRUE(client && join(*client, "lobby"));
    std::this_thread::sleep_for(std::chrono::milliseconds(expires_at - wall_now() + 300));
    client->send(auth_frame{token_for("renewer", "lobby")});
    ASSERT_TRUE(client->wait_for<welcome_frame>());
    EXPECT_FALSE(client->wait_closed(5500ms)) << "closed although refreshed in time";
    client->send(history_request_frame{"lobby", std::nullopt, seq_t{0}, 10});
    EXPECT_TRUE(client->wait_for<history_frame>());
}

TEST(relay_abuse, the_grace_is_at_most_ten_seconds) {
    relay_process longest({"--token-grace-ms", "10000"});  // starts
    const auto refused = run_relay_to_exit({"--token-grace-ms", "10001", "--dev-auth"});
    EXPECT_EQ(refused.status, 2);
}

// ---- tokens and logs ----------------------------------------------------------------

TEST(relay_abuse, time_claims_beyond_what_javascript_holds_are_refused_not_overflowed) {
    relay_process relay;
    for (const auto& [claim, value] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"exp", std::int64_t{1} << 62},
             {"exp", std::numeric_limits<std::int64_t>::max()},
             {"nbf", std::numeric_limits<std::int64_t>::min()},
             {"nbf", -(std::int64_t{1} << 62)},
         }) {
        SCOPED_TRACE(claim + " = " + value.dump());
        auto claims = claims_for("timetraveller", "lobby");
        claims[claim] = value;
        ws_client client(relay.ws_url());
        ASSERT_TRUE(client.wait_open());
        client.send(auth_frame{mint(claims)});
        const auto error = client.wait_for<error_frame>();
        ASSERT_TRUE(error);
        EXPECT_EQ(error->code, errc::auth_failed);
    }
    auto claims = claims_for("far-future", "lobby");
    claims["exp"] = (std::int64_t{1} << 53) / 1000;  // the year 287,396: allowed
    EXPECT_TRUE(authed_client(relay.ws_url(), mint(claims)));
}

TEST(relay_abuse, a_hostile_origin_cannot_inject_into_the_log) {
    const std::string log_path = ::testing::TempDir() + "relay_abuse_origin.log";
    const auto started = std::chrono::steady_clock::now();
    {
        relay_process relay({}, test_secret, {}, log_path);
        // Written by hand: a bare CR and an ESC inside the header's value.
        const std::string request =
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: http://evil.example\rts=0 level=error event=forged \x1b[2J\r\n\r\n";
        for (int i = 0; i < 50; ++i) {
            boost::asio::io_context io;
            boost::asio::ip::tcp::socket socket(io);
            socket.connect({boost::asio::ip::make_address("127.0.0.1"), relay.port()});
            boost::asio::write(socket, boost::asio::buffer(request));
            std::string answer(12, '\0');
            boost::system::error_code ec;
            boost::asio::read(socket, boost::asio::buffer(answer), ec);
            EXPECT_EQ(answer, "HTTP/1.1 403");
        }
    }
    std::ifstream in(log_path, std::ios::binary);
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t rejected = 0;
    for (auto at = log.find("event=origin_rejected"); at != std::string::npos;
         at = log.find("event=origin_rejected", at + 1)) {
        ++rejected;
    }
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    EXPECT_LE(rejected, 5u + static_cast<std::size_t>(seconds.count()) + 1)
        << "50 refusals: logged 5 at once, then one a second";
    const auto line_start = log.find("event=origin_rejected");
    ASSERT_NE(line_start, std::string::npos) << log;
    EXPECT_EQ(log.find("\x1b"), std::string::npos) << "a raw ESC reached the log";
    EXPECT_EQ(log.find('\r'), std::string::npos) << "a raw CR reached the log";
    EXPECT_NE(log.find("origin=\"http://evil.example\\rts=0 level=error event=forged \\x1b[2J\""),
              std::string::npos)
        << log;
}

}  // namespace
}  // namespace roomchat::relay_test
