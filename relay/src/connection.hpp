#pragma once
// What the relay knows about one WebSocket connection beyond the socket.

#include <optional>
#include <set>
#include <string>

#include "token_verifier.hpp"

namespace roomchat::relay {

struct connection_state {
    std::string peer;                    // remote IP, for logs
    std::optional<token_claims> claims;  // set once the auth frame verified
    std::set<std::string> rooms;         // joined rooms
    bool closing = false;                // close requested: ignore further frames
};

}  // namespace roomchat::relay
