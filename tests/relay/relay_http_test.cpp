// The relay's HTTP side: static files with their content types, traversal
// attempts, the history and send API with and without tokens, long polls,
// health and metrics.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "http_client.hpp"
#include "relay_process.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
}

// A web root inside a scratch folder that also holds a file outside the root.
class relay_http_test : public ::testing::Test {
protected:
    void SetUp() override {
        scratch_ = fs::temp_directory_path() / ("roomchat-http-" + std::to_string(::getpid()));
        fs::remove_all(scratch_);
        write_file(scratch_ / "site" / "index.html", "<!doctype html><title>roomchat</title>");
        write_file(scratch_ / "site" / "app.js", "export const x = 1;");
        write_file(scratch_ / "site" / "lib.mjs", "export default 2;");
        write_file(scratch_ / "site" / "style.css", "body{}");
        write_file(scratch_ / "site" / "roomchat.wasm", wasm_bytes);
        write_file(scratch_ / "site" / "docs" / "index.html", "<p>docs</p>");
        write_file(scratch_ / "secret.txt", secret_text);
        relay_ = std::make_unique<relay_process>(
            std::vector<std::string>{"--web-root", (scratch_ / "site").string()});
    }
    void TearDown() override {
        relay_.reset();
        fs::remove_all(scratch_);
    }
    http_reply get(const std::string& target, const std::map<std::string, std::string>& headers = {}) {
        return http_request(relay_->port(), "GET", target, "", headers);
    }
    http_reply post(const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) {
        return http_request(relay_->port(), "POST", target, body, headers);
    }

    const std::string wasm_bytes = std::string("\0asm\x01\0\0\0", 8);
    const std::string secret_text = "TOP-SECRET-OUTSIDE-ROOT";
    fs::path scratch_;
    std::unique_ptr<relay_process> relay_;
};

std::string error_code(const http_reply& reply) {
    const auto body = json::parse(reply.body, nullptr, false);
    if (!body.is_object() || !body.contains("error")) return "<no error object>";
    return body["error"]["code"].get<std::string>();
}

