#pragma once
// --redis / ROOMCHAT_REDIS: where the rooms' logs are kept when relays share
// them, as redis://[:password@]host[:port][/db]. The host is an IP address
// (redis::client_config says why); the password may be percent-encoded, and
// is better given through the environment than on a command line.

#include <string>
#include <string_view>

#include "roomchat/result.hpp"

#include "redis_client.hpp"

namespace roomchat::relay {

// The client's settings, or a sentence saying what is wrong with the URL.
result<redis::client_config, std::string> parse_redis_url(std::string_view url);

}  // namespace roomchat::relay
