#pragma once
// A room's recent messages, capped by count and by total bytes so that memory
// per room is bounded. Oldest messages fall out first.

#include <cstddef>
#include <deque>
#include <vector>

#include "roomchat/protocol.hpp"

namespace roomchat {

struct history_limits {
    std::size_t max_messages = 1000;
    std::size_t max_bytes = 1024 * 1024;  // sum of message_bytes() of held messages
};

// Fixed charge per message: seq (8) + id (16) + ts (8) bytes of payload plus
// 32 for the bookkeeping around them, so that a flood of one-letter messages
// still counts against max_bytes roughly as it weighs in memory.
inline constexpr std::size_t message_overhead_bytes = 64;

// Bytes a message is charged against max_bytes: text, author id and name, a
// reaction's emoji, plus message_overhead_bytes. A reaction's place in the
// tally of its message is not charged again: the history holds the reaction
// entry itself for longer than that older message, so what reactions add is
// bounded by what their entries are charged.
std::size_t message_bytes(const chat_message& message) noexcept;

// The message as a history holds it once a later entry removed it: no text,
// no reactions, marked removed. What it was charged stays charged
// (history_ring), so that removing never makes room for more.
chat_message tombstone(chat_message message);

struct history_page {
    std::vector<chat_message> messages;  // ascending seq
    bool truncated = false;              // after(): `since` is older than what is held
    bool has_more = false;               // latest()/before(): older messages are held
};

class history_ring {
public:
    explicit history_ring(history_limits limits = {});

    // Appends a message whose seq is greater than every held one, then
    // evicts the oldest until both caps hold again (the newest always stays).
    void append(chat_message message);
    // The held message with this seq, or nullptr.
    const chat_message* find(seq_t seq) const;
    // Replaces the held message with this seq by its tombstone.
    void remove(seq_t seq);
    // Applies a reaction entry to the held message it names (apply_reaction).
    void react(const chat_message& entry);

    // The newest `limit` messages.
    history_page latest(std::size_t limit) const;
    // Everything after `since`, at most `limit`. When messages after `since`
    // have been evicted (since + 1 < first held seq), answers latest(limit)
    // with truncated = true.
    history_page after(seq_t since, std::size_t limit) const;
    // Up to `limit` messages immediately before `before`.
    history_page before(seq_t before, std::size_t limit) const;

    std::size_t size() const noexcept { return messages_.size(); }
    std::size_t bytes() const noexcept { return bytes_; }
    seq_t first_seq() const noexcept;  // 0 when empty
    seq_t last_seq() const noexcept;   // 0 when empty

private:
    chat_message* held(seq_t seq);

    history_limits limits_;
    std::deque<chat_message> messages_;
    std::deque<std::size_t> charges_;  // message_bytes() of each when appended
    std::size_t bytes_ = 0;
};

}  // namespace roomchat
