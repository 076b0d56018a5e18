#include "roomchat/room_log.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

namespace roomchat {
namespace {

// Read markers are pruned when their number has doubled since the last time.
constexpr std::size_t min_markers_before_pruning = 64;

}  // namespace

room_log::room_log(std::string room_id, std::string epoch, const room_config& config, rate_table* user_sends)
    : room_id_(std::move(room_id)),
      epoch_(std::move(epoch)),
      page_size_(config.page_size),
      max_page_size_(config.max_page_size),
      history_(config.history),
      dedupe_(std::max(config.dedupe_capacity, config.history.max_messages)),
      limiters_(config.rate),
      user_sends_(user_sends),
      max_mutes_(std::max<std::size_t>(config.max_mutes, 1)) {}

send_decision room_log::accept(const send_attempt& attempt) {
    send_decision decision;
    const auto refuse = [&](errc code, std::optional<std::uint32_t> retry_after_ms = std::nullopt) {
        decision.outcome.nack = nack_frame{room_id_, attempt.id, code, retry_after_ms};
        return decision;
    };
    const user_info& user = attempt.user;
    const millis now = attempt.now;

    if (const accepted_send* earlier = dedupe_.find(attempt.id)) {
        if (earlier->user_id != user.id) {
            return refuse(errc::id_conflict);
        }
        decision.outcome.ack = ack_frame{room_id_, epoch_, attempt.id, earlier->seq, earlier->ts};
        decision.outcome.duplicate = true;
        return decision;
    }
    if (!attempt.text) {
        return refuse(attempt.text.error());
    }
    const std::optional<seq_t> target_seq = attempt.removes    ? attempt.removes
                                            : attempt.reaction ? std::optional<seq_t>(attempt.reaction->to)
                                                               : std::nullopt;
    if (target_seq) {
        const chat_message* target = history_.find(*target_seq);
        if (target == nullptr || !is_message(*target) || target->removed) {
            return refuse(errc::no_such_message);
        }
        if (attempt.removes && target->from.id != user.id && !attempt.moderator) {
            return refuse(errc::not_moderator);
        }
    }
    // The host's backend speaks for every room at once (20 guests arriving are
    // 20 notices): a person's limits would silence it. It holds the secret, and
    // the history cap bounds what it stores either way.
    if (!attempt.system) {
        if (const auto until = attempt.removes ? std::nullopt : muted_until(user.id, now)) {
            return refuse(errc::muted, static_cast<std::uint32_t>(std::min<millis>(
                                           *until - now, std::numeric_limits<std::uint32_t>::max())));
        }
        const std::uint32_t wait =
            std::max({limiters_.wait_ms(user.id, now), user_sends_ ? user_sends_->wait_ms(user.id, now) : 0,
                      attempt.held_wait_ms});
        if (wait > 0) {
            return refuse(errc::rate_limited, wait);
        }
        static_cast<void>(limiters_.try_acquire(user.id, now));
        if (user_sends_) {
            static_cast<void>(user_sends_->try_acquire(user.id, now));
        }
    }

    chat_message message{next_seq_++,    attempt.id,      user,  *attempt.text,   now, attempt.media_ms,
                         attempt.system, attempt.removes, false, attempt.reaction};
    dedupe_.remember(attempt.id, accepted_send{user.id, message.seq, message.ts});
    decision.outcome.ack = ack_frame{room_id_, epoch_, attempt.id, message.seq, message.ts};
    if (message.removes) {
        history_.remove(*message.removes);
    }
    history_.react(message);
    history_.append(message);
    decision.message = std::move(message);
    return decision;
}

log_view room_log::view(const std::string& user_id, const join_frame& request) const {
    log_view view;
    view.epoch = epoch_;
    view.latest_seq = latest_seq();
    const auto marker = read_markers_.find(user_id);
    view.read_seq = marker == read_markers_.end() ? 0 : marker->second;
    if (const auto mute = mutes_.find(user_id); mute != mutes_.end()) {
        view.muted_until = mute->second;
    }
    if (!request.since) {
        view.history = page(history_mode::latest, history_.latest(page_size_));
    } else if (request.epoch ? *request.epoch == epoch_ : *request.since <= latest_seq()) {
        view.history = page(history_mode::after, history_.after(*request.since, page_size_));
    } else {
        // The position counts in a sequence this log does not hold.
        view.history = page(history_mode::after, history_.latest(page_size_));
        view.history.truncated = true;
    }
    return view;
}

history_frame room_log::query(std::optional<seq_t> before, std::optional<seq_t> after,
                              std::uint32_t limit) const {
    const std::size_t capped = std::min<std::size_t>(limit, max_page_size_);
    if (before) {
        return page(history_mode::before, history_.before(*before, capped));
    }
    if (after) {
        return page(history_mode::after, history_.after(*after, capped));
    }
    return page(history_mode::latest, history_.latest(capped));
}

std::optional<seq_t> room_log::mark_read(const std::string& user_id, seq_t seq) {
    const seq_t target = std::min(seq, latest_seq());
    const auto marker = read_markers_.find(user_id);
    if (target <= (marker == read_markers_.end() ? 0 : marker->second)) {
        return std::nullopt;
    }
    if (marker == read_markers_.end()) {
        forget_stale_markers();
        read_markers_.emplace(user_id, target);
    } else {
        marker->second = target;
    }
    return target;
}

void room_log::mute(const std::string& user_id, millis until, millis now) {
    for (auto it = mutes_.begin(); it != mutes_.end();) {
        it = it->second <= now ? mutes_.erase(it) : std::next(it);
    }
    if (until <= now) {
        mutes_.erase(user_id);
        return;
    }
    if (mutes_.count(user_id) == 0 && mutes_.size() >= max_mutes_) {
        mutes_.erase(std::min_element(mutes_.begin(), mutes_.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; }));
    }
    mutes_[user_id] = until;
}

std::optional<millis> room_log::muted_until(const std::string& user_id, millis now) const {
    const auto it = mutes_.find(user_id);
    if (it == mutes_.end() || it->second <= now) {
        return std::nullopt;
    }
    return it->second;
}

// A marker older than every held message means what no marker means: all of
// them are unread. Such markers (users long gone) are dropped, so the map
// holds only users whose marker still points into the history.
void room_log::forget_stale_markers() {
    if (read_markers_.size() < std::max(min_markers_before_pruning, 2 * markers_pruned_at_)) {
        return;
    }
    const seq_t oldest = history_.first_seq();
    for (auto it = read_markers_.begin(); it != read_markers_.end();) {
        it = it->second < oldest ? read_markers_.erase(it) : std::next(it);
    }
    markers_pruned_at_ = read_markers_.size();
}

history_frame room_log::page(history_mode mode, history_page found) const {
    return page_frame(room_id_, epoch_, mode, std::move(found));
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

}  // namespace roomchat
