#pragma once
// One chat room as the relay runs it, without any I/O: the relay turns
// decoded frames into calls here and performs the returned actions. Every
// rule (text validation, rate limit, dedupe, ordering, history caps, presence)
// is decided here so that tests can drive a room exactly as the relay does.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "roomchat/dedupe.hpp"
#include "roomchat/history.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/rate_limiter.hpp"
#include "roomchat/text_rules.hpp"

namespace roomchat {

// The relay's handle for one WebSocket connection.
using connection_id = std::uint64_t;

struct room_config {
    text_limits text;
    rate_limit_config rate;
    history_limits history;
    std::size_t dedupe_capacity = 4096;  // raised to history.max_messages if smaller
    std::uint32_t page_size = 50;        // messages on join without since
    std::uint32_t max_page_size = 200;   // cap on history requests
};

// Who gets a frame.
struct room_action {
    enum class target_kind {
        connection,  // only `connection`
        members,     // every member connection (encode once, send to all)
        user,        // every connection of `user_id` (read markers)
    };
    target_kind target = target_kind::connection;
    connection_id connection = 0;
    std::string user_id;
    // members / user: this connection is skipped. A sender gets its ack, not
    // its own message back; a reader's marker is echoed only to its other tabs.
    std::optional<connection_id> except;
    server_frame frame;
};

using room_actions = std::vector<room_action>;

// Outcome of a send, for callers without a connection (HTTP fallback).
struct send_outcome {
    std::optional<ack_frame> ack;    // accepted now or earlier (duplicate)
    std::optional<nack_frame> nack;  // refused
    bool duplicate = false;          // ack repeats an earlier acceptance
};

class room {
public:
    room(std::string id, room_config config = {});

    // A connection enters. Replies joined + history (latest page, or after
    // `since`) to it; broadcasts presence join when this is the user's first
    // connection here (to the other connections: `members` already lists the
    // user). Joining twice on one connection just replies again.
    room_actions join(connection_id conn, const user_info& user, std::optional<seq_t> since, millis now);

    // A connection leaves (or closed). Broadcasts presence leave when it was
    // the user's last connection. Unknown connections are ignored.
    room_actions leave(connection_id conn);

    // A member sends. Acks the sender (and on first acceptance broadcasts the
    // message to all members except the sending connection, which turns the
    // ack into "sent"), or nacks with the reason. A non-member gets an error
    // frame not_joined. Checks, in this order:
    //  1. nil id: nack invalid_message_id;
    //  2. dedupe: an id accepted from another user is nack id_conflict; from
    //     this user it is answered with the original ack (same seq and ts), no
    //     broadcast, no rate-limit token and no text check, because a resend
    //     after a lost ack must succeed even if the rules changed meanwhile;
    //  3. text rules (config.text): nack with the text error. Before the rate
    //     limit, because such a message can never succeed: it must not be
    //     told to retry later, nor spend a token;
    //  4. rate limit, one bucket per user shared by all of the user's
    //     connections and HTTP sends: nack rate_limited with retry_after_ms;
    //  5. accepted: next seq, ts = now, stored in history and dedupe.
    room_actions send(connection_id conn, const message_id& id, std::string_view text, millis now);

    // The same decision for a sender that is not a member connection
    // (HTTP POST). Broadcasts go in `actions`; the ack or nack in the outcome.
    send_outcome send_as(const user_info& user, const message_id& id, std::string_view text, millis now,
                         room_actions& actions);

    // Older pages or a gap, for a member connection (non-members get an
    // error frame not_joined). `before` wins over `after`; with neither the
    // latest page is sent. The limit is capped at config.max_page_size.
    room_actions history(connection_id conn, const history_request_frame& request) const;
    // The same query for the HTTP API.
    history_page query(std::optional<seq_t> before, std::optional<seq_t> after, std::uint32_t limit) const;

    // Moves the user's read marker forward (never back, never past
    // latest_seq()) and tells the user's other connections. Nothing is sent
    // when the marker does not move; non-members get an error frame not_joined.
    room_actions mark_read(connection_id conn, seq_t seq);

    bool is_member(connection_id conn) const;
    bool empty() const noexcept { return connections_.empty(); }
    // One entry per user, sorted by id, named as on its lowest-numbered connection.
    std::vector<user_info> members() const;
    std::vector<connection_id> member_connections() const;
    const std::string& id() const noexcept { return id_; }
    const room_config& config() const noexcept { return config_; }
    seq_t latest_seq() const noexcept { return next_seq_ - 1; }
    const history_ring& messages() const noexcept { return history_; }

private:
    // The decision shared by send and send_as; pushes the broadcast of an
    // accepted message, skipping `sender`.
    send_outcome decide(const user_info& user, const message_id& id, std::string_view text, millis now,
                        std::optional<connection_id> sender, room_actions& actions);
    room_actions not_joined(connection_id conn) const;

    std::string id_;
    room_config config_;
    history_ring history_;
    dedupe_window dedupe_;
    seq_t next_seq_ = 1;
    std::map<connection_id, user_info> connections_;
    std::unordered_map<std::string, std::size_t> connections_per_user_;
    std::unordered_map<std::string, rate_limiter> limiters_;  // by user id
    std::unordered_map<std::string, seq_t> read_markers_;     // by user id
};

}  // namespace roomchat
