#pragma once
// Plain HTTP on the relay's port: the web UI, the history/send API, health,
// metrics and (with --dev-auth) the token endpoint. Requests arrive already
// parsed by websocketpp; this maps them to responses without any socket.
//
// Errors are JSON: {"error":{"code":"<errc wire name>","message":"..."}}; the
// few HTTP-only conditions use "not_found", "method_not_allowed", "bad_path",
// "too_many_polls", "polls_full" and "origin_not_allowed".

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config.hpp"
#include "hub.hpp"
#include "metrics.hpp"
#include "room_registry.hpp"
#include "static_files.hpp"
#include "token_verifier.hpp"

namespace roomchat::relay {

struct http_request {
    std::string method;
    std::string target;  // as sent: path and query, percent-encoded
    std::string authorization;
    std::string body;
    std::string peer;         // remote address, for the per-address rate
    connection_id conn = 0;   // the HTTP connection, which a long poll is held on
    std::string origin = {};  // the Origin header: the page calling the API, for CORS
    std::string host = {};    // the Host header
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

class http_routes {
public:
    http_routes(class hub& hub, const static_files& files, const relay_metrics& metrics,
                const room_registry& rooms, const token_verifier& verifier);

    // The response, or nothing when the request is held (a long poll, or an
    // answer the store gives later): the hub answers it later through
    // transport::answer_http, and answer_response() turns that answer into
    // the response.
    std::optional<http_response> handle(const http_request& request, millis now);
    http_response answer_response(const http_request& request, const api_answer& answer) const;

private:
    std::optional<http_response> route(const http_request& request, millis now);
    // The widget on a host page calls the API from the host's origin (the
    // HTTP fallback): a browser lets it read the answers when they name that
    // origin, for the origins --allowed-origins admits, as for WebSockets.
    void allow_cross_origin(const http_request& request, http_response& response) const;
    http_response preflight(const http_request& request) const;
    std::optional<http_response> room_messages(const http_request& request, const std::string& room_id,
                                               millis now);
    std::optional<http_response> get_messages(const http_request& request, const token_claims& claims,
                                              const std::string& room_id, millis now);
    std::optional<http_response> post_message(const http_request& request, const token_claims& claims,
                                              const std::string& room_id, millis now);
    http_response answer_body(const api_answer& answer) const;
    http_response dev_token(const http_request& request, millis now);
    http_response static_file(const std::string& method, std::string_view path);

    hub& hub_;
    const static_files& files_;
    const relay_metrics& metrics_;
    const room_registry& rooms_;
    const token_verifier& verifier_;
};

}  // namespace roomchat::relay