TEST_F(relay_http_test, serves_files_with_their_content_types) {
    const auto index = get("/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.body, "<!doctype html><title>roomchat</title>");
    EXPECT_FALSE(index.header("cache-control").empty());

    const auto wasm = get("/roomchat.wasm");
    EXPECT_EQ(wasm.status, 200);
    EXPECT_EQ(wasm.header("content-type"), "application/wasm");
    EXPECT_EQ(wasm.body, wasm_bytes);
    EXPECT_EQ(wasm.header("access-control-allow-origin"), "*");

    EXPECT_EQ(get("/app.js").header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(get("/lib.mjs").header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(get("/style.css").header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(get("/docs/").body, "<p>docs</p>");
    EXPECT_EQ(get("/app.js?v=3").body, "export const x = 1;");

    const auto missing = get("/nope.html");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(error_code(missing), "not_found");
}

TEST_F(relay_http_test, traversal_attempts_are_refused) {
    for (const std::string target :
         {"/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
          "/docs/..%2f..%2fsecret.txt", "/%252e%252e/secret.txt", "/..%5csecret.txt",
          "/docs/%2e%2e/%2e%2e/secret.txt", "/%00", "/index.html%00.js", "/..\\secret.txt"}) {
        SCOPED_TRACE(target);
        const auto reply = get(target);
        EXPECT_GE(reply.status, 400);
        EXPECT_EQ(reply.body.find(secret_text), std::string::npos);
    }
}

TEST_F(relay_http_test, history_needs_a_token_that_admits_the_room) {
    EXPECT_EQ(get("/api/rooms/lobby/messages").status, 401);
    EXPECT_EQ(get("/api/rooms/lobby/messages", {{"Authorization", "Bearer nonsense"}}).status, 401);
    auto expired = claims_for("alice", "lobby");
    expired["exp"] = unix_now() - 5;
    const auto expired_reply = get("/api/rooms/lobby/messages", bearer(mint(expired)));
    EXPECT_EQ(expired_reply.status, 401);
    EXPECT_EQ(error_code(expired_reply), "token_expired");
    const auto forbidden = get("/api/rooms/lobby/messages", bearer(token_for("alice", "other")));
    EXPECT_EQ(forbidden.status, 403);
    EXPECT_EQ(error_code(forbidden), "room_forbidden");

    const auto empty = get("/api/rooms/lobby/messages", bearer(token_for("alice", "lobby")));
    EXPECT_EQ(empty.status, 200);
    EXPECT_TRUE(json::parse(empty.body)["messages"].empty());
}

TEST_F(relay_http_test, post_sends_like_a_web_socket_send_and_dedupes) {
    auto member = authed_client(relay_->ws_url(), token_for("bob", "lobby"));
    const auto joined = member ? join(*member, "lobby") : std::nullopt;
    ASSERT_TRUE(joined);
    const auto token = token_for("alice", "lobby");
    const std::string id = test_message_id().to_string();
    const std::string body = json{{"id", id}, {"text", "  via http  "}}.dump();

    const auto created = post("/api/rooms/lobby/messages", body, bearer(token));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto ack = json::parse(created.body);
    EXPECT_EQ(ack["type"], "ack");
    EXPECT_EQ(ack["id"], id);
    EXPECT_EQ(ack["seq"], 1);
    EXPECT_EQ(ack["epoch"], joined->joined.epoch) << "the seq counts in the room's epoch";

    const auto duplicate = post("/api/rooms/lobby/messages", body, bearer(token));
    EXPECT_EQ(duplicate.status, 200);
    EXPECT_EQ(json::parse(duplicate.body)["seq"], 1);

    const auto delivered = member->wait_for<message_frame>();
    ASSERT_TRUE(delivered);
    EXPECT_EQ(delivered->message.text, "via http");
    EXPECT_EQ(delivered->message.from.id, "alice");
    const std::string next_id = test_message_id().to_string();
    ASSERT_EQ(
        post("/api/rooms/lobby/messages", json{{"id", next_id}, {"text", "second"}}.dump(), bearer(token))
            .status,
        201);
    const auto second = member->wait_for<message_frame>();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->message.text, "second");  // the duplicate was not broadcast

    const auto history = json::parse(get("/api/rooms/lobby/messages", bearer(token)).body);
    ASSERT_EQ(history["messages"].size(), 2u);
    EXPECT_EQ(history["messages"][0]["text"], "via http");
}

TEST_F(relay_http_test, post_rejects_bad_input) {
    const auto token = token_for("alice", "lobby");
    const auto unauthenticated =
        post("/api/rooms/lobby/messages", json{{"id", test_message_id().to_string()}, {"text", "x"}}.dump());
    EXPECT_EQ(unauthenticated.status, 401);
    const auto bad_id = post("/api/rooms/lobby/messages", R"({"id":"123","text":"hi"})", bearer(token));
    EXPECT_EQ(bad_id.status, 400);
    EXPECT_EQ(error_code(bad_id), "invalid_message_id");
    const auto empty =
        post("/api/rooms/lobby/messages", json{{"id", test_message_id().to_string()}, {"text", "   "}}.dump(),
             bearer(token));
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(error_code(empty), "empty_text");
    EXPECT_EQ(error_code(post("/api/rooms/lobby/messages", "{oops", bearer(token))), "malformed_json");
    EXPECT_EQ(post("/api/rooms/lobby/messages", std::string(20000, ' '), bearer(token)).status, 413);
    EXPECT_EQ(post("/api/rooms/bad%20room/messages", "{}", bearer(token)).status, 400);
    EXPECT_EQ(post("/api/rooms/other/messages",
                   json{{"id", test_message_id().to_string()}, {"text", "x"}}.dump(), bearer(token))
                  .status,
              403);
}

TEST_F(relay_http_test, post_is_rate_limited_with_retry_after) {
    const auto token = token_for("alice", "lobby");
    http_reply reply;
    for (int i = 0; i < 10 && reply.status != 429; ++i) {
        reply =
            post("/api/rooms/lobby/messages",
                 json{{"id", test_message_id().to_string()}, {"text", "spam " + std::to_string(i)}}.dump(),
                 bearer(token));
    }
    ASSERT_EQ(reply.status, 429);
    EXPECT_GE(std::stoi(reply.header("retry-after")), 1);
    const auto body = json::parse(reply.body);
    EXPECT_EQ(body["error"]["code"], "rate_limited");
    EXPECT_GT(body["error"]["retry_after_ms"].get<int>(), 0);
}

TEST_F(relay_http_test, a_muted_users_post_is_forbidden_with_the_time_left) {
    auto claims = claims_for("mo", "lobby");
    claims["mod"] = "lobby";
    auto mod = authed_client(relay_->ws_url(), mint(claims));
    ASSERT_TRUE(mod && join(*mod, "lobby"));
    mod->send(mute_frame{"lobby", "alice", 3});
    ASSERT_TRUE(mod->wait_for<muted_frame>());
    const auto reply = post("/api/rooms/lobby/messages",
                            json{{"id", test_message_id().to_string()}, {"text", "hello"}}.dump(),
                            bearer(token_for("alice", "lobby")));
    EXPECT_EQ(reply.status, 403);
    EXPECT_EQ(error_code(reply), "muted");
    EXPECT_GE(std::stoi(reply.header("retry-after")), 170);
    EXPECT_GT(json::parse(reply.body)["error"]["retry_after_ms"].get<int>(), 170'000);
}

TEST_F(relay_http_test, a_removal_posted_takes_the_text_out_of_every_page) {
    const auto alice = token_for("alice", "lobby");
    const auto post_json = [&](const json& body, const std::string& token) {
        return post("/api/rooms/lobby/messages", body.dump(), bearer(token));
    };
    ASSERT_EQ(post_json(json{{"id", test_message_id().to_string()}, {"text", "regrettable"}}, alice).status,
              201);
    ASSERT_EQ(post_json(json{{"id", test_message_id().to_string()}, {"text", "fine"}}, alice).status, 201);

    const auto by_bob = post_json(json{{"id", test_message_id().to_string()}, {"text", ""}, {"removes", 1}},
                                  token_for("bob", "lobby"));
    EXPECT_EQ(by_bob.status, 403);
    EXPECT_EQ(error_code(by_bob), "not_moderator");
    const auto missing =
        post_json(json{{"id", test_message_id().to_string()}, {"text", ""}, {"removes", 99}}, alice);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(error_code(missing), "no_such_message");
    const auto worded =
        post_json(json{{"id", test_message_id().to_string()}, {"text", "no"}, {"removes", 1}}, alice);
    EXPECT_EQ(worded.status, 400);
    EXPECT_EQ(error_code(worded), "wrong_type");

    const auto removed =
        post_json(json{{"id", test_message_id().to_string()}, {"text", ""}, {"removes", 1}}, alice);
    EXPECT_EQ(removed.status, 201);
    auto claims = claims_for("mo", "lobby");
    claims["mod"] = "lobby";
    const auto by_moderator =
        post_json(json{{"id", test_message_id().to_string()}, {"text", ""}, {"removes", 2}}, mint(claims));
    EXPECT_EQ(by_moderator.status, 201) << "a moderator's token removes anyone's";

    const auto reply = get("/api/rooms/lobby/messages", bearer(alice));
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body.find("regrettable"), std::string::npos) << "the text is gone from the API";
    const json page = json::parse(reply.body);
    ASSERT_EQ(page["messages"].size(), 4u);
    EXPECT_EQ(page["messages"][0]["removed"], true);
    EXPECT_EQ(page["messages"][0]["text"], "");
    EXPECT_EQ(page["messages"][1]["removed"], true);
    EXPECT_EQ(page["messages"][2]["removes"], 1);
    EXPECT_EQ(page["messages"][3]["removes"], 2);
}

TEST_F(relay_http_test, a_reaction_posted_shows_in_the_pages) {
    const auto alice = token_for("alice", "lobby");
    const auto post_json = [&](const json& body) {
        return post("/api/rooms/lobby/messages", body.dump(), bearer(alice));
    };
    ASSERT_EQ(post_json(json{{"id", test_message_id().to_string()}, {"text", "popcorn ready"}}).status, 201);
    const json reaction{{"to", 1}, {"emoji", "🎉"}, {"add", true}};
    EXPECT_EQ(
        post_json(json{{"id", test_message_id().to_string()}, {"text", ""}, {"reaction", reaction}}).status,
        201);
    const json pizza{{"to", 1}, {"emoji", "🍕"}};
    const auto outside =
        post_json(json{{"id", test_message_id().to_string()}, {"text", ""}, {"reaction", pizza}});
    EXPECT_EQ(outside.status, 400);
    EXPECT_EQ(error_code(outside), "wrong_type");
    const auto both = post_json(
        json{{"id", test_message_id().to_string()}, {"text", ""}, {"removes", 1}, {"reaction", reaction}});
    EXPECT_EQ(both.status, 400) << "a removal or a reaction, not both";

    const json page = json::parse(get("/api/rooms/lobby/messages", bearer(alice)).body);
    ASSERT_EQ(page["messages"].size(), 2u);
    EXPECT_EQ(page["messages"][0]["reactions"][0]["emoji"], "🎉");
    EXPECT_EQ(page["messages"][0]["reactions"][0]["users"][0]["id"], "alice");
    EXPECT_EQ(page["messages"][1]["reaction"]["to"], 1);
}

TEST_F(relay_http_test, history_pages_with_before_after_and_limit) {
    const auto token = token_for("alice", "lobby");
    auto writer = authed_client(relay_->ws_url(), token);
    ASSERT_TRUE(writer && join(*writer, "lobby"));
    for (int i = 1; i <= 4; ++i) {
        writer->send(send_frame{"lobby", test_message_id(), "m" + std::to_string(i)});
        ASSERT_TRUE(writer->wait_for<ack_frame>());
    }
    const auto page = [&](const std::string& query) {
        return json::parse(get("/api/rooms/lobby/messages" + query, bearer(token)).body);
    };
    const auto latest = page("?limit=2");
    ASSERT_EQ(latest["messages"].size(), 2u);
    EXPECT_EQ(latest["messages"][0]["seq"], 3);
    EXPECT_EQ(latest["has_more"], true);
    const auto before = page("?before=3&limit=10");
    ASSERT_EQ(before["messages"].size(), 2u);
    EXPECT_EQ(before["messages"][1]["text"], "m2");
    const auto after = page("?after=2");
    ASSERT_EQ(after["messages"].size(), 2u);
    EXPECT_EQ(after["messages"][0]["seq"], 3);
    EXPECT_EQ(get("/api/rooms/lobby/messages?limit=abc", bearer(token)).status, 400);
}

// One rule for the page a request asks for, over HTTP and over the
// WebSocket alike (check_history_request): at most one of before and after,
// neither meaning the latest page, and a limit from 1 to 2^32-1.
TEST_F(relay_http_test, history_requests_follow_the_web_socket_rule) {
    const auto token = token_for("alice", "lobby");
    auto reader = authed_client(relay_->ws_url(), token);
    ASSERT_TRUE(reader && join(*reader, "lobby"));
    reader->send(history_request_frame{"lobby", std::nullopt, std::nullopt, 5});
    const auto latest = reader->wait_for<history_frame>();
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->mode, history_mode::latest) << "neither before nor after, over the WebSocket";
    EXPECT_EQ(json::parse(get("/api/rooms/lobby/messages?limit=5", bearer(token)).body)["mode"], "latest");

    const auto refused = [&](const std::string& query, const std::string& field) {
        const auto reply = get("/api/rooms/lobby/messages" + query, bearer(token));
        EXPECT_EQ(reply.status, 400) << query;
        const auto error = json::parse(reply.body)["error"];
        EXPECT_EQ(error["code"], "wrong_type") << query;
        EXPECT_NE(error["message"].get<std::string>().find(field), std::string::npos) << query;
    };
    refused("?before=1&after=1", "after");
    refused("?limit=0", "limit");
    refused("?limit=4294967296", "limit");
    EXPECT_EQ(get("/api/rooms/lobby/messages?limit=4294967295", bearer(token)).status, 200)
        << "the largest limit";
    reader->send_text(R"({"type":"history_request","room":"lobby","before":1,"after":1,"limit":5})");
    const auto error = reader->wait_for<error_frame>();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, errc::wrong_type);
    EXPECT_EQ(error->message.find("after") != std::string::npos, true) << error->message;
}

TEST_F(relay_http_test, health_and_metrics) {
    const auto health = get("/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(json::parse(health.body)["status"], "ok");

    const auto token = token_for("alice", "lobby");
    ASSERT_EQ(post("/api/rooms/lobby/messages",
                   json{{"id", test_message_id().to_string()}, {"text", "m"}}.dump(), bearer(token))
                  .status,
              201);
    get("/api/rooms/lobby/messages");  // an auth failure
    const auto metrics = get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.header("content-type").rfind("text/plain", 0), 0u);
    for (const char* name :
         {"roomchat_connections ", "roomchat_rooms 1\n", "roomchat_messages_accepted_total 1\n",
          "roomchat_deliveries_total ", "roomchat_acks_total 1\n", "roomchat_dedupe_hits_total 0\n",
          "roomchat_rate_limited_total 0\n", "roomchat_auth_failures_total 1\n",
          "roomchat_slow_consumer_disconnects_total 0\n", "roomchat_fanout_seconds_bucket{le=\"+Inf\"} ",
          "roomchat_fanout_seconds_count "}) {
        EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
    }
}

TEST_F(relay_http_test, unknown_api_and_methods_are_json_errors) {
    EXPECT_EQ(error_code(get("/api/unknown")), "not_found");
    const auto wrong_method = post("/healthz", "{}");
    EXPECT_EQ(wrong_method.status, 405);
    EXPECT_EQ(error_code(wrong_method), "method_not_allowed");
}

// websocketpp answers one request per connection and closes it. Unless the
// answer says so, a keep-alive client or proxy reuses the connection and
// races the close (a Node proxy answered 502 for two of ten page requests).
TEST_F(relay_http_test, every_answer_says_connection_close_and_names_no_server) {
    const auto token = bearer(token_for("alice", "lobby"));
    for (const auto& reply : {get("/"), get("/app.js"), get("/missing.js"), get("/healthz"), get("/metrics"),
                              get("/api/rooms/lobby/messages"), get("/api/rooms/lobby/messages", token),
                              post("/api/rooms/lobby/messages", "{}", token), get("/api/nowhere")}) {
        SCOPED_TRACE(std::to_string(reply.status) + " " + reply.body.substr(0, 60));
        EXPECT_EQ(reply.header("connection"), "close");
        EXPECT_EQ(reply.header("server"), "") << "no version banner";
    }
    ws_client refused(relay_->ws_url(), client_options{"http://elsewhere.example"});
    EXPECT_FALSE(refused.wait_open());
    EXPECT_EQ(refused.http_status(), 403);
}

TEST_F(relay_http_test, history_of_a_room_not_held_is_empty_and_has_no_epoch) {
    const auto page = get("/api/rooms/nothing-here/messages", bearer(token_for("alice", "*")));
    EXPECT_EQ(page.status, 200);
    const auto body = json::parse(page.body);
    EXPECT_TRUE(body["messages"].empty());
    EXPECT_FALSE(body.contains("epoch"));
    EXPECT_EQ(get("/healthz").body.find("\"rooms\":1"), std::string::npos) << "a GET creates no room";
}

TEST_F(relay_http_test, long_poll_is_held_until_a_message_is_posted_then_answers_it) {
    const auto reader = bearer(token_for("alice", "lobby"));
    auto poll = std::async(std::launch::async,
                           [&] { return get("/api/rooms/lobby/messages?after=0&wait_ms=20000", reader); });
    ASSERT_TRUE(held_polls_reach(relay_->port(), 1));
    const auto id = test_message_id().to_string();
    ASSERT_EQ(post("/api/rooms/lobby/messages", json{{"id", id}, {"text", "wake up"}}.dump(),
                   bearer(token_for("bob", "lobby")))
                  .status,
              201);
    const auto reply = poll.get();
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("connection"), "close");
    const auto page = json::parse(reply.body);
    EXPECT_EQ(page["mode"], "after");
    ASSERT_EQ(page["messages"].size(), 1U) << reply.body;
    EXPECT_EQ(page["messages"][0]["id"], id);
    EXPECT_EQ(page["messages"][0]["text"], "wake up");
    EXPECT_EQ(metric_value(relay_->port(), "roomchat_held_polls"), 0U);
}

TEST_F(relay_http_test, long_poll_whose_client_leaves_is_forgotten) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), relay_->port()));
    const std::string request =
        "GET /api/rooms/lobby/messages?after=0&wait_ms=30000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer " +
        token_for("alice", "lobby") + "\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    ASSERT_TRUE(held_polls_reach(relay_->port(), 1));
    socket.close();
    EXPECT_TRUE(held_polls_reach(relay_->port(), 0)) << "the poll outlived its client";
}

TEST_F(relay_http_test, long_poll_held_at_shutdown_is_answered_503) {
    auto poll = std::async(std::launch::async, [&] {
        return get("/api/rooms/lobby/messages?after=0&wait_ms=20000", bearer(token_for("alice", "lobby")));
    });
    ASSERT_TRUE(held_polls_reach(relay_->port(), 1));
    EXPECT_EQ(relay_->stop(SIGTERM, std::chrono::seconds(5)), 0);
    const auto reply = poll.get();
    EXPECT_EQ(reply.status, 503);
    EXPECT_EQ(error_code(reply), "going_away");
}

}  // namespace
}  // namespace roomchat::relay_test
