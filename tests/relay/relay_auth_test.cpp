// Authentication through the real relay: every way a token can be wrong,
// rooms a token does not admit, the auth deadline, expiry while connected,
// the per-user connection cap and --dev-auth.

#include <thread>

#include <gtest/gtest.h>

#include "http_client.hpp"
#include "relay_process.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

using nlohmann::json;

// The relay answers a bad first auth with an error frame, then closes 1008.
void expect_refused(const relay_process& relay, const std::string& token, errc expected) {
    ws_client client(relay.ws_url());
    ASSERT_TRUE(client.wait_open());
    client.send(auth_frame{token});
    const auto error = client.wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, expected) << error->message;
    const auto closed = client.wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1008);
    EXPECT_EQ(closed->reason, std::string(to_string(expected)));
}

TEST(relay_auth, valid_token_gets_welcome_with_limits) {
    relay_process relay({"--max-text-code-points", "300"});
    ws_client client(relay.ws_url());
    ASSERT_TRUE(client.wait_open());
    auto claims = claims_for("alice", "lobby", "Alice A.");
    client.send(auth_frame{mint(claims)});
    const auto welcome = client.wait_for<welcome_frame>();
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->user.id, "alice");
    EXPECT_EQ(welcome->user.name, "Alice A.");
    EXPECT_EQ(welcome->max_text_code_points, 300u);
    EXPECT_EQ(welcome->token_expires_at, claims["exp"].get<std::int64_t>() * 1000);
}

TEST(relay_auth, expired_token_is_refused) {
    relay_process relay;
    auto claims = claims_for("alice", "lobby");
    claims["exp"] = unix_now() - 10;
    expect_refused(relay, mint(claims), errc::token_expired);
}

TEST(relay_auth, not_yet_valid_token_is_refused) {
    relay_process relay;
    auto claims = claims_for("alice", "lobby");
    claims["nbf"] = unix_now() + 600;
    expect_refused(relay, mint(claims), errc::auth_failed);
}

TEST(relay_auth, a_service_token_opens_no_connection) {
    relay_process relay;
    auto claims = claims_for("host", "lobby");
    claims["service"] = true;
    expect_refused(relay, mint(claims), errc::auth_failed);
}

TEST(relay_auth, a_service_claim_that_is_not_a_boolean_is_refused) {
    relay_process relay;
    auto claims = claims_for("alice", "lobby");
    claims["service"] = "yes";
    expect_refused(relay, mint(claims), errc::auth_failed);
}

TEST(relay_auth, wrong_signature_is_refused) {
    relay_process relay;
    expect_refused(relay, mint(claims_for("alice", "lobby"), "another-secret-that-is-long-enough-000000"),
                   errc::auth_failed);
}

TEST(relay_auth, alg_none_is_refused) {
    relay_process relay;
    expect_refused(relay, mint(claims_for("alice", "lobby"), test_secret, "none"), errc::auth_failed);
}

TEST(relay_auth, other_hmac_algorithm_with_the_right_secret_is_refused) {
    relay_process relay;
    expect_refused(relay, mint(claims_for("alice", "lobby"), test_secret, "HS384"), errc::auth_failed);
}

TEST(relay_auth, garbage_token_is_refused) {
    relay_process relay;
    expect_refused(relay, "not.a.jwt", errc::auth_failed);
}

TEST(relay_auth, each_missing_claim_is_refused) {
    relay_process relay;
    for (const char* claim : {"sub", "name", "room", "exp"}) {
        SCOPED_TRACE(claim);
        auto claims = claims_for("alice", "lobby");
        claims.erase(claim);
        expect_refused(relay, mint(claims), errc::auth_failed);
    }
}

TEST(relay_auth, invalid_claim_values_are_refused) {
    relay_process relay;
    auto bad_user = claims_for("alice", "lobby");
    bad_user["sub"] = "no spaces allowed";
    expect_refused(relay, mint(bad_user), errc::auth_failed);
    auto bad_room = claims_for("alice", json::array({"lobby", 7}));
    expect_refused(relay, mint(bad_room), errc::auth_failed);
    auto string_exp = claims_for("alice", "lobby");
    string_exp["exp"] = "tomorrow";
    expect_refused(relay, mint(string_exp), errc::auth_failed);
}

