#include "roomchat/local_room.hpp"

#include <utility>
#include <variant>

namespace roomchat {
namespace {

room_actions not_joined(connection_id conn, const std::string& room_id) {
    room_actions actions;
    actions.push_back(room_action{not_joined_error(room_id), {conn}});
    return actions;
}

}  // namespace

local_room::local_room(std::string id, std::string epoch, room_config config, rate_table* user_sends)
    : room_(id, config), log_(std::move(id), std::move(epoch), config, user_sends) {}

room_actions local_room::join(connection_id conn, const user_info& user, const join_frame& request,
                              millis now, bool moderator) {
    // A connection joining again stays the user it joined as.
    const user_info* already = room_.member(conn);
    return room_.join(conn, user, log_.view(already != nullptr ? already->id : user.id, request), now,
                      moderator);
}

send_result local_room::send(connection_id conn, const message_id& id, std::string_view text, millis now,
                             std::optional<millis> media_ms) {
    return send(conn, send_frame{room_.id(), id, std::string(text), media_ms}, now);
}

send_result local_room::send_as(const user_info& user, const message_id& id, std::string_view text,
                                millis now, std::optional<millis> media_ms, bool system) {
    return send_as(user, send_frame{room_.id(), id, std::string(text), media_ms}, now, system);
}

send_result local_room::send(connection_id conn, const send_frame& frame, millis now) {
    auto prepared = room_.prepare_send(conn, frame, now);
    if (auto* answered = std::get_if<send_result>(&prepared)) {
        return std::move(*answered);
    }
    const send_attempt& attempt = std::get<send_attempt>(prepared);
    send_decision decision = log_.accept(attempt);
    send_result result;
    result.actions = room_.settle(conn, attempt, decision);
    if (decision.message) {
        result.actions.push_back(room_.deliver(*decision.message));
    }
    result.outcome = std::move(decision.outcome);
    return result;
}

send_result local_room::send_as(const user_info& user, const send_frame& frame, millis now, bool system) {
    auto prepared = room_.prepare_send_as(user, frame, now, system);
    send_result result;
    if (auto* refused = std::get_if<send_outcome>(&prepared)) {
        result.outcome = std::move(*refused);
        return result;
    }
    const send_attempt& attempt = std::get<send_attempt>(prepared);
    send_decision decision = log_.accept(attempt);
    result.actions = room_.settle(std::nullopt, attempt, decision);
    if (decision.message) {
        result.actions.push_back(room_.deliver(*decision.message));
    }
    result.outcome = std::move(decision.outcome);
    return result;
}

room_actions local_room::history(connection_id conn, const history_request_frame& request) const {
    if (!room_.is_member(conn)) {
        return not_joined(conn, room_.id());
    }
    room_actions actions;
    actions.push_back(room_action{log_.query(request.before, request.after, request.limit), {conn}});
    return actions;
}

room_actions local_room::mark_read(connection_id conn, seq_t seq) {
    const user_info* reader = room_.member(conn);
    if (reader == nullptr) {
        return not_joined(conn, room_.id());
    }
    const std::optional<seq_t> moved = log_.mark_read(reader->id, seq);
    return moved ? room_.marker_moved(conn, *moved) : room_actions{};
}

room_actions local_room::mute(connection_id moderator, const std::string& user_id, std::uint32_t minutes,
                              millis now) {
    auto prepared = room_.prepare_mute(moderator, minutes, now);
    if (auto* refused = std::get_if<room_actions>(&prepared)) {
        return std::move(*refused);
    }
    const millis until = std::get<millis>(prepared);
    log_.mute(user_id, until, now);
    return room_.muted(moderator, user_id, until);
}

}  // namespace roomchat
