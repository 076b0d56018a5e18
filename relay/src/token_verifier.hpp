#pragma once
// Verifies the host application's tokens: JWT, HS256 only, signed with the
// shared secret. Claims (docs/relay.md):
//   sub   user id (validate_user_id)          required
//   name  display name (normalize_display_name) required
//   room  a room id, an array of room ids, or "*" for every room   required
//   exp   expiry, seconds since the epoch     required
//   nbf   not before, seconds since the epoch optional
//   service  true: the host's backend, not a person  optional (absent: false)
//   mod   the rooms the user moderates, as `room` (an id, an array, "*")
//         optional (absent: none); a moderator may mute (protocol.hpp)
// A service token's posts (HTTP) are system messages ("Ann paused at 12:34"):
// the room's own voice, which no person's token can produce. It opens no
// WebSocket connection. Only the host's backend mints one, with the secret;
// its token endpoint for users never sets the claim.
// Any other alg (none, HS384, RS256...) is refused even when its signature
// would verify.

#include <string>
#include <string_view>
#include <vector>

#include "roomchat/protocol.hpp"
#include "roomchat/result.hpp"

namespace roomchat::relay {

struct token_claims {
    user_info user;
    std::vector<std::string> rooms;  // "*" admits every room
    millis expires_at = 0;
    bool service = false;
    std::vector<std::string> moderates;  // the mod claim: "*" is every room

    bool admits(std::string_view room) const;
    bool moderator_of(std::string_view room) const;
    bool expired(millis now) const { return now >= expires_at; }
};

struct token_rejection {
    errc code = errc::auth_failed;  // or token_expired
    std::string detail;
};

class token_verifier {
public:
    explicit token_verifier(std::string secret);

    result<token_claims, token_rejection> verify(std::string_view token, millis now) const;

    const std::string& secret() const noexcept { return secret_; }

private:
    std::string secret_;
};

// Signs claims with HS256 (the dev-auth endpoint; the tests mint their own).
std::string mint_token(const std::string& secret, const user_info& user,
                       const std::vector<std::string>& rooms, millis expires_at, bool service = false,
                       const std::vector<std::string>& moderates = {});

}  // namespace roomchat::relay
