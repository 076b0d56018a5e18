#pragma once
// The browser's side of the protocol, without any I/O. JavaScript owns the
// WebSocket and one timer; everything else is decided here:
//
//   JS                              client_session
//   start(now)                  ->  open_transport event
//   socket open: transport_opened   ->  auth frame
//   socket message: receive         ->  frames to send, UI events
//   socket close: transport_closed  ->  connection_changed(reconnecting), deadline
//   user typed: send(text)      ->  local echo (queued/sending), send frame
//   timer fired: on_timer(now)  ->  resends, reconnect (open_transport)
//
// After every call JS drains take_frames() and take_events() and re-arms its
// timer for next_deadline(). Times are milliseconds (Unix epoch).
//
// Guarantees (checked by tests/core/simulation_test.cpp over many seeds):
// every accepted message appears exactly once in the timeline, in relay
// sequence order; every message this client sent ends acknowledged once or
// failed with a reason; pending messages survive disconnects and go out
// again on reconnect with the same id, so the relay deduplicates them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "roomchat/backoff.hpp"
#include "roomchat/ids.hpp"
#include "roomchat/outbox.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/rate_limiter.hpp"
#include "roomchat/result.hpp"
#include "roomchat/text_rules.hpp"

namespace roomchat {

enum class connection_state {
    connecting,    // first connection attempt under way
    online,        // authenticated and joined: sends go out
    reconnecting,  // lost the connection; next attempt at retry_at
    offline,       // the network is down or auth failed; waits for network_changed/set_token
};

std::string_view to_string(connection_state state) noexcept;

struct client_config {
    std::string room;
    std::string token;
    text_limits text;                             // replaced by the relay's welcome
    rate_limit_config rate;                       // replaced by the relay's welcome
    backoff_policy resend{2'000, 16'000, 2, 20};  // waiting for an ack
    std::uint32_t max_send_attempts = 5;          // then failed with errc::no_ack
    backoff_policy reconnect{500, 30'000, 2, 20};
    std::uint32_t page_size = 50;
};

// A row of the timeline as the UI renders it.
struct timeline_message {
    message_id id;  // stable key for the UI
    seq_t seq = 0;  // 0 while not yet acknowledged
    user_info from;
    std::string text;
    millis ts = 0;  // relay time once sequenced, local time before
    bool own = false;
    delivery_state state = delivery_state::sent;  // others' messages are always sent
    std::optional<errc> failure;                  // state == failed
};

namespace events {
struct open_transport {};  // open a WebSocket to the relay now
struct close_transport {   // close it (fatal auth failure or stop())
    std::string reason;
};
struct connection_changed {
    connection_state state = connection_state::connecting;
    millis retry_at = 0;  // reconnecting: when the next attempt starts
    std::optional<errc> reason;
};
struct identity {  // the relay's welcome: who we are
    user_info self;
};
// A message appeared or changed. Place it before the message `before`
// (or at the end when absent); it may already be shown, then move/update it.
struct message_upserted {
    timeline_message message;
    std::optional<message_id> before;
};
struct timeline_reset {};  // history was truncated: forget all but pending messages
struct history_loaded {
    history_mode mode = history_mode::latest;
    std::size_t count = 0;
    bool has_more = false;  // older messages can be loaded
};
struct unread_changed {
    std::size_t count = 0;
    std::optional<message_id> first_unread;  // where the "new messages" divider goes
};
struct presence_changed {
    std::vector<user_info> members;
};
struct rate_limited {
    millis retry_at = 0;  // the held message goes out by itself then
};
struct error {
    errc code = errc::internal;
    std::string detail;
};
}  // namespace events

using client_event =
    std::variant<events::open_transport, events::close_transport, events::connection_changed,
                 events::identity, events::message_upserted, events::timeline_reset, events::history_loaded,
                 events::unread_changed, events::presence_changed, events::rate_limited, events::error>;

class client_session {
public:
    client_session(client_config config, random_source random);

    // ---- inputs from the transport and the clock
    void start(millis now);
    void transport_opened(millis now);
    void transport_closed(millis now);
    void network_changed(bool online, millis now);
    void receive(std::string_view frame_text, millis now);
    void on_timer(millis now);
    std::optional<millis> next_deadline() const;

    // ---- inputs from the user
    // Validates, assigns a new id, echoes the message locally and sends it
    // when online and the rate limit allows. Validation errors return the
    // code and change nothing.
    result<message_id> send(std::string_view text, millis now);
    // Resends a failed message with its original id.
    status retry(const message_id& id, millis now);
    // The user has seen everything up to `seq`.
    void mark_read(seq_t seq, millis now);
    void load_older(millis now);
    void set_token(std::string token, millis now);
    void stop(millis now);

    // ---- outputs
    std::vector<std::string> take_frames();
    std::vector<client_event> take_events();

    // ---- queries for the UI
    result<std::string> validate(std::string_view text) const;
    std::uint32_t rate_wait_ms(millis now) const;
    connection_state state() const noexcept;
    std::vector<timeline_message> timeline() const;
    std::size_t unread_count() const noexcept;
    const std::optional<user_info>& self() const noexcept;

private:
    // DESIGN NOTE for the implementer: replace this section with plain value
    // members (outbox entries, a timeline, unread tracking, rate_limiter,
    // backoff counters) so client_session stays copyable and testable.
};

}  // namespace roomchat
