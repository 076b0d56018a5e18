// wss:// with a self-signed certificate made for the test by the openssl CLI.

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "relay_process.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

namespace fs = std::filesystem;

TEST(relay_tls, wss_clients_chat_over_tls) {
    const fs::path dir = fs::temp_directory_path() / ("roomchat-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string cert = (dir / "cert.pem").string();
    const std::string key = (dir / "key.pem").string();
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key + " -out " +
        cert + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0);

    {
        relay_process relay({"--tls-cert", cert, "--tls-key", key});
        EXPECT_NE(relay.listening_line().find("wss://"), std::string::npos);
        auto alice = authed_client(relay.ws_url(), token_for("alice", "lobby"), client_options{"", true});
        auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"), client_options{"", true});
        ASSERT_TRUE(alice && bob && join(*alice, "lobby") && join(*bob, "lobby"));
        const message_id id = test_message_id();
        alice->send(send_frame{"lobby", id, "over tls"});
        EXPECT_TRUE(alice->wait_for<ack_frame>());
        const auto message = bob->wait_for<message_frame>();
        ASSERT_TRUE(message);
        EXPECT_EQ(message->message.text, "over tls");

        // A plain ws:// client cannot talk to the TLS port.
        ws_client plain("ws://127.0.0.1:" + std::to_string(relay.port()) + "/ws");
        EXPECT_FALSE(plain.wait_open(2s));
    }
    fs::remove_all(dir);
}

TEST(relay_tls, unreadable_certificate_stops_startup) {
    const auto result = run_relay_to_exit(
        {"--port", "0", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"},
        {"ROOMCHAT_JWT_SECRET=" + test_secret});
    EXPECT_EQ(result.status, 1);
}

}  // namespace
}  // namespace roomchat::relay_test