TEST(relay_auth, joining_a_room_the_token_does_not_admit_is_refused) {
    relay_process relay;
    auto client = authed_client(relay.ws_url(), token_for("alice", json::array({"lobby", "movie"})));
    ASSERT_TRUE(client);
    client->send(join_frame{"backstage", std::nullopt, std::nullopt});
    const auto error = client->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::room_forbidden);
    EXPECT_EQ(error->room, std::optional<std::string>("backstage"));
    // The connection stays usable for the rooms it does admit.
    EXPECT_TRUE(join(*client, "movie"));
    EXPECT_TRUE(join(*client, "lobby"));
}

TEST(relay_auth, wildcard_room_admits_any_room) {
    relay_process relay;
    auto client = authed_client(relay.ws_url(), token_for("alice", "*"));
    ASSERT_TRUE(client);
    EXPECT_TRUE(join(*client, "anything-at-all"));
}

// One answer, from one owner: whether the room exists or not, a frame for a
// room this connection has not joined gets error not_joined naming the room.
TEST(relay_auth, sending_before_joining_is_answered_not_joined) {
    relay_process relay;
    auto client = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(client);
    const auto expect_not_joined = [&](const std::string& what) {
        const auto error = client->wait_for<error_frame>();
        ASSERT_TRUE(error) << what;
        EXPECT_EQ(error->code, errc::not_joined) << what;
        EXPECT_EQ(error->room, "lobby") << what;
    };
    client->send(send_frame{"lobby", test_message_id(), "hi"});
    expect_not_joined("a room nobody has opened");

    auto bob = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(bob && join(*bob, "lobby"));
    client->send(send_frame{"lobby", test_message_id(), "hi"});
    expect_not_joined("a room others are in");
    client->send(history_request_frame{"lobby", std::nullopt, std::nullopt, 5});
    expect_not_joined("a history request");
    client->send(read_frame{"lobby", 1});
    expect_not_joined("a read marker");
    client->send(leave_frame{"lobby"});
    expect_not_joined("a leave");
    EXPECT_EQ(metric_value(relay.port(), "roomchat_acks_total"), 0U);
}

TEST(relay_auth, first_frame_other_than_auth_closes) {
    relay_process relay;
    ws_client client(relay.ws_url());
    ASSERT_TRUE(client.wait_open());
    client.send(join_frame{"lobby", std::nullopt, std::nullopt});
    const auto error = client.wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::auth_required);
    const auto closed = client.wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1008);
}

TEST(relay_auth, silent_connection_is_closed_at_the_auth_deadline) {
    relay_process relay({"--auth-timeout-ms", "300"});
    ws_client client(relay.ws_url());
    ASSERT_TRUE(client.wait_open());
    const auto started = std::chrono::steady_clock::now();
    const auto error = client.wait_for<error_frame>({}, 3s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::auth_timeout);
    const auto closed = client.wait_closed(3s);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1008);
    EXPECT_EQ(closed->reason, "auth_timeout");
    EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
}

TEST(relay_auth, token_expiring_while_connected_stops_sends_until_reauth) {
    relay_process relay;
    auto claims = claims_for("alice", "lobby");
    claims["exp"] = unix_now() + 2;
    auto client = authed_client(relay.ws_url(), mint(claims));
    ASSERT_TRUE(client && join(*client, "lobby"));
    std::this_thread::sleep_for(
        std::chrono::milliseconds((claims["exp"].get<std::int64_t>() * 1000) -
                                  std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count() +
                                  100));

    const message_id late = test_message_id();
    client->send(send_frame{"lobby", late, "too late"});
    const auto nack = client->wait_for<nack_frame>();
    ASSERT_TRUE(nack);
    EXPECT_EQ(nack->code, errc::token_expired);

    client->send(auth_frame{token_for("alice", "lobby")});
    ASSERT_TRUE(client->wait_for<welcome_frame>());
    client->send(send_frame{"lobby", late, "refreshed"});
    const auto ack = client->wait_for<ack_frame>();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->id, late);
}

TEST(relay_auth, refresh_with_another_users_token_is_refused) {
    relay_process relay;
    auto client = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(client);
    client->send(auth_frame{token_for("mallory", "lobby")});
    const auto error = client->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::auth_failed);
    EXPECT_TRUE(join(*client, "lobby"));  // still alice, still connected
}

