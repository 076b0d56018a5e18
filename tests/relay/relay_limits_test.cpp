// Limits and bad input through the real relay: oversize, binary, malformed,
// unknown and invalid UTF-8 frames, slow consumers, Origin and per-IP caps.
// Whatever one client does, the others keep chatting.

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "http_client.hpp"
#include "relay_process.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

// Two members of "lobby": the one misbehaving and a bystander.
struct lobby {
    explicit lobby(const relay_process& relay)
        : culprit(authed_client(relay.ws_url(), token_for("carol", "lobby"))),
          bystander(authed_client(relay.ws_url(), token_for("bob", "lobby"))) {
        EXPECT_TRUE(culprit && bystander && join(*culprit, "lobby") && join(*bystander, "lobby"));
    }
    std::unique_ptr<ws_client> culprit;
    std::unique_ptr<ws_client> bystander;
};

// `from` can still send and `to` receives it.
void expect_chat_works(ws_client& from, ws_client& to, const std::string& text) {
    const message_id id = test_message_id();
    from.send(send_frame{"lobby", id, text});
    EXPECT_TRUE(from.wait_for<ack_frame>([&](const ack_frame& a) { return a.id == id; })) << text;
    EXPECT_TRUE(to.wait_for<message_frame>([&](const message_frame& m) { return m.message.id == id; }))
        << text;
}

errc expect_error_frame(ws_client& client) {
    const auto error = client.wait_for<error_frame>();
    EXPECT_TRUE(error);
    return error ? error->code : errc::internal;
}

TEST(relay_limits, oversize_frame_closes_with_1009_and_others_carry_on) {
    relay_process relay({"--max-frame-bytes", "1024"});
    lobby room(relay);
    room.culprit->send_text(std::string(2000, 'x'));
    const auto closed = room.culprit->wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1009);
    auto alice = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(alice && join(*alice, "lobby"));
    expect_chat_works(*alice, *room.bystander, "still here");
}

TEST(relay_limits, binary_frame_is_an_error_but_the_connection_stays) {
    relay_process relay;
    lobby room(relay);
    room.culprit->send_binary(std::string("\x01\x02\x03", 3));
    EXPECT_EQ(expect_error_frame(*room.culprit), errc::binary_frame);
    expect_chat_works(*room.culprit, *room.bystander, "after binary");
}

TEST(relay_limits, malformed_json_is_an_error_but_the_connection_stays) {
    relay_process relay;
    lobby room(relay);
    room.culprit->send_text("{\"type\": \"send\", ");
    EXPECT_EQ(expect_error_frame(*room.culprit), errc::malformed_json);
    room.culprit->send_text("[1,2,3]");
    EXPECT_EQ(expect_error_frame(*room.culprit), errc::malformed_json);
    expect_chat_works(*room.culprit, *room.bystander, "after malformed");
}

TEST(relay_limits, unknown_frame_type_is_an_error_but_the_connection_stays) {
    relay_process relay;
    lobby room(relay);
    room.culprit->send_text(R"({"type":"dance","room":"lobby"})");
    EXPECT_EQ(expect_error_frame(*room.culprit), errc::unknown_type);
    expect_chat_works(*room.culprit, *room.bystander, "after unknown");
}

TEST(relay_limits, invalid_text_is_nacked_with_the_core_reason) {
    relay_process relay;
    lobby room(relay);
    const message_id id = test_message_id();
    room.culprit->send(send_frame{"lobby", id, "   "});
    const auto nack = room.culprit->wait_for<nack_frame>();
    ASSERT_TRUE(nack);
    EXPECT_EQ(nack->code, errc::empty_text);
    // A lone surrogate escape is not text; the codec refuses the frame.
    room.culprit->send_text(R"({"type":"send","room":"lobby","id":")" + test_message_id().to_string() +
                            R"(","text":"\ud800"})");
    const errc code = expect_error_frame(*room.culprit);
    EXPECT_TRUE(code == errc::malformed_json || code == errc::invalid_utf8) << to_string(code);
    expect_chat_works(*room.culprit, *room.bystander, "after bad text");
}

