#include "http_routes.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "hub_harness.hpp"

namespace roomchat::relay {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using relay_test::hub_harness;
using relay_test::message_id_hex;
using relay_test::unit_config;

std::string header(const http_response& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) return value;
    }
    return {};
}

// The error code and message of a JSON error response.
json error_of(const http_response& response) { return json::parse(response.body).at("error"); }

// A site folder with one page.
fs::path make_site(const fs::path& dir) {
    fs::create_directories(dir);
    std::ofstream(dir / "index.html") << "<p>chat</p>";
    return dir;
}

// The relay's HTTP side wired as main.cpp wires it, over a site folder of its own.
class http_routes_test : public ::testing::Test {
protected:
    explicit http_routes_test(relay_config config = unit_config())
        : site_(fs::temp_directory_path() / ("roomchat-http-routes-" + std::to_string(::getpid()))),
          h_(std::move(config)),
          files_(make_site(site_)),
          routes_(h_.hub, files_, h_.metrics, h_.rooms, h_.verifier) {}
    ~http_routes_test() override { fs::remove_all(site_); }
    http_routes_test(const http_routes_test&) = delete;
    http_routes_test& operator=(const http_routes_test&) = delete;

    http_response request(const std::string& method, const std::string& target, const std::string& body = {},
                          const std::string& authorization = {}) {
        auto response = routes_.handle({method, target, authorization, body, "10.9.9.9", 0}, h_.now);
        EXPECT_TRUE(response.has_value()) << target << " was held";
        return response ? *response : http_response{};
    }
    std::string bearer(const std::string& user = "ann", const std::vector<std::string>& rooms = {"*"}) {
        return "Bearer " + h_.token(user, rooms);
    }
    http_response post(const std::string& room, const json& body, const std::string& user = "ann") {
        return request("POST", "/api/rooms/" + room + "/messages", body.dump(), bearer(user));
    }
    http_response get(const std::string& target) { return request("GET", target, {}, bearer()); }
    // A GET that may be held as a long poll on HTTP connection `conn`.
    std::optional<http_response> poll(const std::string& target, connection_id conn,
                                      const std::string& user = "ann") {
        return routes_.handle({"GET", target, bearer(user), {}, "10.9.9.9", conn}, h_.now);
    }
    // The response the one poll answered since the last call gives.
    http_response answered() {
        EXPECT_EQ(h_.out.answers.size(), 1U);
        if (h_.out.answers.size() != 1) return {};
        const auto response = routes_.answer_response({}, h_.out.answers.front().second);
        h_.out.answers.clear();
        return response;
    }

    fs::path site_;
    hub_harness h_;
    static_files files_;
    http_routes routes_;
};

class capped_polls_routes_test : public http_routes_test {
protected:
    static relay_config capped() {
        auto config = unit_config();
        config.max_held_polls_per_user = 2;
        config.max_held_polls = 3;
        return config;
    }
    capped_polls_routes_test() : http_routes_test(capped()) {}
};

class dev_auth_routes_test : public http_routes_test {
protected:
    static relay_config with_dev_auth() {
        auto config = unit_config();
        config.dev_auth = true;
        return config;
    }
    dev_auth_routes_test() : http_routes_test(with_dev_auth()) {}
};

