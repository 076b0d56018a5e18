#include "roomchat/unread.hpp"

#include <iterator>

namespace roomchat::detail {

bool unread_tracker::advance(seq_t seq, const held_messages& held, std::string_view self_id) {
    if (seq <= read_seq_) {
        return false;
    }
    const auto passed_end = held.upper_bound(seq);
    for (auto it = held.upper_bound(read_seq_); it != passed_end; ++it) {
        if (it->second.from.id != self_id) {
            --held_count_;
        }
    }
    while (!trimmed_runs_.empty() && trimmed_runs_.begin()->first <= seq) {
        const auto run = trimmed_runs_.begin();
        const seq_t first = run->first;
        const seq_t last = run->second;
        trimmed_runs_.erase(run);
        if (last > seq) {
            trimmed_count_ -= seq - first + 1;
            trimmed_runs_.emplace(seq + 1, last);
            break;
        }
        trimmed_count_ -= last - first + 1;
    }
    read_seq_ = seq;
    if (first_ && first_->first <= seq) {
        find_first(passed_end, held, self_id);
    }
    return true;
}

void unread_tracker::inserted(const chat_message& message, std::string_view self_id) {
    if (message.seq <= read_seq_ || message.from.id == self_id) {
        return;
    }
    if (remove_trimmed(message.seq)) {
        --trimmed_count_;  // brought back by an older page: counted once, now as held
    }
    ++held_count_;
    if (!first_ || message.seq < first_->first) {
        first_.emplace(message.seq, message.id);
    }
}

void unread_tracker::trimmed(const std::vector<chat_message>& trimmed, const held_messages& held,
                             std::string_view self_id) {
    if (trimmed.empty()) {
        return;
    }
    for (const auto& message : trimmed) {
        if (message.seq > read_seq_ && message.from.id != self_id) {
            --held_count_;
            add_trimmed(message.seq);
            ++trimmed_count_;
        }
    }
    // The trimmed ones were the oldest held: the divider moves up only if it
    // stood before one of them.
    if (first_ && first_->first <= trimmed.back().seq) {
        find_first(held.upper_bound(read_seq_), held, self_id);
    }
}

void unread_tracker::forget_messages() {
    held_count_ = 0;
    first_.reset();
    trimmed_runs_.clear();
    trimmed_count_ = 0;
}

void unread_tracker::recount(const held_messages& held, std::string_view self_id) {
    held_count_ = 0;
    first_.reset();
    for (auto it = held.upper_bound(read_seq_); it != held.end(); ++it) {
        if (it->second.from.id != self_id) {
            ++held_count_;
        }
    }
    find_first(held.upper_bound(read_seq_), held, self_id);
}

// Each search starts past the previous divider (it was read or trimmed), so
// over a session every held message is looked at about once.
void unread_tracker::find_first(held_messages::const_iterator from, const held_messages& held,
                                std::string_view self_id) {
    first_.reset();
    for (auto it = from; it != held.end(); ++it) {
        if (it->second.from.id != self_id) {
            first_.emplace(it->first, it->second.id);
            return;
        }
    }
}

void unread_tracker::add_trimmed(seq_t seq) {
    auto next = trimmed_runs_.upper_bound(seq);
    seq_t last = seq;
    if (next != trimmed_runs_.end() && next->first == seq + 1) {
        last = next->second;
        next = trimmed_runs_.erase(next);
    }
    if (next != trimmed_runs_.begin()) {
        const auto previous = std::prev(next);
        if (previous->second + 1 == seq) {
            previous->second = last;
            return;
        }
    }
    trimmed_runs_.emplace_hint(next, seq, last);
}

bool unread_tracker::remove_trimmed(seq_t seq) {
    auto run = trimmed_runs_.upper_bound(seq);
    if (run == trimmed_runs_.begin()) {
        return false;
    }
    --run;
    const seq_t first = run->first;
    const seq_t last = run->second;
    if (last < seq) {
        return false;
    }
    trimmed_runs_.erase(run);
    if (first < seq) {
        trimmed_runs_.emplace(first, seq - 1);
    }
    if (seq < last) {
        trimmed_runs_.emplace(seq + 1, last);
    }
    return true;
}

unread_summary unread_tracker::summary() const {
    return unread_summary{held_count_ + trimmed_count_,
                          first_ ? std::optional<message_id>(first_->second) : std::nullopt};
}

}  // namespace roomchat::detail
