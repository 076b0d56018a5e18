#pragma once
// A blocking HTTP/1.1 client (Boost.Beast) for the relay's HTTP side. The
// target is sent exactly as given, so traversal attempts reach the relay raw.

#include <cstdint>
#include <map>
#include <string>

namespace roomchat::relay_test {

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    std::string header(const std::string& lower_case_name) const {
        const auto it = headers.find(lower_case_name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

http_reply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "", const std::map<std::string, std::string>& headers = {});

inline std::map<std::string, std::string> bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

// One counter or gauge from the relay's GET /metrics; 0 when absent.
std::uint64_t metric_value(std::uint16_t port, const std::string& name);

// Whether the relay's gauge of held polls comes to read `count` (it is read
// until then, for at most 10 s: far less than the polls' waits).
bool held_polls_reach(std::uint16_t port, std::uint64_t count);

}  // namespace roomchat::relay_test
