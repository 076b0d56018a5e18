#include "http_routes.hpp"

#include <charconv>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "roomchat/codec.hpp"
#include "roomchat/detail/json_shapes.hpp"
#include "roomchat/ids.hpp"

#include "dev_tokens.hpp"
#include "origin.hpp"
#include "url.hpp"

namespace roomchat::relay {
namespace {

using nlohmann::json;

constexpr std::string_view rooms_prefix = "/api/rooms/";
constexpr std::string_view messages_suffix = "/messages";

http_response json_response(int status, const json& body) {
    http_response response;
    response.status = status;
    response.body = body.dump();
    return response;
}

http_response error_response(int status, std::string_view code, std::string_view detail) {
    return json_response(status, json{{"error", {{"code", code}, {"message", detail}}}});
}

http_response error_response(int status, errc code) {
    return error_response(status, to_string(code), message(code));
}

// A refusal that only asks to wait: Retry-After for any client, and
// retry_after_ms in the body for ours (codec.hpp, decode_http_answer).
http_response wait_response(int status, std::string_view code, std::string_view detail, int seconds) {
    auto response = json_response(
        status, json{{"error", {{"code", code}, {"message", detail}, {"retry_after_ms", seconds * 1000}}}});
    response.headers.emplace_back("Retry-After", std::to_string(seconds));
    return response;
}

http_response page_response(const history_frame& page) {
    http_response response;
    response.body = encode(server_frame{page});
    return response;
}

int status_for(errc code) {
    switch (code) {
        case errc::auth_failed:
        case errc::auth_required:
        case errc::token_expired:
            return 401;
        case errc::room_forbidden:
        case errc::muted:
        case errc::not_moderator:
            return 403;
        case errc::no_such_message:
            return 404;
        case errc::id_conflict:
            return 409;
        case errc::rate_limited:
            return 429;
        case errc::room_full:
        case errc::going_away:
        case errc::unavailable:
            return 503;
        case errc::internal:
            return 500;
        default:
            return 400;
    }
}

// A send's outcome: 201 with the ack, 200 when it repeats an earlier one.
http_response outcome_response(const send_outcome& outcome) {
    if (outcome.nack) {
        const nack_frame& nack = *outcome.nack;
        json error{{"code", to_string(nack.code)}, {"message", message(nack.code)}};
        if (nack.retry_after_ms) error["retry_after_ms"] = *nack.retry_after_ms;
        auto response = json_response(status_for(nack.code), json{{"error", error}});
        if (nack.retry_after_ms) {
            // Retry-After is in whole seconds; round up so the retry is not early.
            response.headers.emplace_back("Retry-After", std::to_string((*nack.retry_after_ms + 999) / 1000));
        }
        return response;
    }
    http_response response;
    response.status = outcome.duplicate ? 200 : 201;
    response.body = encode(server_frame{*outcome.ack});
    return response;
}

std::optional<seq_t> parse_seq(const std::map<std::string, std::string>& params, const std::string& key,
                               bool& bad) {
    const auto it = params.find(key);
    if (it == params.end()) return std::nullopt;
    seq_t value = 0;
    const auto* end = it->second.data() + it->second.size();
    const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
    if (ec != std::errc() || ptr != end || it->second.empty()) bad = true;
    return value;
}

std::string_view bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme) return {};
    return authorization.substr(scheme.size());
}

}  // namespace

http_routes::http_routes(class hub& hub, const static_files& files, const relay_metrics& metrics,
                         const room_registry& rooms, const token_verifier& verifier)
    : hub_(hub), files_(files), metrics_(metrics), rooms_(rooms), verifier_(verifier) {}

std::optional<http_response> http_routes::handle(const http_request& request, millis now) {
    auto response = route(request, now);
    if (response) allow_cross_origin(request, *response);
    return response;
}

void http_routes::allow_cross_origin(const http_request& request, http_response& response) const {
    if (split_target(request.target).path.substr(0, rooms_prefix.size()) != rooms_prefix) return;
    response.headers.emplace_back("Vary", "Origin");  // whatever the Origin, the answer depends on it
    if (request.origin.empty() ||
        !origin_allowed(request.origin, request.host, hub_.config().allowed_origins)) {
        return;
    }
    response.headers.emplace_back("Access-Control-Allow-Origin", request.origin);
}

