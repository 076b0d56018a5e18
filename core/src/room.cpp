#include "roomchat/room.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

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

// Read markers are pruned when their number has doubled since the last time.
constexpr std::size_t min_markers_before_pruning = 64;

}  // namespace

room::room(std::string id, std::string epoch, room_config config, rate_table* user_sends)
    : id_(std::move(id)),
      epoch_(std::move(epoch)),
      config_(config),
      history_(config.history),
      dedupe_(std::max(config.dedupe_capacity, config.history.max_messages)),
      limiters_(config.rate),
      user_sends_(user_sends) {}

room_actions room::join(connection_id conn, const user_info& user, const join_frame& request, millis now) {
    const auto [it, inserted] = connections_.try_emplace(conn, user);
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
    joined.epoch = epoch_;
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
    const auto marker = read_markers_.find(member.id);
    joined.read_seq = marker == read_markers_.end() ? 0 : marker->second;
    joined.latest_seq = latest_seq();

    history_frame answer;
    if (!request.since) {
        answer = page(history_mode::latest, history_.latest(config_.page_size));
    } else if (request.epoch ? *request.epoch == epoch_ : *request.since <= latest_seq()) {
        answer = page(history_mode::after, history_.after(*request.since, config_.page_size));
    } else {
        // The position counts in a sequence this room does not hold.
        answer = page(history_mode::after, history_.latest(config_.page_size));
        answer.truncated = true;
    }

    room_actions actions;
    actions.push_back(to_connection(conn, std::move(joined)));
    actions.push_back(to_connection(conn, std::move(answer)));
    return actions;
}

void room::leave(connection_id conn, millis now) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        return;
    }
    const std::string user_id = it->second.id;
    connections_.erase(it);
    held_.erase(conn);
    const auto present = users_.find(user_id);
    if (--present->second.connections == 0) {
        users_.erase(present);
        presence_changed(user_id, now);
    }
}

void room::presence_changed(const std::string& user_id, millis now) {
    presence_dirty_.insert(user_id);
    if (!presence_due_) {
        presence_due_ = now + config_.presence_delay_ms;
    }
}

room_actions room::on_timer(millis now) {
    room_actions actions;
    if (!presence_due_ || now < *presence_due_) {
        return actions;
    }
    auto it = presence_dirty_.begin();
    for (std::uint32_t done = 0; it != presence_dirty_.end() && done < config_.max_presence_per_flush;
         it = presence_dirty_.erase(it), ++done) {
        const auto present = users_.find(*it);
        const auto announced = announced_.find(*it);
        if (present != users_.end() && announced == announced_.end()) {
            announced_.emplace(*it, present->second.user);
            const auto count = static_cast<std::uint32_t>(announced_.size());
            actions.push_back(
                to_members(presence_frame{id_, presence_event::join, present->second.user, count}));
        } else if (present == users_.end() && announced != announced_.end()) {
            const user_info user = announced->second;
            announced_.erase(announced);
            const auto count = static_cast<std::uint32_t>(announced_.size());
            actions.push_back(to_members(presence_frame{id_, presence_event::leave, user, count}));
        }
    }
    presence_due_.reset();
    if (!presence_dirty_.empty()) {
        presence_due_ = now + config_.presence_slice_interval_ms;
    }
    return actions;
}

send_outcome room::decide(const user_info& user, const message_id& id, std::string_view text,
                          std::optional<millis> media_ms, bool system, millis now,
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
        outcome.ack = ack_frame{id_, epoch_, id, earlier->seq, earlier->ts};
        outcome.duplicate = true;
        return outcome;
    }
    result<std::string> normalized = normalize_text(text, config_.text);
    if (!normalized) {
        return refuse(normalized.error());
    }
    // The host's backend speaks for every room at once (20 guests arriving are
    // 20 notices): a person's limits would silence it. It holds the secret, and
    // the history cap bounds what it stores either way.
    if (!system) {
        std::uint32_t wait =
            std::max(limiters_.wait_ms(user.id, now), user_sends_ ? user_sends_->wait_ms(user.id, now) : 0);
        if (sender) {
            wait = std::max(wait, wait_behind_held(*sender, now));
        }
        if (wait > 0) {
            if (sender) {
                held_.try_emplace(*sender, held_send{id, now + wait});  // the first refused stays the one
            }
            return refuse(errc::rate_limited, wait);
        }
        static_cast<void>(limiters_.try_acquire(user.id, now));
        if (user_sends_) {
            static_cast<void>(user_sends_->try_acquire(user.id, now));
        }
    }

    chat_message message{next_seq_++, id, user, std::move(normalized).value(), now, media_ms, system};
    dedupe_.remember(id, accepted_send{user.id, message.seq, message.ts});
    // Accepted by another path (the user's other tab, an HTTP POST): nothing
    // waits for it any more.
    for (auto held = held_.begin(); held != held_.end();) {
        held = held->second.id == id ? held_.erase(held) : std::next(held);
    }
    outcome.ack = ack_frame{id_, epoch_, id, message.seq, message.ts};
    history_.append(message);
    actions.push_back(to_members(message_frame{id_, std::move(message)}, sender));
    return outcome;
}

