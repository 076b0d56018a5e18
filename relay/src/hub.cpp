#include "hub.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "roomchat/codec.hpp"
#include "roomchat/ids.hpp"

namespace roomchat::relay {
namespace {

template <typename Frame>
bool holds(const room_actions& actions) {
    return std::any_of(actions.begin(), actions.end(),
                       [](const room_action& action) { return std::holds_alternative<Frame>(action.frame); });
}

}  // namespace

hub::hub(const relay_config& config, room_registry& rooms, const token_verifier& verifier,
         relay_metrics& metrics, logger& log)
    : config_(config), rooms_(rooms), verifier_(verifier), metrics_(metrics), log_(log) {}

void hub::opened(connection_id conn, std::string peer) {
    connection_state state;
    state.peer = std::move(peer);
    connections_.emplace(conn, std::move(state));
}

void hub::text(connection_id conn, std::string_view payload, millis now) {
    const auto it = connections_.find(conn);
    if (it == connections_.end() || it->second.closing) return;
    connection_state& state = it->second;

    codec_limits limits;
    limits.max_frame_bytes = config_.max_frame_bytes;
    auto decoded = decode_client_frame(payload, limits);
    if (const auto* error = std::get_if<decode_error>(&decoded)) {
        log_.write(log_level::debug, "bad_frame",
                   {{"conn", std::to_string(conn)}, {"code", std::string(to_string(error->code))}});
        send_error(conn, error->code, error->detail);
        return;
    }
    auto& frame = std::get<client_frame>(decoded);
    if (!state.claims && !std::holds_alternative<auth_frame>(frame)) {
        ++metrics_.auth_failures;
        fail(conn, state, errc::auth_required, "the first frame must be auth");
        return;
    }
    std::visit([&](const auto& f) { handle(conn, state, f, now); }, frame);
}

void hub::binary(connection_id conn) {
    const auto it = connections_.find(conn);
    if (it == connections_.end() || it->second.closing) return;
    send_error(conn, errc::binary_frame, "frames are JSON text; binary frames are ignored");
}

void hub::auth_deadline(connection_id conn) {
    const auto it = connections_.find(conn);
    if (it == connections_.end() || it->second.closing || it->second.claims) return;
    ++metrics_.auth_failures;
    fail(conn, it->second, errc::auth_timeout, "no auth frame within the deadline");
}

void hub::drop(connection_id conn, errc reason, std::uint16_t code) {
    const auto it = connections_.find(conn);
    if (it == connections_.end() || it->second.closing) return;
    connection_state& state = it->second;
    if (reason == errc::slow_consumer) ++metrics_.slow_consumer_disconnects;
    log_.write(
        log_level::warn, "connection_dropped",
        {{"conn", std::to_string(conn)}, {"peer", state.peer}, {"reason", std::string(to_string(reason))}});
    const std::vector<std::string> joined(state.rooms.begin(), state.rooms.end());
    for (const auto& room_id : joined) leave_room(conn, state, room_id);
    state.closing = true;
    transport_->close(conn, code, std::string(to_string(reason)));
}

void hub::closed(connection_id conn) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) return;
    connection_state& state = it->second;
    const std::vector<std::string> joined(state.rooms.begin(), state.rooms.end());
    state.closing = true;  // nothing more is sent to it while the others hear it leave
    for (const auto& room_id : joined) leave_room(conn, state, room_id);
    if (state.claims) {
        const auto user = connections_per_user_.find(state.claims->user.id);
        if (user != connections_per_user_.end() && --user->second == 0) connections_per_user_.erase(user);
    }
    connections_.erase(it);
}

result<send_outcome> hub::post_message(const user_info& user, const std::string& room_id,
                                       const message_id& id, std::string_view text, millis now) {
    auto opened_room = rooms_.open(room_id);
    if (!opened_room) return opened_room.error();
    room& chat = **opened_room;
    room_actions actions;
    send_outcome outcome = chat.send_as(user, id, text, now, actions);
    if (outcome.ack) {
        ++metrics_.acks;
        if (outcome.duplicate) {
            ++metrics_.dedupe_hits;
        } else {
            ++metrics_.messages_accepted;
        }
    }
    if (outcome.nack && outcome.nack->code == errc::rate_limited) ++metrics_.rate_limited;
    perform(chat, actions);
    rooms_.release(room_id);
    return outcome;
}

history_page hub::query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
                        std::uint32_t limit) {
    const room* chat = rooms_.find(room_id);
    if (chat == nullptr) return {};
    return chat->query(before, after, limit);
}

void hub::handle(connection_id conn, connection_state& state, const auth_frame& frame, millis now) {
    auto verified = verifier_.verify(frame.token, now);
    if (auto* rejection = std::get_if<token_rejection>(&verified)) {
        ++metrics_.auth_failures;
        log_.write(log_level::info, "auth_failed",
                   {{"conn", std::to_string(conn)}, {"peer", state.peer}, {"detail", rejection->detail}});
        if (state.claims) {
            // A failed refresh keeps the connection on its current token.
            send_error(conn, rejection->code, rejection->detail);
        } else {
            fail(conn, state, rejection->code, rejection->detail);
        }
        return;
    }
    auto& claims = std::get<token_claims>(verified);
    if (state.claims) {
        if (claims.user.id != state.claims->user.id) {
            ++metrics_.auth_failures;
            send_error(conn, errc::auth_failed, "a refreshed token must name the same user");
            return;
        }
    } else {
        std::size_t& count = connections_per_user_[claims.user.id];
        if (count >= config_.max_connections_per_user) {
            if (count == 0) connections_per_user_.erase(claims.user.id);
            fail(conn, state, errc::too_many_connections, "this user has too many connections open");
            return;
        }
        ++count;
    }
    state.claims = std::move(claims);
    const std::vector<std::string> joined(state.rooms.begin(), state.rooms.end());
    for (const auto& room_id : joined) {
        if (!state.claims->admits(room_id)) leave_room(conn, state, room_id);
    }

    welcome_frame welcome;
    welcome.user = state.claims->user;
    welcome.max_text_code_points = static_cast<std::uint32_t>(config_.room.text.max_code_points);
    welcome.rate = config_.room.rate;
    welcome.token_expires_at = state.claims->expires_at;
    log_.write(log_level::debug, "authenticated",
               {{"conn", std::to_string(conn)}, {"user", welcome.user.id}});
    send_to(conn, welcome);
}