// A browser asks before a cross-origin call with an Authorization header.
http_response http_routes::preflight(const http_request& request) const {
    if (!origin_allowed(request.origin, request.host, hub_.config().allowed_origins)) {
        return error_response(403, "origin_not_allowed",
                              "this origin may not call the API (--allowed-origins)");
    }
    http_response response;
    response.status = 204;
    response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
    response.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
    // Chromium keeps a preflight's answer at most two hours.
    response.headers.emplace_back("Access-Control-Max-Age", "7200");
    return response;
}

std::optional<http_response> http_routes::route(const http_request& request, millis now) {
    const std::string_view path = split_target(request.target).path;
    if (path == "/healthz") {
        if (request.method != "GET") return error_response(405, "method_not_allowed", "use GET");
        // A relay whose shared store is down refuses every send: a load
        // balancer sends its clients elsewhere on a status that is not 200.
        const bool available = hub_.store_health().up;
        return json_response(available ? 200 : 503, json{{"status", available ? "ok" : "degraded"},
                                                         {"version", relay_version},
                                                         {"connections", hub_.connection_count()},
                                                         {"rooms", rooms_.size()}});
    }
    if (path == "/metrics") {
        if (request.method != "GET") return error_response(405, "method_not_allowed", "use GET");
        http_response response;
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        response.body = metrics_.render(hub_.connection_count(), rooms_.size(), hub_.held_poll_count(),
                                        hub_.store_health());
        return response;
    }
    // A preflight costs no token check and comes before each cross-origin
    // call: counted, it would halve what an address may ask.
    if (request.method == "OPTIONS" && path.substr(0, rooms_prefix.size()) == rooms_prefix) {
        return preflight(request);
    }
    if (path.substr(0, 5) == "/api/" && !hub_.admit_address(request.peer, now)) {
        return wait_response(429, to_string(errc::rate_limited), message(errc::rate_limited), 1);
    }
    if (path == "/api/dev/token" && hub_.config().dev_auth) {
        if (request.method != "POST") return error_response(405, "method_not_allowed", "use POST");
        return dev_token(request, now);
    }
    if (path.size() > rooms_prefix.size() + messages_suffix.size() &&
        path.substr(0, rooms_prefix.size()) == rooms_prefix &&
        path.substr(path.size() - messages_suffix.size()) == messages_suffix) {
        const auto raw_room =
            path.substr(rooms_prefix.size(), path.size() - rooms_prefix.size() - messages_suffix.size());
        const auto room_id = percent_decode(raw_room);
        if (!room_id || !validate_room_id(*room_id)) return error_response(400, errc::invalid_room_id);
        return room_messages(request, *room_id, now);
    }
    if (path.substr(0, 5) == "/api/") return error_response(404, "not_found", "no such API endpoint");
    return static_file(request.method, path);
}

std::optional<http_response> http_routes::room_messages(const http_request& request,
                                                        const std::string& room_id, millis now) {
    if (request.method != "GET" && request.method != "POST") {
        return error_response(405, "method_not_allowed", "use GET or POST");
    }
    const std::string_view token = bearer_token(request.authorization);
    if (token.empty()) {
        hub_.count_auth_failure();
        auto response = error_response(401, errc::auth_required);
        response.headers.emplace_back("WWW-Authenticate", "Bearer");
        return response;
    }
    auto verified = verifier_.verify(token, now);
    if (!verified) {
        const token_rejection& rejection = verified.error();
        hub_.count_auth_failure();
        auto response = error_response(401, to_string(rejection.code), rejection.detail);
        response.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return response;
    }
    const auto& claims = *verified;
    if (!claims.admits(room_id)) return error_response(403, errc::room_forbidden);
    if (request.method == "GET") return get_messages(request, claims, room_id, now);
    return post_message(request, claims, room_id, now);
}

