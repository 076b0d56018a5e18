#include "roomchat/room.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

#include "roomchat/typing.hpp"

namespace roomchat {
namespace {

room_action to_connection(connection_id conn, server_frame frame) {
    return room_action{std::move(frame), {conn}};
}

room_actions only(room_action action) {
    room_actions actions;
    actions.push_back(std::move(action));
    return actions;
}

}  // namespace

room::room(std::string id, room_config config) : id_(std::move(id)), config_(config) {}

room_actions room::join(connection_id conn, const user_info& user, log_view view, millis now,
                        bool moderator) {
    const auto [it, inserted] = connections_.try_emplace(conn, user);
    if (moderator) {
        moderators_.insert(conn);
    } else {
        moderators_.erase(conn);
    }
    const user_info& member = it->second;
    if (inserted) {
        present_user& present = users_.try_emplace(member.id, present_user{member, 0}).first->second;
        if (++present.connections == 1) {
            presence_changed(member.id, now);
        }
    }

    // The members as everyone else was last told them, plus the joiner:
    // the changes still pending reach the joiner with the next presence
    // frames, like everyone else, so its list never drifts from theirs.
    joined_frame joined;
    joined.room = id_;
    joined.epoch = std::move(view.epoch);
    joined.members.reserve(std::min<std::size_t>(announced_.size() + 1, config_.max_listed_members));
    for (const auto& entry : announced_) {
        joined.members.push_back(entry.second);
    }
    if (announced_.count(member.id) == 0) {
        const auto at = std::lower_bound(joined.members.begin(), joined.members.end(), member,
                                         [](const user_info& a, const user_info& b) { return a.id < b.id; });
        joined.members.insert(at, member);
    }
    joined.member_count = static_cast<std::uint32_t>(joined.members.size());
    if (joined.members.size() > config_.max_listed_members) {
        joined.members.resize(config_.max_listed_members);
    }
    joined.read_seq = view.read_seq;
    joined.latest_seq = view.latest_seq;
    joined.moderator = moderator;
    if (view.muted_until > now) {
        joined.muted_until = view.muted_until;
    }

    room_actions actions;
    actions.push_back(to_connection(conn, std::move(joined)));
    actions.push_back(to_connection(conn, std::move(view.history)));
    return actions;
}

room_actions room::leave(connection_id conn, millis now) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        return {};
    }
    const user_info user = it->second;
    connections_.erase(it);
    moderators_.erase(conn);
    held_.erase(conn);
    for (auto sending = sending_.begin(); sending != sending_.end();) {
        sending = sending->second == conn ? sending_.erase(sending) : std::next(sending);
    }
    const auto present = users_.find(user.id);
    const bool last = --present->second.connections == 0;
    if (last) {
        users_.erase(present);
        presence_changed(user.id, now);
    }
    room_actions actions;
    if (const auto typist = typists_.find(user.id); typist != typists_.end()) {
        typist->second.typing_on.erase(conn);
        actions = stop_typing(user, typist->second, now);
        if (last) typists_.erase(typist);
    }
    return actions;
}

room_actions room::typing(connection_id conn, bool active, millis now) {
    const user_info* user = member(conn);
    if (user == nullptr) {
        return only(to_connection(conn, not_joined_error(id_)));
    }
    typist& state = typists_[user->id];
    if (!active) {
        state.typing_on.erase(conn);
        return stop_typing(*user, state, now);
    }
    state.typing_on.insert(conn);
    // A clock that went back passes the start on rather than hold it for long.
    if (state.started_at && now >= *state.started_at && now < *state.started_at + typing_relay_interval_ms) {
        return {};
    }
    state.started_at = now;
    state.announced = true;
    return only(to_others(typist_frame{id_, *user, true}, user->id));
}

room_actions room::stop_typing(const user_info& user, typist& state, millis now) {
    if (!state.typing_on.empty() || !state.announced) {
        return {};
    }
    state.announced = false;
    if (now >= *state.started_at + typing_expiry_ms) {
        return {};  // the readers forgot the start by themselves
    }
    return only(to_others(typist_frame{id_, user, false}, user.id));
}

