#include "roomchat/history.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace roomchat {
namespace {

using const_iterator = std::deque<chat_message>::const_iterator;

// The first held message with seq > `seq`.
const_iterator first_after(const std::deque<chat_message>& messages, seq_t seq) {
    return std::upper_bound(messages.begin(), messages.end(), seq,
                            [](seq_t value, const chat_message& m) { return value < m.seq; });
}

// The first held message with seq >= `seq`.
const_iterator first_from(const std::deque<chat_message>& messages, seq_t seq) {
    return std::lower_bound(messages.begin(), messages.end(), seq,
                            [](const chat_message& m, seq_t value) { return m.seq < value; });
}

}  // namespace

std::size_t message_bytes(const chat_message& message) noexcept {
    return message.text.size() + message.from.id.size() + message.from.name.size() +
           (message.reaction ? message.reaction->emoji.size() : 0) + message_overhead_bytes;
}

chat_message tombstone(chat_message message) {
    message.text.clear();
    message.reactions.clear();
    message.reactions_seq = 0;
    message.removed = true;
    return message;
}

history_ring::history_ring(history_limits limits) : limits_(limits) {}

void history_ring::append(chat_message message) {
    assert(messages_.empty() || message.seq > messages_.back().seq);
    charges_.push_back(message_bytes(message));
    bytes_ += charges_.back();
    messages_.push_back(std::move(message));
    while (messages_.size() > 1 && (messages_.size() > limits_.max_messages || bytes_ > limits_.max_bytes)) {
        bytes_ -= charges_.front();
        charges_.pop_front();
        messages_.pop_front();
    }
}

const chat_message* history_ring::find(seq_t seq) const {
    const const_iterator it = first_from(messages_, seq);
    return it != messages_.end() && it->seq == seq ? &*it : nullptr;
}

chat_message* history_ring::held(seq_t seq) {
    const auto it = std::lower_bound(messages_.begin(), messages_.end(), seq,
                                     [](const chat_message& m, seq_t value) { return m.seq < value; });
    return it != messages_.end() && it->seq == seq ? &*it : nullptr;
}

void history_ring::remove(seq_t seq) {
    if (chat_message* message = held(seq)) {
        *message = tombstone(std::move(*message));
    }
}

void history_ring::react(const chat_message& entry) {
    if (chat_message* message = entry.reaction ? held(entry.reaction->to) : nullptr) {
        apply_reaction(*message, entry);
    }
}

history_page history_ring::latest(std::size_t limit) const {
    const std::size_t count = std::min(limit, messages_.size());
    history_page page;
    page.messages.assign(messages_.end() - static_cast<std::ptrdiff_t>(count), messages_.end());
    page.has_more = count < messages_.size();
    return page;
}

history_page history_ring::after(seq_t since, std::size_t limit) const {
    const seq_t first = first_seq();
    if (first > 0 && since < first - 1) {
        history_page page = latest(limit);
        page.truncated = true;
        return page;
    }
    const const_iterator begin = first_after(messages_, since);
    const auto available = static_cast<std::size_t>(std::distance(begin, messages_.end()));
    history_page page;
    page.messages.assign(begin, begin + static_cast<std::ptrdiff_t>(std::min(limit, available)));
    return page;
}

history_page history_ring::before(seq_t before, std::size_t limit) const {
    const const_iterator end = first_from(messages_, before);
    const auto available = static_cast<std::size_t>(std::distance(messages_.begin(), end));
    const std::size_t count = std::min(limit, available);
    history_page page;
    page.messages.assign(end - static_cast<std::ptrdiff_t>(count), end);
    page.has_more = count < available;
    return page;
}

seq_t history_ring::first_seq() const noexcept { return messages_.empty() ? 0 : messages_.front().seq; }

seq_t history_ring::last_seq() const noexcept { return messages_.empty() ? 0 : messages_.back().seq; }

}  // namespace roomchat
