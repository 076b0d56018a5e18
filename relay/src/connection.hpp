#pragma once
// What the relay knows about one WebSocket connection beyond the socket.

#include <list>
#include <optional>
#include <set>
#include <string>

#include "roomchat/protocol.hpp"
#include "roomchat/rate_limiter.hpp"

#include "token_verifier.hpp"

namespace roomchat::relay {

// Pings answered per connection. Browsers never ping; libraries ping every
// 20-30 s. Beyond this a ping gets no pong, so a peer that pings and never
// reads cannot make the relay queue pongs; one that goes on pinging past it
// is closed.
inline constexpr rate_limit_config ping_limit{5, 2'000};
inline constexpr std::uint32_t max_ignored_pings = 20;

// Not roomchat::connection_state, which is a client session's link (connecting, online, ...).
struct connection_record {
    connection_record(std::string peer_address, millis now, const rate_limit_config& frame_rate,
                      const rate_limit_config& request_rate)
        : peer(std::move(peer_address)),
          frames(frame_rate, now),
          pings(ping_limit, now),
          requests(request_rate, now) {}

    std::string peer;                    // remote IP, for logs and the per-address limit
    std::optional<token_claims> claims;  // set once the auth frame verified
    std::set<std::string> rooms;         // joined rooms
    bool closing = false;                // close requested: ignore further frames
    bool reads_typists = false;          // its auth said so (auth_frame::typing)
    rate_limiter frames;                 // relay_config::frame_rate
    rate_limiter pings;                  // ping_limit
    std::uint32_t ignored_pings = 0;     // pings past it, up to max_ignored_pings
    rate_limiter requests;               // relay_config::request_rate
    // A send waits until the one before it is decided, so a connection's
    // sends are decided in the order sent however long the store takes to
    // answer (with Redis, a send refused rate_limited must hold back the
    // next one, room.hpp, and a later one may not be decided first). As many
    // wait as the frame rate lets through while the store is slow. A list,
    // not a deque: libstdc++'s empty deque already holds a 512-byte block,
    // and almost every connection's queue is empty for its whole life.
    bool deciding = false;
    std::list<send_frame> waiting_sends;
};

}  // namespace roomchat::relay
