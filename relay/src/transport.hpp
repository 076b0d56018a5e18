#pragma once
// What the hub needs from a WebSocket endpoint. The plain and the TLS server
// implement it, so the chat logic exists once for both.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "roomchat/room.hpp"

namespace roomchat::relay {

// RFC 6455 close codes the relay uses.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t try_again_later = 1013;
}  // namespace close_code

// Why a long poll is not held: its user holds relay_config::max_held_polls_per_user
// already, or the relay holds relay_config::max_held_polls.
enum class poll_refusal { user_cap, relay_cap };

// What an HTTP request the hub answers is answered: a history page, a
// send's outcome, why not (token_expired, going_away, unavailable, a
// room's errc), or why a long poll is not held.
using api_answer = std::variant<history_frame, send_outcome, errc, poll_refusal>;

class transport {
public:
    virtual ~transport() = default;
    // Queues one text frame to one connection (an ack, an answer, an error):
    // a reply, which never waits for --write-delay-ms.
    virtual void send(connection_id conn, std::string payload) = 0;
    // Queues the same delivery (a message, presence, a read marker) to each
    // of `to`: framed once and shared by all, never copied per recipient;
    // it may wait up to --write-delay-ms to leave with others. The
    // connection the last send went to (the sender awaiting its ack) is
    // written to first: its frame leaves before the fan-out, not after it.
    virtual void broadcast(const std::vector<connection_id>& to, std::string payload) = 0;
    // The client's auth asked for batch frames (roomchat/batch.hpp): what is
    // sent to it from now on may leave coalesced, in order.
    virtual void allow_batches(connection_id conn, bool allowed) = 0;
    virtual void close(connection_id conn, std::uint16_t code, const std::string& reason) = 0;
    // Calls hub::deadline(conn, now) at `at` (wall-clock ms), replacing the
    // connection's earlier wake-up; none once it has closed. `conn` is a
    // WebSocket connection or the HTTP connection of a held poll.
    virtual void wake_at(connection_id conn, millis at) = 0;
    // Answers the HTTP request held on `conn` (a long poll, or a request
    // the store answers later), which then closes; nothing when the client
    // has gone.
    virtual void answer_http(connection_id conn, const api_answer& answer) = 0;
};

}  // namespace roomchat::relay