void hub::handle(connection_id conn, connection_state& state, const join_frame& frame, millis now) {
    if (!validate_room_id(frame.room)) {
        send_error(conn, errc::invalid_room_id, "room ids are 1-64 of A-Z a-z 0-9 _ . -");
        return;
    }
    if (!state.claims->admits(frame.room)) {
        send_error(conn, errc::room_forbidden, "the token does not admit this room", frame.room);
        return;
    }
    if (state.claims->expired(now)) {
        send_error(conn, errc::token_expired, "send a fresh auth frame", frame.room);
        return;
    }
    auto opened_room = rooms_.open(frame.room);
    if (!opened_room) {
        send_error(conn, opened_room.error(), "the relay holds its maximum number of rooms", frame.room);
        return;
    }
    state.rooms.insert(frame.room);
    perform(**opened_room, (*opened_room)->join(conn, state.claims->user, frame.since, now));
}

void hub::handle(connection_id conn, connection_state& state, const leave_frame& frame, millis /*now*/) {
    if (joined_room(conn, state, frame.room) == nullptr) return;
    leave_room(conn, state, frame.room);
}

void hub::handle(connection_id conn, connection_state& state, const send_frame& frame, millis now) {
    const auto nack = [&](errc code) { send_to(conn, nack_frame{frame.room, frame.id, code, std::nullopt}); };
    if (state.rooms.count(frame.room) == 0) {
        nack(errc::not_joined);
        return;
    }
    if (state.claims->expired(now)) {
        nack(errc::token_expired);
        return;
    }
    room* chat = rooms_.find(frame.room);
    if (chat == nullptr) {
        nack(errc::not_joined);
        return;
    }
    const room_actions actions = chat->send(conn, frame.id, frame.text, now);
    count_send(actions);
    perform(*chat, actions);
}

void hub::handle(connection_id conn, connection_state& state, const history_request_frame& frame,
                 millis /*now*/) {
    const room* chat = joined_room(conn, state, frame.room);
    if (chat != nullptr) perform(*chat, chat->history(conn, frame));
}

void hub::handle(connection_id conn, connection_state& state, const read_frame& frame, millis /*now*/) {
    room* chat = joined_room(conn, state, frame.room);
    if (chat != nullptr) perform(*chat, chat->mark_read(conn, frame.seq));
}

room* hub::joined_room(connection_id conn, const connection_state& state, const std::string& room_id) {
    room* chat = state.rooms.count(room_id) != 0 ? rooms_.find(room_id) : nullptr;
    if (chat == nullptr) send_error(conn, errc::not_joined, "join the room first", room_id);
    return chat;
}

void hub::leave_room(connection_id conn, connection_state& state, const std::string& room_id) {
    state.rooms.erase(room_id);
    room* chat = rooms_.find(room_id);
    if (chat == nullptr) return;
    perform(*chat, chat->leave(conn));
    rooms_.release(room_id);
}

void hub::count_send(const room_actions& actions) {
    if (holds<ack_frame>(actions)) {
        ++metrics_.acks;
        if (holds<message_frame>(actions)) {
            ++metrics_.messages_accepted;
        } else {
            ++metrics_.dedupe_hits;
        }
    }
    for (const auto& action : actions) {
        const auto* nack = std::get_if<nack_frame>(&action.frame);
        if (nack != nullptr && nack->code == errc::rate_limited) ++metrics_.rate_limited;
    }
}

bool hub::is_live(connection_id conn) const {
    const auto it = connections_.find(conn);
    return it != connections_.end() && !it->second.closing;
}

void hub::perform(const room& chat, const room_actions& actions) {
    for (const auto& action : actions) {
        const auto started = std::chrono::steady_clock::now();
        const std::string payload = encode(action.frame);
        std::size_t recipients = 0;
        if (action.target == room_action::target_kind::connection) {
            if (is_live(action.connection)) {
                transport_->send(action.connection, payload);
                ++recipients;
            }
        } else {
            for (const connection_id member : chat.member_connections()) {
                const auto it = connections_.find(member);
                if (it == connections_.end() || it->second.closing || member == action.except) continue;
                if (action.target == room_action::target_kind::user &&
                    (!it->second.claims || it->second.claims->user.id != action.user_id)) {
                    continue;
                }
                transport_->send(member, payload);
                ++recipients;
            }
        }
        if (std::holds_alternative<message_frame>(action.frame)) {
            metrics_.deliveries += recipients;
            const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
            metrics_.observe_fanout(took.count());
        }
    }
}

void hub::send_to(connection_id conn, const server_frame& frame) { transport_->send(conn, encode(frame)); }

void hub::send_error(connection_id conn, errc code, std::string detail, std::optional<std::string> room) {
    send_to(conn, error_frame{code, std::move(detail), std::move(room)});
}

void hub::fail(connection_id conn, connection_state& state, errc code, std::string detail) {
    send_error(conn, code, std::move(detail));
    state.closing = true;
    transport_->close(conn, close_code::policy_violation, std::string(to_string(code)));
}

}  // namespace roomchat::relay
