#pragma once
// One chat room as the relay runs it, without any I/O: the relay turns
// decoded frames into calls here and performs the returned actions. Every
// rule (text validation, rate limit, dedupe, ordering, history caps, presence)
// is decided here so that tests can drive a room exactly as the relay does.
// What the relays holding the room share (sequence, history, dedupe, send
// allowance, read markers) is its log (room_log.hpp), which decides
// acceptance; the room holds who is connected and decides who is told what.
//
// A room lives in one epoch (ids.hpp): its sequence starts at 1 with the room
// and never restarts while the room exists. The relay that creates a room
// (first use, or again after a restart or an idle drop) gives it a new epoch,
// so clients can tell its seqs from those of the room's earlier lives.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "roomchat/protocol.hpp"
#include "roomchat/rate_table.hpp"
#include "roomchat/room_config.hpp"
#include "roomchat/room_log.hpp"

namespace roomchat {

// The relay's handle for one WebSocket connection.
using connection_id = std::uint64_t;

// A frame and the connections it goes to, both decided by the room: the
// relay encodes the frame once and sends it to each of `to`, deciding
// nothing. A sender gets its ack, not its own message back; a reader's
// marker is echoed only to its other tabs.
struct room_action {
    server_frame frame;
    std::vector<connection_id> to;
};

using room_actions = std::vector<room_action>;

// A send's outcome and what it causes: the reply to the sending connection
// (none for send_as), then the message to the other members when it is new.
struct send_result {
    send_outcome outcome;
    room_actions actions;
};

// The one answer to a frame naming a room the connection has not joined, from
// the room or, for a room that does not exist, from the relay.
error_frame not_joined_error(const std::string& room_id);

class room {
public:
    // `user_sends`, when given, is a second bucket per user that every send
    // must also pass: the user's allowance across all rooms (shared by the
    // rooms of one relay, outliving this room).
    room(std::string id, std::string epoch, room_config config = {}, rate_table* user_sends = nullptr);

    // A connection enters. Replies joined + history to it. joined.members is
    // the membership as the others were last told it (presence changes still
    // pending reach the joiner with everyone else) plus the joiner. History:
    // the page room_log::view picks for request. The user's arrival reaches the other members
    // through on_timer (presence). Joining twice on one connection just
    // replies again.
    room_actions join(connection_id conn, const user_info& user, const join_frame& request, millis now);

    // A connection leaves (or closed). When it was the user's last one, the
    // others hear it through on_timer. Unknown connections are ignored.
    void leave(connection_id conn, millis now);

    // A member sends. Acks the sender (and on first acceptance broadcasts the
    // message to all members except the sending connection, which turns the
    // ack into "sent"), or nacks with the reason. A non-member gets an error
    // frame not_joined. A nil id is nack invalid_message_id; the text goes
    // through text_rules (config.text); then the log decides (room_log::
    // accept: dedupe, the text verdict, rate limits, acceptance). The rate
    // limits are the user's bucket in this room (shared by all of the user's
    // connections and HTTP sends) and, if given, the user's bucket across
    // rooms. A message refused rate_limited holds back the connection's later
    // ones: they are refused (rate_limited, until a refill past its retry
    // time) until it is sent again or accepted. A client sends its messages
    // back to back, and the bucket may refill between two of them: without
    // this, the second could be accepted and the first, resent later, land
    // after it, out of the order typed.
    send_result send(connection_id conn, const message_id& id, std::string_view text, millis now,
                     std::optional<millis> media_ms = std::nullopt);

    // The same decision for a sender that is not a member connection (HTTP
    // POST): no reply action, the broadcast goes to every member. `system`:
    // the host's backend speaking as the room (chat_message::system), which
    // the rate limits do not hold back.
    send_result send_as(const user_info& user, const message_id& id, std::string_view text, millis now,
                        std::optional<millis> media_ms = std::nullopt, bool system = false);

    // Older pages or a gap, for a member connection (non-members get an
    // error frame not_joined), answered with query().
    room_actions history(connection_id conn, const history_request_frame& request) const;
    // One page for anyone (the HTTP API too): before `before` when set, else
    // after `after` when set, else the latest. The limit is capped at
    // config.max_page_size.
    history_frame query(std::optional<seq_t> before, std::optional<seq_t> after, std::uint32_t limit) const;

    // Moves the user's read marker forward (never back, never past
    // latest_seq()) and tells the user's other connections. Nothing is sent
    // when the marker does not move; non-members get an error frame not_joined.
    room_actions mark_read(connection_id conn, seq_t seq);

    // Presence: every user whose presence changed since the last call and
    // differs from what the members were last told, as presence frames (at
    // most config.max_presence_per_flush; the rest are due again shortly).
    // Due at next_deadline(); calling it earlier sends nothing.
    room_actions on_timer(millis now);
    std::optional<millis> next_deadline() const noexcept { return presence_due_; }

    bool is_member(connection_id conn) const;
    bool empty() const noexcept { return connections_.empty(); }
    // One entry per user, sorted by id, named as on the connection that
    // brought the user in.
    std::vector<user_info> members() const;
    std::vector<connection_id> member_connections() const;
    const std::string& id() const noexcept { return id_; }
    const std::string& epoch() const noexcept { return log_.epoch(); }
    const room_config& config() const noexcept { return config_; }
    seq_t latest_seq() const noexcept { return log_.latest_seq(); }
    const room_log& log() const noexcept { return log_; }

private:
    struct present_user {
        user_info user;
        std::size_t connections = 0;
    };

    // The decision shared by send and send_as; pushes the broadcast of an
    // accepted message, skipping `sender`.
    send_outcome decide(send_attempt attempt, std::optional<connection_id> sender, room_actions& actions);
    // Every member connection but `except`; with `user_id`, only that user's.
    room_action to_members(server_frame frame, std::optional<connection_id> except = std::nullopt,
                           const std::string* user_id = nullptr) const;
    // How long a send of `conn` waits behind the one it holds back (0: none).
    std::uint32_t wait_behind_held(connection_id conn, millis now);
    void presence_changed(const std::string& user_id, millis now);
    room_actions not_joined(connection_id conn) const;

    std::string id_;
    room_config config_;
    room_log log_;
    std::map<connection_id, user_info> connections_;
    // Per connection, the send refused for now that its later sends wait
    // behind (send): its id, and when it may come again.
    struct held_send {
        message_id id;
        millis retry_at = 0;
    };
    std::unordered_map<connection_id, held_send> held_;
    std::unordered_map<std::string, present_user> users_;  // by user id: who is here

    // Presence as the members were last told it, and who may differ from it.
    std::map<std::string, user_info> announced_;
    std::set<std::string> presence_dirty_;
    std::optional<millis> presence_due_;
};

}  // namespace roomchat
