#pragma once
// One chat room as a relay runs it, without any I/O: who is connected, who
// is present, and who is told what. What the relays holding the room share
// (epoch, sequence, history, dedupe, send allowance, read markers) is its
// log (room_log.hpp), which decides acceptance. The relay takes each request
// to both, in steps: the room prepares what to ask the log, the log answers
// (at once from memory, later from Redis), and the room turns the answer
// into frames for its connections. Every rule lives in one of the two, so
// tests drive a room and its log exactly as the relay does.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "roomchat/protocol.hpp"
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

// The one answer a sending connection gets for a decided send: its ack or nack.
server_frame send_reply(const send_outcome& outcome);

class room {
public:
    explicit room(std::string id, room_config config = {});

    // A connection enters, with what the log told it (room_log::view for
    // its user and request). Replies joined + history to it. joined.members
    // is the membership as the others were last told it (presence changes
    // still pending reach the joiner with everyone else) plus the joiner.
    // The user's arrival reaches the other members through on_timer
    // (presence). Joining twice on one connection just replies again, to
    // the user it joined as first (the view must be that user's).
    // `moderator`: the relay's verdict on the connection's token (its mod
    // claim), which joined.moderator repeats; it decides prepare_mute.
    // joined.muted_until: the user's mute, when the view's holds at `now`.
    room_actions join(connection_id conn, const user_info& user, log_view view, millis now,
                      bool moderator = false);

    // A connection leaves (or closed). When it was the user's last one, the
    // others hear it through on_timer. Unknown connections are ignored.
    // What it returns is at once: the user stopped typing, when this was
    // their last connection typing (typing.hpp).
    room_actions leave(connection_id conn, millis now);

    // A send, in three steps around the log's decision (room_log::accept).
    // 1. What to ask the log for a member's send, or the answer when the log
    //    has nothing to say: a non-member gets an error frame not_joined, a
    //    nil id nack invalid_message_id. The text goes through text_rules
    //    (config.text) here, and the hold below is measured here: a message
    //    refused rate_limited holds back its connection's later ones, which
    //    are refused (rate_limited, until a refill past its retry time)
    //    until it is sent again or accepted. A client sends its messages
    //    back to back, and the bucket may refill between two of them:
    //    without this, the second could be accepted and the first, resent
    //    later, land after it, out of the order typed.
    //    `frame` says what: its room is this one. A removal (removes) goes
    //    as a moderator's when the connection joined as one.
    std::variant<send_attempt, send_result> prepare_send(connection_id conn, const send_frame& frame,
                                                         millis now);
    //    The same for a sender that is not a member connection (HTTP POST):
    //    only a nil id is answered here. `system`: the host's backend
    //    speaking as the room (chat_message::system), which the rate limits
    //    do not hold back and which may remove any message. `moderator`:
    //    the relay's verdict on the sender's token (its mod claim).
    std::variant<send_attempt, send_outcome> prepare_send_as(const user_info& user, const send_frame& frame,
                                                             millis now, bool system = false,
                                                             bool moderator = false) const;
    // 2. The log decided: its ack or nack to the sending connection, if any
    //    (sent even when it left the room meanwhile: its message was
    //    decided). A rate_limited nack starts the connection's hold, if it
    //    is still a member.
    room_actions settle(std::optional<connection_id> sender, const send_attempt& attempt,
                        const send_decision& decision);
    // 3. A message the log accepted (through this relay or another, over
    //    WebSocket or HTTP), to every member but the connection that sent
    //    it, which turns its ack into "sent"; every hold on it ends, and so
    //    does its author's typing here (for a message), which the
    //    members forget as the message comes. Deliver each once, in seq order.
    //    `spare` is memory for the action's `to`, its contents discarded:
    //    handing back the last delivery's list means a fan-out to a big
    //    room allocates no list of its size each time.
    room_action deliver(const chat_message& message, std::vector<connection_id> spare = {});

    // The log moved a member's read marker (room_log::mark_read): the
    // user's other connections are told. Nothing for a non-member.
    room_actions marker_moved(connection_id conn, seq_t seq) const;

    // A member's typing frame: passed on to the other users' connections
    // as a typist frame, a start at most once per typing_relay_interval_ms
    // per user (the others are dropped: the next one says it again), a stop
    // once none of the user's connections types any more and a start was
    // passed on that readers may still show. A non-member gets not_joined.
    room_actions typing(connection_id conn, bool active, millis now);
    // The same signal from a member on another relay, as that relay passed
    // it on: to everyone here but that user's own connections.
    room_action typing_elsewhere(const user_info& user, bool active) const;