std::optional<http_response> http_routes::get_messages(const http_request& request,
                                                       const token_claims& claims, const std::string& room_id,
                                                       millis now) {
    const auto params = parse_query(split_target(request.target).query);
    if (!params) return error_response(400, to_string(errc::wrong_type), "malformed query string");
    // A history_request frame's fields, held to the same rule.
    history_request_frame history;
    history.room = room_id;
    history.limit = hub_.config().room.page_size;
    bool bad = false;
    history.before = parse_seq(*params, "before", bad);
    history.after = parse_seq(*params, "after", bad);
    const auto limit = parse_seq(*params, "limit", bad);
    if (bad || (limit && *limit > std::numeric_limits<std::uint32_t>::max())) {
        return error_response(400, to_string(errc::wrong_type),
                              "before and after are unsigned integers, limit one of 32 bits");
    }
    if (limit) history.limit = static_cast<std::uint32_t>(*limit);
    if (const auto error = check_history_request(history)) {
        return error_response(
            400, to_string(error->code),
            "bad " + error->detail + ": give at most one of before and after, and a limit of 1 or more");
    }
    bool bad_wait = false;
    const auto wait_ms = parse_seq(*params, "wait_ms", bad_wait);
    if (bad_wait || (wait_ms && (*wait_ms > static_cast<seq_t>(max_poll_wait_ms) || !history.after))) {
        return error_response(400, to_string(errc::wrong_type),
                              "wait_ms goes with after and is a whole number of milliseconds, at most " +
                                  std::to_string(max_poll_wait_ms));
    }
    const auto answer = wait_ms && *wait_ms > 0
                            ? hub_.poll(request.conn, claims, room_id, *history.after, history.limit,
                                        static_cast<millis>(*wait_ms), now)
                            : hub_.query(request.conn, room_id, history.before, history.after, history.limit);
    if (!answer) return std::nullopt;
    return answer_body(*answer);
}

http_response http_routes::answer_response(const http_request& request, const api_answer& answer) const {
    http_response response = answer_body(answer);
    allow_cross_origin(request, response);
    return response;
}

http_response http_routes::answer_body(const api_answer& answer) const {
    if (const auto* page = std::get_if<history_frame>(&answer)) return page_response(*page);
    if (const auto* outcome = std::get_if<send_outcome>(&answer)) return outcome_response(*outcome);
    if (const auto* refusal = std::get_if<poll_refusal>(&answer)) {
        if (*refusal == poll_refusal::user_cap) {
            return wait_response(429, "too_many_polls",
                                 "this user has " + std::to_string(hub_.config().max_held_polls_per_user) +
                                     " polls waiting already; wait for one of them to answer",
                                 2);
        }
        return wait_response(503, "polls_full", "the relay holds all the polls it can; retry soon", 1);
    }
    const errc code = std::get<errc>(answer);
    http_response response = error_response(status_for(code), code);
    if (code == errc::token_expired) {
        response.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }
    return response;
}