send_result room::send(connection_id conn, const message_id& id, std::string_view text, millis now,
                       std::optional<millis> media_ms) {
    send_result result;
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        result.actions = not_joined(conn);
        return result;
    }
    if (const auto held = held_.find(conn); held != held_.end() && held->second.id == id) {
        held_.erase(held);  // it came again: decided like any other now
    }
    room_actions broadcast;
    result.outcome = decide(it->second, id, text, media_ms, false, now, conn, broadcast);
    const send_outcome& outcome = result.outcome;
    result.actions.push_back(
        to_connection(conn, outcome.ack ? server_frame{*outcome.ack} : server_frame{*outcome.nack}));
    std::move(broadcast.begin(), broadcast.end(), std::back_inserter(result.actions));
    return result;
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

send_result room::send_as(const user_info& user, const message_id& id, std::string_view text, millis now,
                          std::optional<millis> media_ms, bool system) {
    send_result result;
    result.outcome = decide(user, id, text, media_ms, system, now, std::nullopt, result.actions);
    return result;
}

history_frame page_frame(std::string room_id, std::optional<std::string> epoch, history_mode mode,
                         history_page found) {
    history_frame frame;
    frame.room = std::move(room_id);
    frame.epoch = std::move(epoch);
    frame.mode = mode;
    frame.messages = std::move(found.messages);
    frame.truncated = found.truncated;
    frame.has_more = found.has_more;
    return frame;
}

history_mode page_mode(std::optional<seq_t> before, std::optional<seq_t> after) noexcept {
    return before ? history_mode::before : after ? history_mode::after : history_mode::latest;
}

history_frame room::query(std::optional<seq_t> before, std::optional<seq_t> after,
                          std::uint32_t limit) const {
    const std::size_t capped = std::min(limit, config_.max_page_size);
    if (before) {
        return page(history_mode::before, history_.before(*before, capped));
    }
    if (after) {
        return page(history_mode::after, history_.after(*after, capped));
    }
    return page(history_mode::latest, history_.latest(capped));
}

room_actions room::history(connection_id conn, const history_request_frame& request) const {
    if (!is_member(conn)) {
        return not_joined(conn);
    }
    return only(to_connection(conn, query(request.before, request.after, request.limit)));
}

room_actions room::mark_read(connection_id conn, seq_t seq) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) {
        return not_joined(conn);
    }
    const std::string& user_id = it->second.id;
    const seq_t target = std::min(seq, latest_seq());
    const auto marker = read_markers_.find(user_id);
    if (target <= (marker == read_markers_.end() ? 0 : marker->second)) {
        return {};
    }
    if (marker == read_markers_.end()) {
        forget_stale_markers();
        read_markers_.emplace(user_id, target);
    } else {
        marker->second = target;
    }
    return only(to_members(read_marker_frame{id_, target}, conn, &user_id));
}

// A marker older than every held message means what no marker means: all of
// them are unread. Such markers (users long gone) are dropped, so the map
// holds only users whose marker still points into the history.
void room::forget_stale_markers() {
    if (read_markers_.size() < std::max(min_markers_before_pruning, 2 * markers_pruned_at_)) {
        return;
    }
    const seq_t oldest = history_.first_seq();
    for (auto it = read_markers_.begin(); it != read_markers_.end();) {
        it = it->second < oldest ? read_markers_.erase(it) : std::next(it);
    }
    markers_pruned_at_ = read_markers_.size();
}

bool room::is_member(connection_id conn) const { return connections_.count(conn) > 0; }

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

room_actions room::not_joined(connection_id conn) const {
    return only(to_connection(conn, not_joined_error(id_)));
}

room_action room::to_members(server_frame frame, std::optional<connection_id> except,
                             const std::string* user_id) const {
    room_action action{std::move(frame), {}};
    action.to.reserve(connections_.size());
    for (const auto& [conn, user] : connections_) {
        if (conn != except && (user_id == nullptr || user.id == *user_id)) {
            action.to.push_back(conn);
        }
    }
    return action;
}

error_frame not_joined_error(const std::string& room_id) {
    return error_frame{errc::not_joined, "join room " + room_id + " first", room_id};
}

}  // namespace roomchat
