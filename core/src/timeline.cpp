#include "roomchat/timeline.hpp"

#include <algorithm>
#include <utility>

#include "roomchat/history.hpp"

namespace roomchat::detail {

insert_outcome timeline::insert(const chat_message& message) {
    changed_.clear();
    if (message.seq == 0 || holds(message.seq) || ids_.count(message.id) != 0) {
        return insert_outcome::duplicate;
    }
    note_seq(message.seq);
    if (!based_) {
        return held_back_.emplace(message.seq, message).second ? insert_outcome::held_back
                                                               : insert_outcome::duplicate;
    }
    if (is_message(message)) {
        const bool removed = removed_targets_.count(message.seq) != 0 && !message.removed;
        chat_message& held =
            messages_.emplace(message.seq, removed ? tombstone(message) : message).first->second;
        ids_.insert(message.id);
        if (const auto waiting = unmatched_.find(message.seq); waiting != unmatched_.end()) {
            for (const chat_message& entry : waiting->second) {
                if (!held.removed) apply_reaction(held, entry);
            }
            unmatched_.erase(waiting);
        }
    } else {
        entries_.insert(message.seq);
        if (message.removes) {
            removed_targets_.insert(*message.removes);
            const auto target = messages_.find(*message.removes);
            if (target != messages_.end() && !target->second.removed) {
                target->second = tombstone(std::move(target->second));
                note_changed(target->first);
            }
        } else {
            unreached_.emplace(message.seq, message);
        }
    }
    extend_contiguous();
    while (block_start_ > 1 && holds(block_start_ - 1)) {
        --block_start_;
    }
    apply_reached_reactions();
    return is_message(message) ? insert_outcome::shown : insert_outcome::entry;
}

void timeline::apply_reached_reactions() {
    while (!unreached_.empty() && unreached_.begin()->first <= contiguous_) {
        apply_reaction_entry(unreached_.begin()->second);
        unreached_.erase(unreached_.begin());
    }
}

void timeline::apply_reaction_entry(const chat_message& entry) {
    const seq_t to = entry.reaction->to;
    const auto target = messages_.find(to);
    if (target == messages_.end()) {
        unmatched_[to].push_back(entry);
    } else if (!target->second.removed && apply_reaction(target->second, entry)) {
        note_changed(to);
    }
}

// A few seqs at most, kept ascending and once each as they come: no sort.
void timeline::note_changed(seq_t seq) {
    const auto at = std::lower_bound(changed_.begin(), changed_.end(), seq);
    if (at == changed_.end() || *at != seq) {
        changed_.insert(at, seq);
    }
}

std::vector<chat_message> timeline::set_base(seq_t contiguous) {
    based_ = true;
    contiguous_ = contiguous;
    block_start_ = contiguous + 1;
    std::vector<chat_message> held;
    held.reserve(held_back_.size());
    for (auto& [seq, message] : held_back_) {
        held.push_back(std::move(message));
    }
    held_back_.clear();
    return held;
}

void timeline::reset() {
    changed_.clear();
    entries_.clear();
    removed_targets_.clear();
    unreached_.clear();
    unmatched_.clear();
    messages_.clear();
    ids_.clear();
    held_back_.clear();
    based_ = false;
    block_start_ = 1;
    contiguous_ = 0;
}

void timeline::extend_contiguous() {
    while (holds(contiguous_ + 1)) {
        ++contiguous_;
    }
}

void timeline::note_seq(seq_t seq) { newest_known_ = std::max(newest_known_, seq); }

std::vector<chat_message> timeline::trim(std::size_t max) {
    std::vector<chat_message> trimmed;
    while (messages_.size() > max) {
        auto oldest = messages_.begin();
        ids_.erase(oldest->second.id);
        trimmed.push_back(std::move(oldest->second));
        messages_.erase(oldest);
    }
    if (trimmed.empty()) {
        return trimmed;
    }
    changed_.clear();
    const seq_t first = messages_.empty() ? trimmed.back().seq + 1 : messages_.begin()->first;
    // What is older than every message kept goes with them: a page that
    // brings such a message back brings it as the relay holds it now.
    entries_.erase(entries_.begin(), entries_.lower_bound(first));
    removed_targets_.erase(removed_targets_.begin(), removed_targets_.lower_bound(first));
    unmatched_.erase(unmatched_.begin(), unmatched_.lower_bound(first));
    if (first > block_start_) {
        block_start_ = first;
        contiguous_ = std::max(contiguous_, first - 1);
        extend_contiguous();
        apply_reached_reactions();
    }
    return trimmed;
}

std::optional<message_id> timeline::id_after(seq_t seq) const {
    const auto next = messages_.upper_bound(seq);
    if (next == messages_.end()) {
        return std::nullopt;
    }
    return next->second.id;
}

}  // namespace roomchat::detail