TEST(relay_limits, invalid_utf8_text_frame_fails_only_that_connection) {
    relay_process relay;
    lobby room(relay);
    // websocketpp's client will not send invalid UTF-8, Beast will.
    namespace websocket = boost::beast::websocket;
    boost::asio::io_context io;
    websocket::stream<boost::asio::ip::tcp::socket> raw(io);
    raw.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), relay.port()});
    raw.handshake("127.0.0.1:" + std::to_string(relay.port()), "/ws");
    raw.text(true);
    const std::string auth = encode(client_frame{auth_frame{token_for("dave", "lobby")}});
    raw.write(boost::asio::buffer(auth));
    boost::beast::flat_buffer buffer;
    raw.read(buffer);  // welcome
    raw.write(boost::asio::buffer(std::string("{\"type\":\"\xff\xfe\"}")));
    boost::system::error_code ec;
    while (!ec) raw.read(buffer, ec);
    // The relay closes with 1007 and reads no more (websocketpp after a
    // protocol error), so Beast's close reply can meet a reset instead of a
    // clean end: what counts is the close code it received.
    EXPECT_EQ(raw.reason().code, 1007) << ec.message();
    expect_chat_works(*room.culprit, *room.bystander, "others unaffected");
}

TEST(relay_limits, slow_consumer_is_dropped_while_others_keep_receiving) {
    relay_process relay({"--max-buffered-bytes", "262144", "--rate-burst", "100000", "--rate-refill-ms", "1",
                         "--user-rate-burst", "100000", "--user-rate-refill-ms", "1", "--frame-burst",
                         "100000", "--max-text-code-points", "12000", "--max-frame-bytes", "65536",
                         "--history-max-messages", "10"});
    auto slow = authed_client(relay.ws_url(), token_for("slow", "lobby"), client_options{"", false, true});
    auto sender = authed_client(relay.ws_url(), token_for("sender", "lobby"));
    auto watcher = authed_client(relay.ws_url(), token_for("watcher", "lobby"));
    ASSERT_TRUE(slow && sender && watcher);
    ASSERT_TRUE(join(*slow, "lobby") && join(*sender, "lobby") && join(*watcher, "lobby"));
    // Presence goes out as net changes 500 ms late: once slow's arrival is
    // announced, its departure is news (a fast relay drops it well within
    // those 500 ms, and then nobody would hear of it at all).
    std::this_thread::sleep_for(700ms);
    slow->pause_reading();

    // The sender is a member too: pace it in small batches so that it, a
    // reader keeping up, never has more than the cap in flight.
    // 7 MB in all: more than the kernel's socket buffers (4 MB send maximum) hold.
    const std::string text(12000, 'z');
    constexpr int count = 600;
    constexpr int batch = 20;  // 240 KB: the cap is 256 KB
    static_assert(count % batch == 0, "exactly count messages are sent");
    for (int i = 0; i < count; i += batch) {
        message_id last;
        for (int k = 0; k < batch; ++k) {
            last = test_message_id();
            sender->send(send_frame{"lobby", last, text});
        }
        ASSERT_TRUE(sender->wait_for<ack_frame>([&](const ack_frame& a) { return a.id == last; }));
    }

    int received = 0;
    bool slow_left = false;
    while (received < count || !slow_left) {
        const auto text_frame = watcher->next_text(20s);
        if (!text_frame) break;
        auto decoded = decode_server_frame(*text_frame);
        const auto* frame = (decoded ? &*decoded : nullptr);
        ASSERT_NE(frame, nullptr);
        if (std::holds_alternative<message_frame>(*frame)) ++received;
        if (const auto* presence = std::get_if<presence_frame>(frame)) {
            slow_left =
                slow_left || (presence->event == presence_event::leave && presence->user.id == "slow");
        }
    }
    EXPECT_EQ(received, count);
    EXPECT_TRUE(slow_left);
    const auto metrics = http_request(relay.port(), "GET", "/metrics");
    EXPECT_NE(metrics.body.find("roomchat_slow_consumer_disconnects_total 1\n"), std::string::npos);
}

