#pragma once
// What the hub needs from a WebSocket endpoint. The plain and the TLS server
// implement it, so the chat logic exists once for both.

#include <cstdint>
#include <string>

#include "roomchat/room.hpp"

namespace roomchat::relay {

// RFC 6455 close codes the relay uses.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t try_again_later = 1013;
}  // namespace close_code

class transport {
public:
    virtual ~transport() = default;
    // Queues one text frame. A broadcast passes the same payload to every
    // member: encoded once, never per recipient.
    virtual void send(connection_id conn, const std::string& payload) = 0;
    // The client's auth asked for batch frames (roomchat/batch.hpp): what is
    // sent to it from now on may leave coalesced, in order.
    virtual void allow_batches(connection_id conn, bool allowed) = 0;
    virtual void close(connection_id conn, std::uint16_t code, const std::string& reason) = 0;
    // Calls hub::deadline(conn, now) at `at` (wall-clock ms), replacing the
    // connection's earlier wake-up; none once it has closed.
    virtual void wake_at(connection_id conn, millis at) = 0;
};

}  // namespace roomchat::relay