std::variant<millis, room_actions> room::prepare_mute(connection_id conn, std::uint32_t minutes,
                                                      millis now) const {
    if (!is_member(conn)) {
        return only(to_connection(conn, not_joined_error(id_)));
    }
    if (moderators_.count(conn) == 0) {
        return only(to_connection(
            conn, error_frame{errc::not_moderator, "only a moderator of " + id_ + " may mute", id_}));
    }
    return mute_end(minutes, now);
}

room_actions room::muted(connection_id moderator, const std::string& user_id, millis until) const {
    if (!is_member(moderator)) {
        return only(to_connection(moderator, not_joined_error(id_)));
    }
    room_action action = mute_news(user_id, until);
    if (std::find(action.to.begin(), action.to.end(), moderator) == action.to.end()) {
        action.to.insert(std::lower_bound(action.to.begin(), action.to.end(), moderator), moderator);
    }
    return only(std::move(action));
}

room_action room::mute_news(const std::string& user_id, millis until) const {
    return to_members(muted_frame{id_, user_id, until}, std::nullopt, &user_id);
}

room_action room::typing_elsewhere(const user_info& user, bool active) const {
    return to_others(typist_frame{id_, user, active}, user.id);
}

void room::presence_changed(const std::string& user_id, millis now) {
    presence_dirty_.insert(user_id);
    if (!presence_due_) {
        presence_due_ = now + config_.presence_delay_ms;
    }
}

void room::elsewhere(const user_info& user, bool present, millis now) {
    const bool changed =
        present ? elsewhere_.insert_or_assign(user.id, user).second : elsewhere_.erase(user.id) != 0;
    if (changed) presence_changed(user.id, now);
}

const user_info* room::present(const std::string& user_id) const {
    if (const auto here = users_.find(user_id); here != users_.end()) return &here->second.user;
    const auto there = elsewhere_.find(user_id);
    return there == elsewhere_.end() ? nullptr : &there->second;
}

room_actions room::on_timer(millis now) {
    room_actions actions;
    if (!presence_due_ || now < *presence_due_) {
        return actions;
    }
    auto it = presence_dirty_.begin();
    for (std::uint32_t done = 0; it != presence_dirty_.end() && done < config_.max_presence_per_flush;
         it = presence_dirty_.erase(it), ++done) {
        const user_info* user = present(*it);
        const auto announced = announced_.find(*it);
        if (user != nullptr && announced == announced_.end()) {
            announced_.emplace(*it, *user);
            const auto count = static_cast<std::uint32_t>(announced_.size());
            actions.push_back(to_members(presence_frame{id_, presence_event::join, *user, count}));
        } else if (user == nullptr && announced != announced_.end()) {
            const user_info gone = announced->second;
            announced_.erase(announced);
            const auto count = static_cast<std::uint32_t>(announced_.size());
            actions.push_back(to_members(presence_frame{id_, presence_event::leave, gone, count}));
        }
    }
    presence_due_.reset();
    if (!presence_dirty_.empty()) {
        presence_due_ = now + config_.presence_slice_interval_ms;
    }
    return actions;
}

std::variant<send_attempt, send_result> room::prepare_send(connection_id conn, const send_frame& frame,
                                                           millis now) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        send_result answered;
        answered.actions = only(to_connection(conn, not_joined_error(id_)));
        return answered;
    }
    auto prepared = prepare_send_as(it->second, frame, now, false, moderators_.count(conn) != 0);
    if (auto* refused = std::get_if<send_outcome>(&prepared)) {
        send_result answered;
        answered.actions = only(to_connection(conn, *refused->nack));
        answered.outcome = std::move(*refused);
        return answered;
    }
    auto& made = std::get<send_attempt>(prepared);
    if (const auto held = held_.find(conn); held != held_.end() && held->second.id == frame.id) {
        held_.erase(held);  // it came again: decided like any other now
    }
    made.held_wait_ms = wait_behind_held(conn, now);
    sending_[frame.id] = conn;
    return std::move(made);
}

std::variant<send_attempt, send_outcome> room::prepare_send_as(const user_info& user, const send_frame& frame,
                                                               millis now, bool system,
                                                               bool moderator) const {
    if (frame.id.is_nil()) {
        send_outcome refused;
        refused.nack = nack_frame{id_, frame.id, errc::invalid_message_id, std::nullopt};
        return refused;
    }
    send_attempt made;
    made.user = user;
    made.id = frame.id;
    // A removal or a reaction has no text of its own to judge (the codec saw it empty).
    made.text =
        is_message(frame) ? normalize_text(frame.text, config_.text) : result<std::string>(std::string());
    made.media_ms = frame.media_ms;
    made.system = system;
    made.now = now;
    made.removes = frame.removes;
    made.reaction = frame.reaction;
    made.moderator = moderator || system;
    return made;
}

