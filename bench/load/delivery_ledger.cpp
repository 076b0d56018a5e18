#include "delivery_ledger.hpp"

namespace roomchat::load {

std::uint64_t delivery_ledger::add(std::uint32_t room, std::uint32_t sender_seat, std::uint32_t members) {
    const std::uint64_t number = entries_.size();
    entries_.push_back(entry{seen_.size(), room, members, sender_seat, answer::none});
    seen_.resize(seen_.size() + members, 0);
    // The sender's own connection gets the ack instead: a copy to it counts
    // as a duplicate.
    seen_[entries_.back().first_seat + sender_seat] = 1;
    expected_ += members - 1;
    ++pending_answers_;
    return number;
}

bool delivery_ledger::delivered(std::uint64_t number, std::uint32_t room, std::uint32_t receiver_seat) {
    if (number >= entries_.size() || entries_[number].room != room ||
        receiver_seat >= entries_[number].members || entries_[number].answered == answer::nack) {
        ++unknown_;
        return false;
    }
    auto& seen = seen_[entries_[number].first_seat + receiver_seat];
    const bool first = seen == 0;
    ++(first ? delivered_ : duplicated_);
    if (seen < 255) ++seen;
    return first;
}

bool delivery_ledger::acked(std::uint64_t number) {
    if (number >= entries_.size() || entries_[number].answered != answer::none) {
        ++unknown_;
        return false;
    }
    entries_[number].answered = answer::ack;
    --pending_answers_;
    return true;
}

void delivery_ledger::nacked(std::uint64_t number) {
    if (number >= entries_.size() || entries_[number].answered != answer::none) {
        ++unknown_;
        return;
    }
    entry& e = entries_[number];
    e.answered = answer::nack;
    --pending_answers_;
    // A refused message is due nowhere; anything it already reached stays counted.
    for (std::uint32_t seat = 0; seat < e.members; ++seat) {
        if (seat != e.sender_seat && seen_[e.first_seat + seat] == 0) --expected_;
    }
}

ledger_totals delivery_ledger::totals() const {
    ledger_totals t;
    t.messages = entries_.size();
    for (const entry& e : entries_) {
        t.acked += e.answered == answer::ack ? 1 : 0;
        t.nacked += e.answered == answer::nack ? 1 : 0;
    }
    t.expected = expected_;
    t.delivered = delivered_;
    t.lost = expected_ - delivered_;
    t.duplicated = duplicated_;
    t.unknown = unknown_;
    return t;
}

}  // namespace roomchat::load
