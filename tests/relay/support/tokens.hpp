#pragma once
// Mints tokens the way a host application would (libjwt), plus the broken
// ones the auth tests need.

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "relay_process.hpp"

namespace roomchat::relay_test {

inline std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Valid claims for `user` in `room` (a string or an array), one hour long.
nlohmann::json claims_for(const std::string& user, const nlohmann::json& room, const std::string& name = "");

// HS256 (or the given libjwt algorithm name: "none", "HS384") over `claims`.
std::string mint(const nlohmann::json& claims, const std::string& secret = test_secret,
                 const std::string& alg = "HS256");

inline std::string token_for(const std::string& user, const nlohmann::json& room) {
    return mint(claims_for(user, room));
}

}  // namespace roomchat::relay_test