std::optional<http_response> http_routes::post_message(const http_request& http, const token_claims& claims,
                                                       const std::string& room_id, millis now) {
    const json request = json::parse(http.body, nullptr, false);
    if (!request.is_object()) return error_response(400, errc::malformed_json);
    const auto id_field = request.find("id");
    const auto text_field = request.find("text");
    if (id_field == request.end() || text_field == request.end()) {
        return error_response(400, to_string(errc::missing_field), "the body needs id and text");
    }
    if (!id_field->is_string() || !text_field->is_string()) {
        return error_response(400, to_string(errc::wrong_type), "id and text are strings");
    }
    const auto id = message_id::parse(id_field->get<std::string>());
    if (!id) return error_response(400, id.error());
    std::optional<millis> media_ms;
    if (const auto media_field = request.find("media_ms"); media_field != request.end()) {
        if (!media_field->is_number_unsigned() ||
            media_field->get<std::uint64_t>() > static_cast<std::uint64_t>(max_media_ms)) {
            return error_response(
                400, to_string(errc::wrong_type),
                "media_ms is a whole number of milliseconds, at most " + std::to_string(max_media_ms));
        }
        media_ms = media_field->get<millis>();
    }
    send_frame frame{room_id, *id, text_field->get<std::string>(), media_ms};
    if (const auto removes_field = request.find("removes"); removes_field != request.end()) {
        if (!removes_field->is_number_unsigned()) {
            return error_response(400, to_string(errc::wrong_type), "removes is a message's seq");
        }
        frame.removes = removes_field->get<seq_t>();
    }
    if (const auto reaction = request.find("reaction"); reaction != request.end()) {
        const auto to = reaction->is_object() ? reaction->find("to") : reaction->end();
        const auto emoji = reaction->is_object() ? reaction->find("emoji") : reaction->end();
        const auto add = reaction->is_object() ? reaction->find("add") : reaction->end();
        if (to == reaction->end() || !to->is_number_unsigned() || emoji == reaction->end() ||
            !emoji->is_string() || !is_reaction_emoji(emoji->get_ref<const std::string&>()) ||
            (add != reaction->end() && !add->is_boolean())) {
            return error_response(
                400, to_string(errc::wrong_type),
                "reaction is {to: a message's seq, emoji: one of the set, add: true or false}");
        }
        frame.reaction = reaction_change{to->get<seq_t>(), emoji->get<std::string>(),
                                         add == reaction->end() || add->get<bool>()};
    }
    if (!is_message(frame) && (!frame.text.empty() || frame.media_ms || (frame.removes && frame.reaction))) {
        return error_response(
            400, to_string(errc::wrong_type),
            "a removal or a reaction is one of the two, with an empty text and no media_ms");
    }

    // A service token speaks as the room: a system message (token_verifier.hpp).
    const auto answer = hub_.post_message(http.conn, claims.user, room_id, frame, claims.service,
                                          claims.moderator_of(room_id), now);
    if (!answer) return std::nullopt;
    return answer_body(*answer);
}

http_response http_routes::dev_token(const http_request& request, millis now) {
    const json body = json::parse(request.body, nullptr, false);
    if (!body.is_object()) return error_response(400, errc::malformed_json);
    const auto name = body.find("name");
    const auto room = body.find("room");
    if (name == body.end() || room == body.end() || !name->is_string() || !room->is_string()) {
        return error_response(400, to_string(errc::missing_field), "the body needs name and room strings");
    }
    const auto moderator = body.find("moderator");
    if (moderator != body.end() && !moderator->is_boolean()) {
        return error_response(400, to_string(errc::wrong_type), "moderator must be true or false");
    }
    // A refresh: the token in use names the user the fresh one is for.
    std::optional<std::string> user_id;
    if (const auto current = bearer_token(request.authorization); !current.empty()) {
        auto verified = verifier_.verify(current, now);
        if (verified) user_id = std::move(verified->user.id);
    }
    const auto issued =
        issue_dev_token(verifier_.secret(), name->get<std::string>(), room->get<std::string>(), now,
                        hub_.config().dev_token_ttl_ms, std::move(user_id),
                        moderator != body.end() && moderator->get<bool>());
    if (!issued) return error_response(status_for(issued.error()), issued.error());
    return json_response(200, json{{"token", issued->token},
                                   {"user", detail::user_json<json>(issued->user)},
                                   {"expires_at", issued->expires_at}});
}

http_response http_routes::static_file(const std::string& method, std::string_view path) {
    if (method != "GET") return error_response(405, "method_not_allowed", "use GET");
    auto found = files_.get(path);
    if (!found) {
        return found.error() == static_miss::bad_path
                   ? error_response(400, "bad_path", "this path is not allowed")
                   : error_response(404, "not_found", "no such file");
    }
    auto& file = *found;
    http_response response;
    response.content_type = std::move(file.content_type);
    response.body = std::move(file.body);
    // Unhashed file names: let browsers keep a copy but revalidate every time.
    response.headers.emplace_back("Cache-Control", "no-cache");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    // The widget is imported by host pages on other origins (module scripts and
    // the .wasm fetch need CORS). These files are public and sent without
    // credentials; who may open a WebSocket is still --allowed-origins' call.
    response.headers.emplace_back("Access-Control-Allow-Origin", "*");
    return response;
}

}  // namespace roomchat::relay
