#pragma once
// --dev-auth: tokens for anyone who asks, so `toolchain/dev run` works
// without a host application. Insecure by design; main logs a warning.

#include <optional>
#include <string>
#include <string_view>

#include "roomchat/protocol.hpp"
#include "roomchat/result.hpp"

namespace roomchat::relay {

struct dev_token {
    std::string token;
    user_info user;
    millis expires_at = 0;
};

// A token for `name` in `room` until now + ttl: for the user `user_id` (a
// refresh: the caller has checked the token in use), or else a fresh random
// user id ("dev-" + 16 hex digits); with `moderator`, a moderator of the room
// (the mod claim). Errors: the display name's text error or invalid_room_id.
result<dev_token> issue_dev_token(const std::string& secret, std::string_view name, std::string_view room,
                                  millis now, millis ttl, std::optional<std::string> user_id = std::nullopt,
                                  bool moderator = false);

// 32 random bytes as 64 hex digits, from OpenSSL's CSPRNG.
std::string generate_secret();

}  // namespace roomchat::relay
