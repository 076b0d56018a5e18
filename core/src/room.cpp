#include "roomchat/room.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

namespace roomchat {
namespace {

room_action to_connection(connection_id conn, server_frame frame) {
    room_action action;
    action.target = room_action::target_kind::connection;
    action.connection = conn;
    action.frame = std::move(frame);
    return action;
}

room_action to_members(server_frame frame, std::optional<connection_id> except = std::nullopt) {
    room_action action;
    action.target = room_action::target_kind::members;
    action.except = except;
    action.frame = std::move(frame);
    return action;
}

room_action to_user(std::string user_id, server_frame frame, std::optional<connection_id> except) {
    room_action action;
    action.target = room_action::target_kind::user;
    action.user_id = std::move(user_id);
    action.except = except;
    action.frame = std::move(frame);
    return action;
}

}  // namespace

room::room(std::string id, room_config config)
    : id_(std::move(id)),
      config_(config),
      history_(config.history),
      dedupe_(std::max(config.dedupe_capacity, config.history.max_messages)) {}

room_actions room::join(connection_id conn, const user_info& user, std::optional<seq_t> since, millis) {
    room_actions actions;
    const auto [it, inserted] = connections_.try_emplace(conn, user);
    const user_info& member = it->second;
    const bool first_connection = inserted && ++connections_per_user_[member.id] == 1;

    joined_frame joined;
    joined.room = id_;
    joined.members = members();
    const auto marker = read_markers_.find(member.id);
    joined.read_seq = marker == read_markers_.end() ? 0 : marker->second;
    joined.latest_seq = latest_seq();
    actions.push_back(to_connection(conn, std::move(joined)));

    history_frame page;
    page.room = id_;
    history_page found;
    if (since) {
        page.mode = history_mode::after;
        found = history_.after(*since, config_.page_size);
    } else {
        page.mode = history_mode::latest;
        found = history_.latest(config_.page_size);
    }
    page.messages = std::move(found.messages);
    page.truncated = found.truncated;
    page.has_more = found.has_more;
    actions.push_back(to_connection(conn, std::move(page)));

    if (first_connection) {
        // The joining connection already sees itself in `members`.
        actions.push_back(to_members(presence_frame{id_, presence_event::join, member}, conn));
    }
    return actions;
}

room_actions room::leave(connection_id conn) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        return {};
    }
    const user_info user = std::move(it->second);
    connections_.erase(it);
    const auto count = connections_per_user_.find(user.id);
    if (--count->second > 0) {
        return {};
    }
    connections_per_user_.erase(count);
    room_actions actions;
    actions.push_back(to_members(presence_frame{id_, presence_event::leave, user}));
    return actions;
}

send_outcome room::decide(const user_info& user, const message_id& id, std::string_view text, millis now,
                          std::optional<connection_id> sender, room_actions& actions) {
    send_outcome outcome;
    const auto refuse = [&](errc code, std::optional<std::uint32_t> retry_after_ms = std::nullopt) {
        outcome.nack = nack_frame{id_, id, code, retry_after_ms};
        return outcome;
    };

    if (id.is_nil()) {
        return refuse(errc::invalid_message_id);
    }
    if (const accepted_send* earlier = dedupe_.find(id)) {
        if (earlier->user_id != user.id) {
            return refuse(errc::id_conflict);
        }
        outcome.ack = ack_frame{id_, id, earlier->seq, earlier->ts};
        outcome.duplicate = true;
        return outcome;
    }
    result<std::string> normalized = normalize_text(text, config_.text);
    if (!normalized) {
        return refuse(normalized.error());
    }
    rate_limiter& limiter = limiters_.try_emplace(user.id, config_.rate, now).first->second;
    if (const std::uint32_t wait = limiter.try_acquire(now); wait > 0) {
        return refuse(errc::rate_limited, wait);
    }

    chat_message message{next_seq_++, id, user, std::move(normalized).value(), now};
    dedupe_.remember(id, accepted_send{user.id, message.seq, message.ts});
    outcome.ack = ack_frame{id_, id, message.seq, message.ts};
    history_.append(message);
    actions.push_back(to_members(message_frame{id_, std::move(message)}, sender));
    return outcome;
}

room_actions room::send(connection_id conn, const message_id& id, std::string_view text, millis now) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        return not_joined(conn);
    }
    room_actions actions;
    send_outcome outcome = decide(it->second, id, text, now, conn, actions);
    server_frame reply =
        outcome.ack ? server_frame{std::move(*outcome.ack)} : server_frame{std::move(*outcome.nack)};
    actions.insert(actions.begin(), to_connection(conn, std::move(reply)));
    return actions;
}

send_outcome room::send_as(const user_info& user, const message_id& id, std::string_view text, millis now,
                           room_actions& actions) {
    return decide(user, id, text, now, std::nullopt, actions);
}

history_page room::query(std::optional<seq_t> before, std::optional<seq_t> after, std::uint32_t limit) const {
    const std::size_t capped = std::min(limit, config_.max_page_size);
    if (before) {
        return history_.before(*before, capped);
    }
    if (after) {
        return history_.after(*after, capped);
    }
    return history_.latest(capped);
}

room_actions room::history(connection_id conn, const history_request_frame& request) const {
    if (!is_member(conn)) {
        return not_joined(conn);
    }
    history_page found = query(request.before, request.after, request.limit);
    history_frame page;
    page.room = id_;
    page.mode = request.before  ? history_mode::before
                : request.after ? history_mode::after
                                : history_mode::latest;
    page.messages = std::move(found.messages);
    page.truncated = found.truncated;
    page.has_more = found.has_more;
    room_actions actions;
    actions.push_back(to_connection(conn, std::move(page)));
    return actions;
}

room_actions room::mark_read(connection_id conn, seq_t seq) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        return not_joined(conn);
    }
    const std::string& user_id = it->second.id;
    seq_t& marker = read_markers_[user_id];
    const seq_t target = std::min(seq, latest_seq());
    if (target <= marker) {
        return {};
    }
    marker = target;
    room_actions actions;
    actions.push_back(to_user(user_id, read_marker_frame{id_, marker}, conn));
    return actions;
}

bool room::is_member(connection_id conn) const { return connections_.count(conn) > 0; }

std::vector<user_info> room::members() const {
    std::map<std::string_view, const user_info*> by_id;
    for (const auto& entry : connections_) {
        by_id.try_emplace(entry.second.id, &entry.second);
    }
    std::vector<user_info> users;
    users.reserve(by_id.size());
    for (const auto& entry : by_id) {
        users.push_back(*entry.second);
    }
    return users;
}

std::vector<connection_id> room::member_connections() const {
    std::vector<connection_id> conns;
    conns.reserve(connections_.size());
    for (const auto& entry : connections_) {
        conns.push_back(entry.first);
    }
    return conns;
}

room_actions room::not_joined(connection_id conn) const {
    room_actions actions;
    actions.push_back(to_connection(
        conn, error_frame{errc::not_joined, "this connection has not joined room " + id_, id_}));
    return actions;
}

}  // namespace roomchat
