#pragma once
// Accounts for every message of a run: whom it should reach (the other
// members of its room, as they were when it was sent), whom it reached and
// how often, and whether the sender got its ack. A message is its number in
// the run (stamp.hpp); a receiver is its room and its seat there,
// 0 .. members - 1.

#include <cstdint>
#include <vector>

namespace roomchat::load {

struct ledger_totals {
    std::uint64_t messages = 0;    // sent
    std::uint64_t acked = 0;       // with an ack
    std::uint64_t nacked = 0;      // refused (not expected anywhere)
    std::uint64_t expected = 0;    // deliveries due for accepted or unanswered messages
    std::uint64_t delivered = 0;   // distinct (message, receiver) deliveries
    std::uint64_t lost = 0;        // expected, never delivered
    std::uint64_t duplicated = 0;  // deliveries beyond the first, or to the sender
    std::uint64_t unknown = 0;     // answers and deliveries of numbers never sent, or to another room
};

class delivery_ledger {
public:
    // Records a message sent from `sender_seat` into a room of `members`
    // seats; returns its number.
    std::uint64_t add(std::uint32_t room, std::uint32_t sender_seat, std::uint32_t members);
    // True for the first delivery of the message to this receiver.
    bool delivered(std::uint64_t number, std::uint32_t room, std::uint32_t receiver_seat);
    // False when the number is unknown or was answered before.
    bool acked(std::uint64_t number);
    void nacked(std::uint64_t number);

    // Every message answered and delivered everywhere it is due.
    bool complete() const { return pending_answers_ == 0 && delivered_ == expected_; }
    ledger_totals totals() const;

private:
    enum class answer : std::uint8_t { none, ack, nack };
    struct entry {
        std::uint64_t first_seat = 0;  // index of its seat 0 in seen_
        std::uint32_t room = 0;
        std::uint32_t members = 0;
        std::uint32_t sender_seat = 0;
        answer answered = answer::none;
    };

    std::vector<entry> entries_;
    std::vector<std::uint8_t> seen_;  // deliveries per (message, seat), saturating
    std::uint64_t expected_ = 0;
    std::uint64_t delivered_ = 0;
    std::uint64_t duplicated_ = 0;
    std::uint64_t unknown_ = 0;
    std::uint64_t pending_answers_ = 0;
};

}  // namespace roomchat::load