std::size_t open_connections(const relay_process& relay) {
    const auto health = nlohmann::json::parse(http_request(relay.port(), "GET", "/healthz").body);
    return health["connections"].get<std::size_t>();
}

TEST(relay_limits, pings_keep_an_attentive_peer_and_the_idle_timeout_drops_a_silent_one) {
    relay_process relay(
        {"--ping-interval-ms", "100", "--pong-timeout-ms", "200", "--idle-timeout-ms", "400"});
    auto attentive = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    auto silent = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(attentive && silent);
    silent->pause_reading();  // it answers no more pings
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (open_connections(relay) > 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(open_connections(relay), 1u);
    std::this_thread::sleep_for(600ms);  // longer than the idle timeout
    EXPECT_TRUE(attentive->is_open());
    EXPECT_TRUE(join(*attentive, "lobby"));
}

TEST(relay_limits, unfinished_handshake_is_cut_at_its_timeout) {
    relay_process relay({"--handshake-timeout-ms", "300"});
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), relay.port()});
    const std::string partial = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    boost::asio::write(socket, boost::asio::buffer(partial));
    const auto started = std::chrono::steady_clock::now();
    char byte = 0;
    boost::system::error_code ec;
    while (!ec) socket.read_some(boost::asio::buffer(&byte, 1), ec);  // the relay may answer 408 first
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(relay_limits, foreign_origin_is_refused_during_the_handshake) {
    relay_process relay;
    ws_client evil(relay.ws_url(), client_options{"http://evil.example"});
    EXPECT_FALSE(evil.wait_open());
    EXPECT_EQ(evil.http_status(), 403);
    ws_client same_site(relay.ws_url(), client_options{"http://127.0.0.1:" + std::to_string(relay.port())});
    EXPECT_TRUE(same_site.wait_open());
}

TEST(relay_limits, allowed_origins_replace_the_same_host_default) {
    relay_process relay({"--allowed-origins", "https://app.example, https://other.example"});
    ws_client app(relay.ws_url(), client_options{"https://app.example"});
    EXPECT_TRUE(app.wait_open());
    ws_client same_site(relay.ws_url(), client_options{"http://127.0.0.1:" + std::to_string(relay.port())});
    EXPECT_FALSE(same_site.wait_open());
    EXPECT_EQ(same_site.http_status(), 403);
}

TEST(relay_limits, connections_per_ip_are_capped) {
    relay_process relay({"--max-connections-per-ip", "2"});
    ws_client one(relay.ws_url());
    ws_client two(relay.ws_url());
    ASSERT_TRUE(one.wait_open() && two.wait_open());
    ws_client three(relay.ws_url());
    EXPECT_FALSE(three.wait_open());
    EXPECT_EQ(three.http_status(), 429);
}

TEST(relay_limits, max_rooms_is_enforced) {
    relay_process relay({"--max-rooms", "1"});
    auto client = authed_client(relay.ws_url(), token_for("alice", "*"));
    ASSERT_TRUE(client && join(*client, "first"));
    client->send(join_frame{"second", std::nullopt, std::nullopt});
    EXPECT_EQ(expect_error_frame(*client), errc::room_full);
}

TEST(relay_limits, idle_rooms_are_dropped_after_their_ttl) {
    relay_process relay({"--room-idle-ttl-ms", "200"});
    {
        auto client = authed_client(relay.ws_url(), token_for("alice", "lobby"));
        ASSERT_TRUE(client && join(*client, "lobby"));
        client->send(send_frame{"lobby", test_message_id(), "soon gone"});
        ASSERT_TRUE(client->wait_for<ack_frame>());
        EXPECT_NE(http_request(relay.port(), "GET", "/healthz").body.find("\"rooms\":1"), std::string::npos);
    }
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    std::string health;
    while (std::chrono::steady_clock::now() < deadline) {
        health = http_request(relay.port(), "GET", "/healthz").body;
        if (health.find("\"rooms\":0") != std::string::npos) break;
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_NE(health.find("\"rooms\":0"), std::string::npos) << health;
    auto again = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(again);
    const auto answer = join(*again, "lobby");
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->history.messages.empty());
}

}  // namespace
}  // namespace roomchat::relay_test