TEST(relay_auth, a_refresh_with_an_expired_token_is_refused_and_the_connection_stays) {
    relay_process relay;
    auto client = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(client && join(*client, "lobby"));
    auto stale = claims_for("alice", "lobby");
    stale["exp"] = unix_now() - 10;
    client->send(auth_frame{mint(stale)});
    const auto error = client->wait_for<error_frame>();
    ASSERT_TRUE(error);
    // Never token_expired: without a room that means the connection is being closed.
    EXPECT_EQ(error->code, errc::auth_failed);
    EXPECT_FALSE(error->room);
    EXPECT_FALSE(client->wait_closed(300ms));
    EXPECT_TRUE(join(*client, "lobby"));
}

TEST(relay_auth, connections_per_user_are_capped) {
    relay_process relay({"--max-connections-per-user", "2"});
    auto one = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    auto two = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    ASSERT_TRUE(one && two);
    expect_refused(relay, token_for("alice", "lobby"), errc::too_many_connections);
    EXPECT_TRUE(authed_client(relay.ws_url(), token_for("bob", "lobby")));
    two.reset();
    // The slot frees up once a connection is gone.
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    std::unique_ptr<ws_client> three;
    while (!three && std::chrono::steady_clock::now() < deadline) {
        three = authed_client(relay.ws_url(), token_for("alice", "lobby"));
    }
    EXPECT_TRUE(three);
}

TEST(relay_auth, dev_auth_mints_working_short_lived_tokens) {
    relay_process relay({"--dev-auth"}, "");
    const auto reply =
        http_request(relay.port(), "POST", "/api/dev/token", R"({"name":"Ann","room":"lobby"})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto body = json::parse(reply.body);
    EXPECT_EQ(body["user"]["name"], "Ann");
    EXPECT_EQ(body["user"]["id"].get<std::string>().rfind("dev-", 0), 0u);
    const auto expires_at = body["expires_at"].get<std::int64_t>();
    EXPECT_GT(expires_at, unix_now() * 1000);
    EXPECT_LE(expires_at, (unix_now() + 3601) * 1000);

    auto client = authed_client(relay.ws_url(), body["token"].get<std::string>());
    ASSERT_TRUE(client);
    EXPECT_TRUE(join(*client, "lobby"));

    EXPECT_EQ(http_request(relay.port(), "POST", "/api/dev/token", R"({"name":"","room":"lobby"})").status,
              400);
    EXPECT_EQ(
        http_request(relay.port(), "POST", "/api/dev/token", R"({"name":"Ann","room":"no room"})").status,
        400);
}

TEST(relay_auth, a_dev_token_refreshed_with_the_token_in_use_keeps_the_user_and_the_connection) {
    relay_process relay({"--dev-auth"}, "");
    const std::string request = R"({"name":"Ann","room":"lobby"})";
    const auto first = json::parse(http_request(relay.port(), "POST", "/api/dev/token", request).body);
    const std::string token = first["token"];
    auto client = authed_client(relay.ws_url(), token);
    ASSERT_TRUE(client && join(*client, "lobby"));

    const auto refreshed =
        json::parse(http_request(relay.port(), "POST", "/api/dev/token", request, bearer(token)).body);
    EXPECT_EQ(refreshed["user"]["id"], first["user"]["id"]);
    client->send(auth_frame{refreshed["token"].get<std::string>()});
    EXPECT_TRUE(client->wait_for<welcome_frame>()) << "the same user: the refresh is taken";

    const auto stranger = json::parse(
        http_request(relay.port(), "POST", "/api/dev/token", request, bearer("not-a-token")).body);
    EXPECT_NE(stranger["user"]["id"], first["user"]["id"]) << "without a valid token in use, a new user";
}

TEST(relay_auth, dev_token_endpoint_does_not_exist_without_the_flag) {
    relay_process relay;
    const auto reply =
        http_request(relay.port(), "POST", "/api/dev/token", R"({"name":"Ann","room":"lobby"})");
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body.find("token\""), std::string::npos);
}

}  // namespace
}  // namespace roomchat::relay_test
