// Operating the relay: --help, --version, configuration from the environment, a missing
// secret, a port already in use, and graceful shutdown on SIGTERM/SIGINT.

#include <fstream>
#include <iterator>
#include <signal.h>

#include <gtest/gtest.h>

#include "http_client.hpp"
#include "relay_process.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

TEST(relay_operations, help_documents_every_option_with_its_default) {
    const auto result = run_relay_to_exit({"--help"});
    EXPECT_EQ(result.status, 0);
    for (const char* option : {"--host",
                               "--port",
                               "--web-root",
                               "--jwt-secret-file",
                               "--dev-auth",
                               "--dev-token-ttl-ms",
                               "--tls-cert",
                               "--tls-key",
                               "--auth-timeout-ms",
                               "--handshake-timeout-ms",
                               "--ping-interval-ms",
                               "--pong-timeout-ms",
                               "--idle-timeout-ms",
                               "--max-frame-bytes",
                               "--max-http-body-bytes",
                               "--max-connections-per-user",
                               "--max-connections-per-ip",
                               "--max-buffered-bytes",
                               "--allowed-origins",
                               "--max-rooms",
                               "--room-idle-ttl-ms",
                               "--max-text-code-points",
                               "--rate-burst",
                               "--rate-refill-ms",
                               "--history-max-messages",
                               "--history-max-bytes",
                               "--page-size",
                               "--max-page-size",
                               "--log-level",
                               "ROOMCHAT_",
                               "(=8080)",
                               "(=16384)"}) {
        EXPECT_NE(result.output.find(option), std::string::npos) << option;
    }
}

TEST(relay_operations, prints_its_version_without_needing_a_secret) {
    const auto result = run_relay_to_exit({"--version"});
    EXPECT_EQ(result.status, 0);
    EXPECT_EQ(result.output, "roomchat-relay " ROOMCHAT_VERSION "\n");
    EXPECT_NE(run_relay_to_exit({"--help"}).output.find("roomchat-relay " ROOMCHAT_VERSION ": "),
              std::string::npos);
}

TEST(relay_operations, help_and_version_are_asked_for_on_the_command_line_only) {
    relay_process relay({}, test_secret, {"ROOMCHAT_VERSION=0.1.0", "ROOMCHAT_HELP=true"});
    EXPECT_EQ(http_request(relay.port(), "GET", "/healthz").status, 200) << "the relay runs";
}

TEST(relay_operations, refuses_to_start_without_a_secret) {
    const auto result = run_relay_to_exit({"--port", "0"});
    EXPECT_EQ(result.status, 2);
    const auto short_secret = run_relay_to_exit({"--port", "0"}, {"ROOMCHAT_JWT_SECRET=short"});
    EXPECT_EQ(short_secret.status, 2);
}

TEST(relay_operations, options_come_from_the_environment_too) {
    relay_process relay({}, test_secret, {"ROOMCHAT_DEV_AUTH=true", "ROOMCHAT_MAX_FRAME_BYTES=512"});
    EXPECT_EQ(http_request(relay.port(), "POST", "/api/dev/token", R"({"name":"Env","room":"lobby"})").status,
              200);
    auto client = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(client);
    client->send_text(std::string(600, ' '));
    const auto closed = client->wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1009);
}

TEST(relay_operations, prints_the_listening_url) {
    relay_process relay;
    const std::string port = std::to_string(relay.port());
    EXPECT_EQ(relay.listening_line(),
              "roomchat-relay listening on http://127.0.0.1:" + port + "/ (ws://127.0.0.1:" + port + "/ws)");
}

TEST(relay_operations, a_port_in_use_is_a_startup_error_that_says_so) {
    relay_process first;
    const std::string log_path = ::testing::TempDir() + "relay_operations_port_in_use.log";
    const auto second = run_relay_to_exit({"--host", "127.0.0.1", "--port", std::to_string(first.port())},
                                          {"ROOMCHAT_JWT_SECRET=" + test_secret}, log_path);
    EXPECT_EQ(second.status, 1);
    std::ifstream in(log_path, std::ios::binary);
    const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(log.find("startup_failed"), std::string::npos) << log;
    EXPECT_NE(
        log.find("cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": Address already in use"),
        std::string::npos)
        << log;
    EXPECT_EQ(http_request(first.port(), "GET", "/healthz").status, 200) << "the first relay still serves";
}

void expect_graceful(int signal_number) {
    relay_process relay;
    auto member = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(member && join(*member, "lobby"));
    ws_client unauthenticated(relay.ws_url());
    ASSERT_TRUE(unauthenticated.wait_open());

    const auto started = std::chrono::steady_clock::now();
    const auto status = relay.stop(signal_number, 5s);
    ASSERT_TRUE(status.has_value()) << "relay did not exit";
    EXPECT_EQ(*status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    for (ws_client* client : {member.get(), &unauthenticated}) {
        const auto closed = client->wait_closed(2s);
        ASSERT_TRUE(closed);
        EXPECT_EQ(closed->code, 1001);
        EXPECT_EQ(closed->reason, "going away");
    }
}

TEST(relay_operations, sigterm_closes_every_client_with_1001_and_exits_zero) { expect_graceful(SIGTERM); }

TEST(relay_operations, sigint_drains_the_same_way) { expect_graceful(SIGINT); }

TEST(relay_operations, shutdown_does_not_wait_for_a_client_that_stopped_reading) {
    relay_process relay;
    auto stuck = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(stuck);
    stuck->pause_reading();
    const auto started = std::chrono::steady_clock::now();
    const auto status = relay.stop(SIGTERM, 5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

}  // namespace
}  // namespace roomchat::relay_test
