#pragma once
// The small part of URL handling HTTP routing needs: splitting a request
// target, percent-decoding and a k=v&k=v query. Request parsing itself is
// websocketpp's.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace roomchat::relay {

struct request_target {
    std::string_view path;   // still percent-encoded
    std::string_view query;  // without '?'
};

request_target split_target(std::string_view target);

// nullopt for a malformed escape ("%4", "%zz"). '+' stays '+' (paths are not forms).
std::optional<std::string> percent_decode(std::string_view text);

// Later duplicates win; nullopt when a key or value has a malformed escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace roomchat::relay
