#pragma once
// A room and its log in memory, driven together with every answer at once:
// the steps of room.hpp composed synchronously, which is what a relay on its
// own amounts to. The tests, the fuzzers, the simulation and the benchmarks
// drive rooms through it; the relay composes the same steps around its
// store (relay/src/hub.cpp), where an answer may come later.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roomchat/rate_table.hpp"
#include "roomchat/room.hpp"
#include "roomchat/room_log.hpp"

namespace roomchat {

class local_room {
public:
    // `user_sends`: the user's allowance across rooms (room_log).
    local_room(std::string id, std::string epoch, room_config config = {}, rate_table* user_sends = nullptr);

    // room::join with room_log::view.
    room_actions join(connection_id conn, const user_info& user, const join_frame& request, millis now,
                      bool moderator = false);
    room_actions leave(connection_id conn, millis now) { return room_.leave(conn, now); }
    // The three steps of a send (a message, a removal, a reaction): the
    // reply to the sender, then the entry to the other members when it is new.
    send_result send(connection_id conn, const send_frame& frame, millis now);
    // The same for a message with this text.
    send_result send(connection_id conn, const message_id& id, std::string_view text, millis now,
                     std::optional<millis> media_ms = std::nullopt);
    // The same for a sender that is not a member connection: no reply action.
    send_result send_as(const user_info& user, const send_frame& frame, millis now, bool system = false);
    send_result send_as(const user_info& user, const message_id& id, std::string_view text, millis now,
                        std::optional<millis> media_ms = std::nullopt, bool system = false);
    // A member's request for a page (room_log::query); not_joined otherwise.
    room_actions history(connection_id conn, const history_request_frame& request) const;
    history_frame query(std::optional<seq_t> before, std::optional<seq_t> after, std::uint32_t limit) const {
        return log_.query(before, after, limit);
    }
    // room_log::mark_read for a member, then room::marker_moved; not_joined otherwise.
    room_actions mark_read(connection_id conn, seq_t seq);
    room_actions typing(connection_id conn, bool active, millis now) {
        return room_.typing(conn, active, now);
    }
    // The steps of a mute (room::prepare_mute, room_log::mute,
    // room::muted). `minutes` 0 lifts it.
    room_actions mute(connection_id moderator, const std::string& user_id, std::uint32_t minutes, millis now);
    room_actions on_timer(millis now) { return room_.on_timer(now); }
    std::optional<millis> next_deadline() const noexcept { return room_.next_deadline(); }

    bool is_member(connection_id conn) const { return room_.is_member(conn); }
    bool empty() const noexcept { return room_.empty(); }
    std::vector<user_info> members() const { return room_.members(); }
    std::vector<connection_id> member_connections() const { return room_.member_connections(); }
    const std::string& id() const noexcept { return room_.id(); }
    const room_config& config() const noexcept { return room_.config(); }
    const std::string& epoch() const noexcept { return log_.epoch(); }
    seq_t latest_seq() const noexcept { return log_.latest_seq(); }
    const room_log& log() const noexcept { return log_; }

private:
    class room room_;
    room_log log_;
};

}  // namespace roomchat
