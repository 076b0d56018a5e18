#include "roomchat/outbox_queue.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace roomchat::detail {

void outbox_queue::add(const message_id& id, std::string text, millis now, std::optional<millis> media_ms,
                       std::optional<seq_t> removes, std::optional<reaction_change> reaction) {
    outbox_entry entry;
    entry.id = id;
    entry.text = std::move(text);
    entry.media_ms = media_ms;
    entry.removes = removes;
    entry.reaction = std::move(reaction);
    entry.created_at = now;
    entry.next_attempt_at = now;
    entries_.push_back(std::move(entry));
}

const outbox_entry* outbox_queue::find(const message_id& id) const {
    const auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const outbox_entry& e) { return e.id == id; });
    return it == entries_.end() ? nullptr : &*it;
}

outbox_entry* outbox_queue::lookup(const message_id& id) {
    const auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const outbox_entry& e) { return e.id == id; });
    return it == entries_.end() ? nullptr : &*it;
}

std::optional<outbox_entry> outbox_queue::take(const message_id& id) {
    const auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const outbox_entry& e) { return e.id == id; });
    if (it == entries_.end()) {
        return std::nullopt;
    }
    outbox_entry entry = std::move(*it);
    entries_.erase(it);
    return entry;
}

std::optional<message_id> outbox_queue::first_id() const {
    const auto it = std::find_if(entries_.begin(), entries_.end(), is_row);
    if (it == entries_.end()) {
        return std::nullopt;
    }
    return it->id;
}

std::optional<message_id> outbox_queue::id_after(const message_id& id) const {
    auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const outbox_entry& e) { return e.id == id; });
    if (it == entries_.end()) {
        return std::nullopt;
    }
    it = std::find_if(std::next(it), entries_.end(), is_row);
    if (it == entries_.end()) {
        return std::nullopt;
    }
    return it->id;
}

std::vector<outbox_work> outbox_queue::due(millis now, std::uint32_t max_attempts, in_flight limit) const {
    std::vector<outbox_work> work;
    // One at a time: an entry that stays out (it is not given up now) holds
    // back every queued one, and only the first queued one may go. One given
    // up lets the next go at once, though its last attempt, unanswered for
    // the whole resend wait, could in principle still reach the relay later.
    bool queue_waits =
        limit == in_flight::one && std::any_of(entries_.begin(), entries_.end(), [&](const outbox_entry& e) {
            return e.state == delivery_state::sending &&
                   (e.next_attempt_at > now || e.attempts < max_attempts);
        });
    for (const auto& entry : entries_) {
        if (entry.state == delivery_state::sending && entry.next_attempt_at <= now) {
            work.push_back({entry.id, entry.attempts >= max_attempts});
        } else if (entry.state == delivery_state::queued && !queue_waits) {
            if (entry.next_attempt_at <= now) {
                work.push_back({entry.id, false});
                queue_waits = limit == in_flight::one;
            } else {
                queue_waits = true;
            }
        }
    }
    return work;
}

std::optional<millis> outbox_queue::next_deadline(in_flight limit) const {
    std::optional<millis> deadline;
    // One at a time: while an entry is out, its resend (or giving up) is
    // what comes next, not the queue behind it.
    bool first_queued =
        limit == in_flight::many || std::none_of(entries_.begin(), entries_.end(), [](const outbox_entry& e) {
            return e.state == delivery_state::sending;
        });
    for (const auto& entry : entries_) {
        const bool counts =
            entry.state == delivery_state::sending || (entry.state == delivery_state::queued && first_queued);
        if (entry.state == delivery_state::queued) {
            first_queued = false;
        }
        if (counts && (!deadline || entry.next_attempt_at < *deadline)) {
            deadline = entry.next_attempt_at;
        }
    }
    return deadline;
}

void outbox_queue::sent(const message_id& id, millis now, const backoff_policy& resend,
                        const random_source& random) {
    if (auto* entry = lookup(id)) {
        entry->state = delivery_state::sending;
        entry->sent_at = now;
        entry->next_attempt_at = now + backoff_delay(resend, entry->attempts, random);
        ++entry->attempts;
    }
}

void outbox_queue::defer(const message_id& id, millis until) {
    if (auto* entry = lookup(id)) {
        entry->next_attempt_at = until;
    }
}

void outbox_queue::hold(const message_id& id, millis until, bool refund_attempt) {
    if (auto* entry = lookup(id)) {
        entry->state = delivery_state::queued;
        entry->next_attempt_at = until;
        if (refund_attempt && entry->attempts > 0) {
            --entry->attempts;
        }
    }
}

void outbox_queue::fail(const message_id& id, errc reason) {
    if (auto* entry = lookup(id)) {
        entry->state = delivery_state::failed;
        entry->failure = reason;
    }
}

bool outbox_queue::retry(const message_id& id, millis now) {
    auto* entry = lookup(id);
    if (entry == nullptr || entry->state != delivery_state::failed) {
        return false;
    }
    entry->state = delivery_state::queued;
    entry->failure.reset();
    entry->attempts = 0;
    entry->next_attempt_at = now;
    return true;
}

std::vector<message_id> outbox_queue::requeue_in_flight() {
    std::vector<message_id> moved;
    for (auto& entry : entries_) {
        if (entry.state == delivery_state::sending) {
            entry.state = delivery_state::queued;
            entry.next_attempt_at = 0;
            if (entry.attempts > 0) {
                --entry.attempts;
            }
            moved.push_back(entry.id);
        }
    }
    return moved;
}

}  // namespace roomchat::detail
