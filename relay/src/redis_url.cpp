#include "redis_url.hpp"

#include <charconv>
#include <cstdint>

#include <boost/asio/ip/address.hpp>

#include "url.hpp"

namespace roomchat::relay {
namespace {

constexpr std::string_view scheme = "redis://";

template <class T>
bool whole_number(std::string_view text, T& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

}  // namespace

result<redis::client_config, std::string> parse_redis_url(std::string_view url) {
    const std::string usage = "--redis takes redis://[:password@]host[:port][/db]";
    if (url.substr(0, scheme.size()) != scheme) return usage + ", not '" + std::string(url) + "'";
    std::string_view rest = url.substr(scheme.size());
    redis::client_config config;

    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        if (!whole_number(rest.substr(slash + 1), config.db)) return usage + ": the db is a number";
        rest = rest.substr(0, slash);
    }
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        const std::string_view credentials = rest.substr(0, at);
        if (credentials.empty() || credentials.front() != ':') {
            return usage + ": give the password after a colon (Redis ACL user names are not supported)";
        }
        auto password = percent_decode(credentials.substr(1));
        if (!password || password->empty()) return usage + ": the password is empty or badly percent-encoded";
        config.password = std::move(*password);
        rest = rest.substr(at + 1);
    }
    std::string_view host = rest;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return usage + ": an IPv6 address goes in brackets";
        host = rest.substr(1, close - 1);
        rest = rest.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return usage;
    } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        rest = rest.substr(colon);
    } else {
        rest = {};
    }
    if (!rest.empty() && (!whole_number(rest.substr(1), config.port) || config.port == 0)) {
        return usage + ": the port is a number from 1 to 65535";
    }
    boost::system::error_code not_an_address;
    boost::asio::ip::make_address(std::string(host), not_an_address);
    if (not_an_address) {
        return usage + ": the host must be an IP address, not '" + std::string(host) +
               "' (a name would be resolved with a blocking call on the relay's loop)";
    }
    config.host = std::string(host);
    return config;
}

}  // namespace roomchat::relay