class tight_routes_test : public http_routes_test {
protected:
    static relay_config tight() {
        auto config = unit_config();
        config.ip_rate = {2, 1'000};
        config.max_rooms = 1;
        return config;
    }
    tight_routes_test() : http_routes_test(tight()) {}
};

TEST_F(http_routes_test, healthz_counts_connections_and_rooms) {
    h_.connect(1, "ann");
    h_.join(1, "lobby");
    const auto response = request("GET", "/healthz");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(json::parse(response.body),
              (json{{"status", "ok"}, {"version", ROOMCHAT_VERSION}, {"connections", 1}, {"rooms", 1}}));
    EXPECT_EQ(request("POST", "/healthz").status, 405);
}

TEST_F(http_routes_test, metrics_are_in_prometheus_text_format) {
    h_.connect(1, "ann");
    const auto response = request("GET", "/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(response.body.find("\nroomchat_connections 1\n"), std::string::npos) << response.body;
    const auto refused = request("DELETE", "/metrics");
    EXPECT_EQ(refused.status, 405);
    EXPECT_EQ(error_of(refused), (json{{"code", "method_not_allowed"}, {"message", "use GET"}}));
}

TEST_F(http_routes_test, static_files_are_served_with_their_headers) {
    const auto page = request("GET", "/index.html");
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.body, "<p>chat</p>");
    EXPECT_EQ(page.content_type.rfind("text/html", 0), 0U) << page.content_type;
    EXPECT_EQ(header(page, "Cache-Control"), "no-cache");
    EXPECT_EQ(header(page, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(page, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(request("POST", "/index.html").status, 405);
    const auto missing = request("GET", "/nothing.js");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(error_of(missing)["code"], "not_found");
    const auto outside = request("GET", "/../secret");
    EXPECT_EQ(outside.status, 400);
    EXPECT_EQ(error_of(outside)["code"], "bad_path");
}

TEST_F(http_routes_test, unknown_api_paths_are_not_found) {
    const auto response = request("GET", "/api/nothing");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(error_of(response), (json{{"code", "not_found"}, {"message", "no such API endpoint"}}));
    // Without --dev-auth there is no token endpoint.
    EXPECT_EQ(request("POST", "/api/dev/token", R"({"name":"Ann","room":"lobby"})").status, 404);
}

TEST_F(http_routes_test, messages_need_a_valid_room_a_method_and_a_bearer_token) {
    const auto bad_room = request("GET", "/api/rooms/no%20spaces/messages", {}, bearer());
    EXPECT_EQ(bad_room.status, 400);
    EXPECT_EQ(error_of(bad_room)["code"], "invalid_room_id");
    EXPECT_EQ(request("GET", "/api/rooms/%zz/messages", {}, bearer()).status, 400);
    const auto put = request("PUT", "/api/rooms/lobby/messages", {}, bearer());
    EXPECT_EQ(put.status, 405);
    EXPECT_EQ(error_of(put)["message"], "use GET or POST");

    const auto anonymous = request("GET", "/api/rooms/lobby/messages");
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(error_of(anonymous)["code"], "auth_required");
    EXPECT_EQ(header(anonymous, "WWW-Authenticate"), "Bearer");
    EXPECT_EQ(request("GET", "/api/rooms/lobby/messages", {}, "Basic abc").status, 401);

    const auto forged = request("GET", "/api/rooms/lobby/messages", {}, "Bearer not.a.token");
    EXPECT_EQ(forged.status, 401);
    EXPECT_EQ(error_of(forged)["code"], "auth_failed");
    EXPECT_EQ(header(forged, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
    EXPECT_EQ(h_.metrics.auth_failures, 3U);

    const auto forbidden = request("GET", "/api/rooms/movie/messages", {}, bearer("ann", {"lobby"}));
    EXPECT_EQ(forbidden.status, 403);
    EXPECT_EQ(error_of(forbidden)["code"], "room_forbidden");
}

TEST_F(http_routes_test, posted_messages_are_acked_and_reach_the_members) {
    h_.connect(1, "bob");
    h_.join(1, "lobby");
    const auto created = post("lobby", {{"id", message_id_hex(1)}, {"text", "over http"}});
    EXPECT_EQ(created.status, 201);
    const json ack = json::parse(created.body);
    EXPECT_EQ(ack["type"], "ack");
    EXPECT_EQ(ack["seq"], 1);
    EXPECT_EQ(ack["epoch"], "0000000000000001");
    EXPECT_EQ(h_.out.take_one(1)["message"]["text"], "over http");
    const auto again = post("lobby", {{"id", message_id_hex(1)}, {"text", "over http"}});
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(json::parse(again.body), ack);
    const auto conflict = post("lobby", {{"id", message_id_hex(1)}, {"text", "mine"}}, "cat");
    EXPECT_EQ(conflict.status, 409);
    EXPECT_EQ(error_of(conflict)["code"], "id_conflict");
}

TEST_F(http_routes_test, a_service_token_posts_system_messages_and_a_user_token_cannot) {
    h_.connect(1, "bob");
    h_.join(1, "lobby");
    const std::string host = "Bearer " + mint_token(h_.config.jwt_secret, {"host", "Watch party"}, {"*"},
                                                    (h_.now + 60'000) / 1000 * 1000, true);
    const auto posted = request(
        "POST", "/api/rooms/lobby/messages",
        json{{"id", message_id_hex(1)}, {"text", "Ann paused at 12:34"}, {"media_ms", 754'000}}.dump(), host);
    EXPECT_EQ(posted.status, 201);
    const json delivered = h_.out.take_one(1)["message"];
    EXPECT_EQ(delivered["system"], true);
    EXPECT_EQ(delivered["text"], "Ann paused at 12:34");
    EXPECT_EQ(delivered["from"]["id"], "host");

    // A person's post is theirs, whatever its body claims; so is a WebSocket send.
    EXPECT_EQ(post("lobby", {{"id", message_id_hex(2)}, {"text", "I paused"}, {"system", true}}).status, 201);
    EXPECT_FALSE(h_.out.take_one(1)["message"].contains("system"));
    h_.connect(2, "ann");
    h_.join(2, "lobby");
    h_.out.take(1);
    h_.text(2, {{"type", "send"},
                {"room", "lobby"},
                {"id", message_id_hex(3)},
                {"text", "me too"},
                {"system", true}});
    EXPECT_FALSE(h_.out.take_one(1)["message"].contains("system"));
}

TEST_F(http_routes_test, posted_bodies_are_checked_field_by_field) {
    const std::string target = "/api/rooms/lobby/messages";
    const auto not_json = request("POST", target, "{", bearer());
    EXPECT_EQ(not_json.status, 400);
    EXPECT_EQ(error_of(not_json)["code"], "malformed_json");
    const auto missing = post("lobby", {{"id", message_id_hex(1)}});
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(error_of(missing),
              (json{{"code", "missing_field"}, {"message", "the body needs id and text"}}));
    const auto wrong = post("lobby", {{"id", 5}, {"text", "x"}});
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(error_of(wrong), (json{{"code", "wrong_type"}, {"message", "id and text are strings"}}));
    const auto bad_id = post("lobby", {{"id", "xyz"}, {"text", "x"}});
    EXPECT_EQ(bad_id.status, 400);
    EXPECT_EQ(error_of(bad_id)["code"], "invalid_message_id");
    const auto empty = post("lobby", {{"id", message_id_hex(2)}, {"text", ""}});
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(error_of(empty)["code"], "empty_text");
    const auto long_text = post("lobby", {{"id", message_id_hex(3)}, {"text", std::string(501, 'a')}});
    EXPECT_EQ(long_text.status, 400);
    EXPECT_EQ(error_of(long_text)["code"], "text_too_long");
    EXPECT_EQ(post("lobby", {{"id", message_id_hex(4)}, {"text", std::string(500, 'a')}}).status, 201);
}

TEST_F(http_routes_test, posted_media_time_is_kept_up_to_a_week) {
    const auto at_cap = post("lobby", {{"id", message_id_hex(1)}, {"text", "x"}, {"media_ms", max_media_ms}});
    EXPECT_EQ(at_cap.status, 201);
    for (const json& bad : {json(max_media_ms + 1), json(-1), json(1.5), json("12")}) {
        const auto refused = post("lobby", {{"id", message_id_hex(2)}, {"text", "x"}, {"media_ms", bad}});
        EXPECT_EQ(refused.status, 400) << bad;
        EXPECT_EQ(error_of(refused)["code"], "wrong_type") << bad;
    }
    const json page = json::parse(get("/api/rooms/lobby/messages").body);
    ASSERT_EQ(page["messages"].size(), 1U);
    EXPECT_EQ(page["messages"][0]["media_ms"], max_media_ms);
}

TEST_F(http_routes_test, sixth_post_of_a_burst_is_429_with_retry_after) {
    for (std::uint32_t i = 1; i <= 5; ++i) {
        EXPECT_EQ(post("lobby", {{"id", message_id_hex(i)}, {"text", "m"}}).status, 201) << i;
    }
    const auto limited = post("lobby", {{"id", message_id_hex(6)}, {"text", "m"}});
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(error_of(limited)["code"], "rate_limited");
    EXPECT_EQ(error_of(limited)["retry_after_ms"], 1000);
    EXPECT_EQ(header(limited, "Retry-After"), "1");
    EXPECT_EQ(h_.metrics.rate_limited, 1U);
}

TEST_F(http_routes_test, history_pages_follow_the_query) {
    const auto unheld = get("/api/rooms/lobby/messages");
    EXPECT_EQ(unheld.status, 200);
    EXPECT_EQ(json::parse(unheld.body), (json{{"type", "history"},
                                              {"room", "lobby"},
                                              {"mode", "latest"},
                                              {"messages", json::array()},
                                              {"truncated", false},
                                              {"has_more", false}}));
    for (std::uint32_t i = 1; i <= 4; ++i) {
        ASSERT_EQ(post("lobby", {{"id", message_id_hex(i)}, {"text", "m" + std::to_string(i)}}).status, 201);
    }
    const json latest = json::parse(get("/api/rooms/lobby/messages?limit=2").body);
    EXPECT_EQ(latest["mode"], "latest");
    EXPECT_EQ(latest["epoch"], "0000000000000001");
    ASSERT_EQ(latest["messages"].size(), 2U);
    EXPECT_EQ(latest["messages"][0]["seq"], 3);
    EXPECT_EQ(latest["has_more"], true);
    const json before = json::parse(get("/api/rooms/lobby/messages?before=3&limit=5").body);
    EXPECT_EQ(before["mode"], "before");
    ASSERT_EQ(before["messages"].size(), 2U);
    EXPECT_EQ(before["messages"][1]["text"], "m2");
    const json after = json::parse(get("/api/rooms/lobby/messages?after=3").body);
    EXPECT_EQ(after["mode"], "after");
    ASSERT_EQ(after["messages"].size(), 1U);
    EXPECT_EQ(after["messages"][0]["seq"], 4);
}

TEST_F(http_routes_test, history_queries_breaking_the_rules_are_400) {
    for (const std::string query : {"before=abc", "after=", "limit=-1", "before=1x", "limit=4294967296"}) {
        const auto response = get("/api/rooms/lobby/messages?" + query);
        EXPECT_EQ(response.status, 400) << query;
        EXPECT_EQ(error_of(response),
                  (json{{"code", "wrong_type"},
                        {"message", "before and after are unsigned integers, limit one of 32 bits"}}))
            << query;
    }
    const auto both = get("/api/rooms/lobby/messages?before=5&after=1");
    EXPECT_EQ(both.status, 400);
    EXPECT_EQ(error_of(both)["code"], "wrong_type");
    EXPECT_EQ(error_of(both)["message"].get<std::string>().rfind("bad after:", 0), 0U) << both.body;
    EXPECT_EQ(get("/api/rooms/lobby/messages?limit=0").status, 400);
    const auto malformed = get("/api/rooms/lobby/messages?before=%zz");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(error_of(malformed)["message"], "malformed query string");
    EXPECT_EQ(get("/api/rooms/lobby/messages?limit=4294967295").status, 200);
}

TEST_F(http_routes_test, long_poll_with_messages_after_the_position_is_answered_at_once_like_a_get) {
    for (std::uint32_t i = 1; i <= 2; ++i) {
        ASSERT_EQ(post("lobby", {{"id", message_id_hex(i)}, {"text", "m" + std::to_string(i)}}).status, 201);
    }
    const auto polled = poll("/api/rooms/lobby/messages?after=1&wait_ms=20000", 100);
    ASSERT_TRUE(polled);
    EXPECT_EQ(polled->status, 200);
    EXPECT_EQ(polled->body, get("/api/rooms/lobby/messages?after=1").body);
    EXPECT_EQ(h_.hub.held_poll_count(), 0U);
}

TEST_F(http_routes_test, held_long_poll_is_answered_by_a_post_with_the_page_a_get_gives) {
    const std::string target = "/api/rooms/lobby/messages?after=0&wait_ms=20000";
    EXPECT_FALSE(poll(target, 100));
    EXPECT_EQ(h_.hub.held_poll_count(), 1U);
    ASSERT_EQ(post("lobby", {{"id", message_id_hex(1)}, {"text", "wake up"}}, "bob").status, 201);
    const auto response = answered();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(response.body, get("/api/rooms/lobby/messages?after=0").body);
    EXPECT_EQ(json::parse(response.body)["messages"][0]["text"], "wake up");
}

TEST_F(http_routes_test, held_long_poll_is_answered_by_a_web_socket_send) {
    h_.connect(1, "bob");
    h_.join(1, "lobby");
    EXPECT_FALSE(poll("/api/rooms/lobby/messages?after=0&wait_ms=1000", 100));
    h_.send(1, "lobby", message_id_hex(1), "from the socket");
    const auto response = answered();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(json::parse(response.body)["messages"][0]["text"], "from the socket");
}

TEST_F(http_routes_test, long_poll_whose_wait_ends_gets_an_empty_page) {
    EXPECT_FALSE(poll("/api/rooms/lobby/messages?after=0&wait_ms=1500", 100));
    EXPECT_EQ(h_.out.wakes.at(100), h_.now + 1'500);
    h_.hub.deadline(100, h_.now + 1'500);
    const auto response = answered();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(json::parse(response.body), (json{{"type", "history"},
                                                {"room", "lobby"},
                                                {"mode", "after"},
                                                {"messages", json::array()},
                                                {"truncated", false},
                                                {"has_more", false}}));
}

TEST_F(http_routes_test, wait_ms_is_up_to_thirty_seconds_and_only_with_after) {
    for (const std::string query : {"after=0&wait_ms=30001", "wait_ms=100", "before=3&wait_ms=100",
                                    "after=0&wait_ms=abc", "after=0&wait_ms=-1"}) {
        const auto response = get("/api/rooms/lobby/messages?" + query);
        EXPECT_EQ(response.status, 400) << query;
        EXPECT_EQ(error_of(response),
                  (json{{"code", "wrong_type"},
                        {"message",
                         "wait_ms goes with after and is a whole number of milliseconds, at most 30000"}}))
            << query;
    }
    // 0: no wait, the page at once.
    const auto now = poll("/api/rooms/lobby/messages?after=0&wait_ms=0", 100);
    ASSERT_TRUE(now);
    EXPECT_EQ(now->body, get("/api/rooms/lobby/messages?after=0").body);
    EXPECT_FALSE(poll("/api/rooms/lobby/messages?after=0&wait_ms=30000", 101));
    EXPECT_EQ(h_.out.wakes.at(101), h_.now + 30'000);
}

TEST_F(capped_polls_routes_test, held_polls_past_the_users_cap_are_429_and_past_the_relays_503) {
    const std::string target = "/api/rooms/lobby/messages?after=0&wait_ms=20000";
    EXPECT_FALSE(poll(target, 100, "ann"));
    EXPECT_FALSE(poll(target, 101, "ann"));
    const auto user_cap = poll(target, 102, "ann");
    ASSERT_TRUE(user_cap);
    EXPECT_EQ(user_cap->status, 429);
    EXPECT_EQ(error_of(*user_cap),
              (json{{"code", "too_many_polls"},
                    {"message", "this user has 2 polls waiting already; wait for one of them to answer"},
                    {"retry_after_ms", 2000}}));
    EXPECT_EQ(header(*user_cap, "Retry-After"), "2");
    EXPECT_FALSE(poll(target, 103, "bob"));
    const auto relay_cap = poll(target, 104, "cat");
    ASSERT_TRUE(relay_cap);
    EXPECT_EQ(relay_cap->status, 503);
    EXPECT_EQ(error_of(*relay_cap)["code"], "polls_full");
    EXPECT_EQ(error_of(*relay_cap)["retry_after_ms"], 1000);
    EXPECT_EQ(header(*relay_cap, "Retry-After"), "1");
    EXPECT_EQ(h_.hub.held_poll_count(), 3U);
    const auto metrics = request("GET", "/metrics");
    EXPECT_NE(metrics.body.find("\nroomchat_held_polls 3\n"), std::string::npos) << metrics.body;
}

TEST_F(http_routes_test, poll_answers_going_away_as_503_and_an_expired_token_as_401) {
    EXPECT_FALSE(poll("/api/rooms/lobby/messages?after=0&wait_ms=20000", 100));
    h_.hub.shutdown();
    const auto going = answered();
    EXPECT_EQ(going.status, 503);
    EXPECT_EQ(error_of(going)["code"], "going_away");
    const auto expired = routes_.answer_response({}, errc::token_expired);
    EXPECT_EQ(expired.status, 401);
    EXPECT_EQ(error_of(expired)["code"], "token_expired");
    EXPECT_EQ(header(expired, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
}

// The widget on a host page (another origin) uses the API as its fallback.
TEST_F(http_routes_test, the_api_answers_allowed_origins_and_their_preflights) {
    const http_request preflight{
        "OPTIONS",      "/api/rooms/lobby/messages", {}, {}, "10.9.9.9", 0, "https://host.example",
        "relay.example"};
    // unit_config allows no other origin: only the relay's own.
    const auto refused = routes_.handle(preflight, h_.now);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403);
    EXPECT_EQ(error_of(*refused)["code"], "origin_not_allowed");
    EXPECT_EQ(header(*refused, "Access-Control-Allow-Origin"), "");

    auto same_site = preflight;
    same_site.origin = "https://relay.example";
    const auto allowed = routes_.handle(same_site, h_.now);
    ASSERT_TRUE(allowed);
    EXPECT_EQ(allowed->status, 204);
    EXPECT_EQ(header(*allowed, "Access-Control-Allow-Origin"), "https://relay.example");
    EXPECT_EQ(header(*allowed, "Access-Control-Allow-Methods"), "GET, POST");
    EXPECT_EQ(header(*allowed, "Access-Control-Allow-Headers"), "Authorization, Content-Type");
    EXPECT_EQ(header(*allowed, "Vary"), "Origin");

    auto get = same_site;
    get.method = "GET";
    get.authorization = bearer();
    const auto page = routes_.handle(get, h_.now);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(header(*page, "Access-Control-Allow-Origin"), "https://relay.example");
    get.origin = "https://host.example";
    const auto foreign = routes_.handle(get, h_.now);
    EXPECT_EQ(header(*foreign, "Access-Control-Allow-Origin"), "");
    EXPECT_EQ(header(*foreign, "Vary"), "Origin");

    // A held poll's answer names the origin too.
    auto held = same_site;
    held.method = "GET";
    held.target = "/api/rooms/lobby/messages?after=0&wait_ms=20000";
    held.authorization = bearer();
    held.conn = 100;
    EXPECT_FALSE(routes_.handle(held, h_.now));
    h_.hub.shutdown();
    ASSERT_EQ(h_.out.answers.size(), 1U);
    const auto answer = routes_.answer_response(held, h_.out.answers.front().second);
    EXPECT_EQ(header(answer, "Access-Control-Allow-Origin"), "https://relay.example");
    // Static files keep their own "*" and get no second one.
    auto file = same_site;
    file.method = "GET";
    file.target = "/index.html";
    EXPECT_EQ(header(*routes_.handle(file, h_.now), "Access-Control-Allow-Origin"), "*");
}

TEST_F(tight_routes_test, preflights_do_not_count_against_the_address_rate) {
    const http_request preflight{
        "OPTIONS",      "/api/rooms/lobby/messages", {}, {}, "10.9.9.9", 0, "https://relay.example",
        "relay.example"};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(routes_.handle(preflight, h_.now)->status, 204);
    EXPECT_EQ(request("GET", "/api/nothing").status, 404);
}

TEST_F(tight_routes_test, api_calls_beyond_the_address_rate_are_429) {
    EXPECT_EQ(request("GET", "/api/nothing").status, 404);
    EXPECT_EQ(request("GET", "/api/nothing").status, 404);
    const auto refused = request("GET", "/api/nothing");
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(error_of(refused)["code"], "rate_limited");
    EXPECT_EQ(error_of(refused)["retry_after_ms"], 1000);
    EXPECT_EQ(header(refused, "Retry-After"), "1");
    // Health, metrics and files are not API calls.
    EXPECT_EQ(request("GET", "/healthz").status, 200);
    h_.now += 1'000;
    EXPECT_EQ(request("GET", "/api/nothing").status, 404);
}

TEST_F(tight_routes_test, post_to_a_new_room_when_every_room_is_in_use_is_503) {
    h_.connect(1, "bob");
    h_.join(1, "r1");
    const auto full = post("r2", {{"id", message_id_hex(1)}, {"text", "x"}});
    EXPECT_EQ(full.status, 503);
    EXPECT_EQ(error_of(full)["code"], "room_full");
}

TEST_F(dev_auth_routes_test, token_endpoint_mints_a_token_the_relay_accepts) {
    const auto response = request("POST", "/api/dev/token", R"({"name":"Ann","room":"lobby"})");
    ASSERT_EQ(response.status, 200) << response.body;
    const json body = json::parse(response.body);
    EXPECT_EQ(body["user"]["name"], "Ann");
    EXPECT_EQ(body["user"]["id"].get<std::string>().rfind("dev-", 0), 0U);
    // Tokens count in whole seconds.
    EXPECT_EQ(body["expires_at"], (h_.now + h_.config.dev_token_ttl_ms) / 1000 * 1000);
    const auto verified = h_.verifier.verify(body["token"].get<std::string>(), h_.now);
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->admits("lobby"));
    EXPECT_FALSE(verified->admits("movie"));

    // A refresh keeps the user.
    const auto refreshed = request("POST", "/api/dev/token", R"({"name":"Ann","room":"lobby"})",
                                   "Bearer " + body["token"].get<std::string>());
    EXPECT_EQ(json::parse(refreshed.body)["user"]["id"], body["user"]["id"]);
}

TEST_F(dev_auth_routes_test, token_endpoint_refuses_bad_requests) {
    EXPECT_EQ(request("GET", "/api/dev/token").status, 405);
    const auto not_json = request("POST", "/api/dev/token", "nope");
    EXPECT_EQ(not_json.status, 400);
    EXPECT_EQ(error_of(not_json)["code"], "malformed_json");
    const auto missing = request("POST", "/api/dev/token", R"({"name":"Ann"})");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(error_of(missing),
              (json{{"code", "missing_field"}, {"message", "the body needs name and room strings"}}));
    const auto bad_room = request("POST", "/api/dev/token", R"({"name":"Ann","room":"no spaces"})");
    EXPECT_EQ(bad_room.status, 400);
    EXPECT_EQ(error_of(bad_room)["code"], "invalid_room_id");
}

}  // namespace
}  // namespace roomchat::relay
