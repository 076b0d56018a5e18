#pragma once
// Every setting of the relay, from the command line or ROOMCHAT_* environment
// variables (the command line wins). Defaults are the documented ones in
// docs/relay.md; `roomchat-relay --help` prints them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "roomchat/room.hpp"

#include "logging.hpp"
#include "redis_client.hpp"

namespace roomchat::relay {

struct relay_config {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string web_root;

    std::string jwt_secret;  // from --jwt-secret-file or ROOMCHAT_JWT_SECRET
    bool dev_auth = false;
    millis dev_token_ttl_ms = 3'600'000;

    std::string tls_cert;  // both set: serve wss/https
    std::string tls_key;

    // --redis: the rooms' logs in Redis, shared with every relay pointed at
    // it; none: in this relay's memory.
    std::optional<redis::client_config> redis;
    // With --redis: a relay's presence entries are renewed every third of
    // this, so the users of a relay that died without a word leave
    // everyone's member list between two thirds of this and a third more
    // after (they expire a lease after their last renewal, and go at the
    // next renewal of any relay holding the room).
    millis presence_lease_ms = 15'000;

    millis auth_timeout_ms = 5'000;
    // A connection whose token expired is closed this long after the expiry
    // unless a fresh token arrives; meanwhile it gets deliveries, requests
    // are refused. At most max_token_grace_ms.
    millis token_grace_ms = 10'000;
    millis handshake_timeout_ms = 5'000;
    millis ping_interval_ms = 30'000;
    millis pong_timeout_ms = 10'000;
    millis idle_timeout_ms = 90'000;

    std::size_t max_frame_bytes = 16 * 1024;
    std::size_t max_http_body_bytes = 16 * 1024;
    std::size_t max_connections_per_user = 8;
    std::size_t max_connections_per_ip = 64;
    std::size_t max_buffered_bytes = 1024 * 1024;
    // Deliveries to a connection wait up to this long for others, to leave
    // together in one write (and, to a client reading batches, in one
    // message): fewer system calls per delivery for that much more latency.
    // Replies (acks, answers, errors) never wait. 0: off.
    millis write_delay_ms = 0;
    std::vector<std::string> allowed_origins;  // empty: the relay's own host only

    // HTTP long polls waiting for a message; each holds a socket and a little
    // state, so they are capped per user and over the relay.
    std::size_t max_held_polls_per_user = 4;
    std::size_t max_held_polls = 10'000;

    std::size_t max_rooms = 1000;
    millis room_idle_ttl_ms = 600'000;
    std::size_t max_rooms_per_connection = 16;
    std::size_t max_rooms_per_user = 32;
    room_config room;

    // Token buckets beyond the per-room send limit (room.rate):
    // every frame of a connection, pings and pongs included; past it the
    // connection is flooding and is closed. Far above what the chat UI sends
    // (a few a second), far below what a loop can.
    rate_limit_config frame_rate{100, 20};
    rate_limit_config user_send_rate{10, 500};        // a user's sends across all rooms
    rate_limit_config request_rate{20, 100};          // join/leave/history/read/auth per connection; a
                                                      // user's connections together get twice this
    rate_limit_config room_creation_rate{10, 6'000};  // rooms one user may bring into being
    rate_limit_config ip_rate{100, 50};               // upgrades, first auths and API calls per address

    log_level level = log_level::info;

    bool tls() const { return !tls_cert.empty(); }
};

// What --help and --version print.
struct print_and_exit {
    std::string text;
};
struct config_error {
    std::string message;
};

// Not a result<relay_config, config_error> (result.hpp): asking for --help or
// --version is a third outcome, neither a configuration to run nor an error,
// and main answers each of the three differently (run, print and exit 0,
// print and exit 2).
using config_outcome = std::variant<relay_config, print_and_exit, config_error>;

// Reads the command line, then ROOMCHAT_<OPTION_NAME> environment variables
// (e.g. --max-rooms from ROOMCHAT_MAX_ROOMS), then loads the secret. A relay
// without a secret only starts with --dev-auth (main generates one then).
config_outcome parse_config(int argc, const char* const argv[]);

// The project's version (CMakeLists.txt's project()): the package's, the one
// /healthz reports and the widget exports.
inline constexpr std::string_view relay_version = ROOMCHAT_VERSION;

// Secrets shorter than this are refused: HS256 wants at least 256 bits.
inline constexpr std::size_t min_secret_bytes = 32;

// The longest --token-grace-ms: an expired token is not a licence to read.
inline constexpr millis max_token_grace_ms = 10'000;

// The longest wait_ms of a long poll: under the idle timeouts of common
// proxies (nginx's proxy_read_timeout is 60 s by default).
inline constexpr millis max_poll_wait_ms = 30'000;

// The longest --write-delay-ms: a tenth of the 1 s a message may take to be
// on every screen.
inline constexpr millis max_write_delay_ms = 100;

}  // namespace roomchat::relay