    // A mute, in two steps around the log (room_log::mute).
    // 1. When it ends (mute_end; 0: lifted), or the answer when there is
    //    nothing to ask the log: a non-member gets not_joined, a member that
    //    did not join as a moderator not_moderator.
    std::variant<millis, room_actions> prepare_mute(connection_id conn, std::uint32_t minutes,
                                                    millis now) const;
    // 2. The log took it: the moderator on `moderator` and the muted user's
    //    connections here hear it (muted_frame).
    room_actions muted(connection_id moderator, const std::string& user_id, millis until) const;
    // A mute taken through another relay holding the room: the muted user's
    // connections here hear it.
    room_action mute_news(const std::string& user_id, millis until) const;

    // Presence on the other relays holding the room (through the store):
    // `user` is connected on at least one of them, or no longer. A user is
    // present in the room while connected here or elsewhere, and the members
    // hear a change of that through on_timer, like any other.
    void elsewhere(const user_info& user, bool present, millis now);
    // Whether the user has a connection here.
    bool here(const std::string& user_id) const { return users_.count(user_id) != 0; }

    // Presence: every user whose presence changed since the last call and
    // differs from what the members were last told, as presence frames (at
    // most config.max_presence_per_flush; the rest are due again shortly).
    // Due at next_deadline(); calling it earlier sends nothing.
    room_actions on_timer(millis now);
    std::optional<millis> next_deadline() const noexcept { return presence_due_; }

    // The member on `conn`, or nullptr.
    const user_info* member(connection_id conn) const;
    bool is_member(connection_id conn) const { return member(conn) != nullptr; }
    bool empty() const noexcept { return connections_.empty(); }
    // One entry per user connected here, sorted by id, named as on the
    // connection that brought the user in.
    std::vector<user_info> members() const;
    std::vector<connection_id> member_connections() const;
    const std::string& id() const noexcept { return id_; }
    const room_config& config() const noexcept { return config_; }

private:
    struct present_user {
        user_info user;
        std::size_t connections = 0;
    };

    // Every member connection for which keep(conn, user) holds, in order,
    // listed in the memory of `spare` (its contents discarded).
    template <class Keep>
    room_action to_members_where(server_frame frame, Keep keep, std::vector<connection_id> spare = {}) const;
    // Every member connection but `except`; with `user_id`, only that user's.
    room_action to_members(server_frame frame, std::optional<connection_id> except = std::nullopt,
                           const std::string* user_id = nullptr, std::vector<connection_id> spare = {}) const;
    // Every member connection of a user other than `user_id`.
    room_action to_others(server_frame frame, const std::string& user_id) const;
    // The typist frame that says `user` stopped, if the members may still
    // show them typing.
    struct typist;
    room_actions stop_typing(const user_info& user, typist& state, millis now);
    // How long a send of `conn` waits behind the one it holds back (0: none).
    std::uint32_t wait_behind_held(connection_id conn, millis now);
    void presence_changed(const std::string& user_id, millis now);
    // The user as present in the room (connected here, else elsewhere), or nullptr.
    const user_info* present(const std::string& user_id) const;

    std::string id_;
    room_config config_;
    std::map<connection_id, user_info> connections_;
    std::set<connection_id> moderators_;  // members that joined as moderators
    // Per connection, the send refused for now that its later sends wait
    // behind (prepare_send): its id, and when it may come again.
    struct held_send {
        message_id id;
        millis retry_at = 0;
    };
    std::unordered_map<connection_id, held_send> held_;
    // The sends of member connections the log has not decided or this room
    // not delivered yet, by id: whom deliver skips.
    std::unordered_map<message_id, connection_id> sending_;
    std::unordered_map<std::string, present_user> users_;   // by user id: who is here
    std::unordered_map<std::string, user_info> elsewhere_;  // by user id: who is on other relays

    // Who types here, by user id: their connections that said typing, and
    // the last start passed on (typing()).
    struct typist {
        std::set<connection_id> typing_on;
        std::optional<millis> started_at;
        bool announced = false;  // the members were told "typing" and no stop since
    };
    std::unordered_map<std::string, typist> typists_;

    // Presence as the members were last told it, and who may differ from it.
    std::map<std::string, user_info> announced_;
    std::set<std::string> presence_dirty_;
    std::optional<millis> presence_due_;
};

}  // namespace roomchat