room_actions room::settle(std::optional<connection_id> sender, const send_attempt& attempt,
                          const send_decision& decision) {
    const send_outcome& outcome = decision.outcome;
    if (!decision.message) {
        sending_.erase(attempt.id);  // nothing to deliver
    }
    // The first refused stays the one the later sends wait behind; a
    // connection that left meanwhile holds nothing back any more.
    if (sender && is_member(*sender) && outcome.nack && outcome.nack->code == errc::rate_limited) {
        held_.try_emplace(*sender,
                          held_send{attempt.id, attempt.now + outcome.nack->retry_after_ms.value_or(0)});
    }
    if (!sender) {
        return {};
    }
    return only(to_connection(*sender, send_reply(outcome)));
}

room_action room::deliver(const chat_message& message, std::vector<connection_id> spare) {
    // Accepted, by whatever path (the user's other tab, an HTTP POST, another
    // relay): nothing waits for it any more.
    for (auto held = held_.begin(); held != held_.end();) {
        held = held->second.id == message.id ? held_.erase(held) : std::next(held);
    }
    if (const auto typist = typists_.find(message.from.id); typist != typists_.end() && is_message(message)) {
        typist->second.typing_on.clear();
        typist->second.announced = false;
    }
    std::optional<connection_id> sender;
    if (const auto sending = sending_.find(message.id); sending != sending_.end()) {
        sender = sending->second;
        sending_.erase(sending);
    }
    return to_members(message_frame{id_, message}, sender, nullptr, std::move(spare));
}

std::uint32_t room::wait_behind_held(connection_id conn, millis now) {
    const auto held = held_.find(conn);
    if (held == held_.end()) {
        return 0;
    }
    if (now >= held->second.retry_at + config_.held_send_grace_ms) {
        held_.erase(held);
        return 0;
    }
    // The one held back takes the token of its retry time; this one needs
    // the next. (Asked back sooner, it would only be refused again.)
    return static_cast<std::uint32_t>(std::max<millis>(held->second.retry_at - now, 0) +
                                      config_.rate.refill_interval_ms);
}

room_actions room::marker_moved(connection_id conn, seq_t seq) const {
    const user_info* reader = member(conn);
    if (reader == nullptr) {
        return {};
    }
    return only(to_members(read_marker_frame{id_, seq}, conn, &reader->id));
}

const user_info* room::member(connection_id conn) const {
    const auto it = connections_.find(conn);
    return it == connections_.end() ? nullptr : &it->second;
}

std::vector<user_info> room::members() const {
    std::vector<user_info> users;
    users.reserve(users_.size());
    for (const auto& entry : users_) {
        users.push_back(entry.second.user);
    }
    std::sort(users.begin(), users.end(), [](const user_info& a, const user_info& b) { return a.id < b.id; });
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

template <class Keep>
room_action room::to_members_where(server_frame frame, Keep keep, std::vector<connection_id> spare) const {
    room_action action{std::move(frame), std::move(spare)};
    action.to.clear();
    action.to.reserve(connections_.size());
    for (const auto& [conn, user] : connections_) {
        if (keep(conn, user)) {
            action.to.push_back(conn);
        }
    }
    return action;
}

room_action room::to_members(server_frame frame, std::optional<connection_id> except,
                             const std::string* user_id, std::vector<connection_id> spare) const {
    return to_members_where(
        std::move(frame),
        [&](connection_id conn, const user_info& user) {
            return conn != except && (user_id == nullptr || user.id == *user_id);
        },
        std::move(spare));
}

room_action room::to_others(server_frame frame, const std::string& user_id) const {
    return to_members_where(std::move(frame),
                            [&](connection_id, const user_info& user) { return user.id != user_id; });
}

server_frame send_reply(const send_outcome& outcome) {
    return outcome.ack ? server_frame{*outcome.ack} : server_frame{*outcome.nack};
}

error_frame not_joined_error(const std::string& room_id) {
    return error_frame{errc::not_joined, "join room " + room_id + " first", room_id};
}

}  // namespace roomchat
