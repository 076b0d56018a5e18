#pragma once
// What each generated message carries so that a receiver can account for it
// without a lookup: its number in the run, in the message id, and its send
// time (steady clock of this process), at the start of the text.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "roomchat/ids.hpp"

namespace roomchat::load {

using clock = std::chrono::steady_clock;

// Ids of one run share their first 8 bytes (drawn from the seed), so messages
// of another run or another tool are told apart; the last 8 are the number.
class message_numbering {
public:
    explicit message_numbering(std::uint64_t seed);
    message_id id_of(std::uint64_t number) const;
    // The number of a canonical id text of this run; nullopt for any other id.
    std::optional<std::uint64_t> number_of(std::string_view id_text) const;

private:
    std::string prefix_;  // 16 hex digits
};

// "<send time in ns> " padded with letters to `bytes` (at least the stamp's length).
std::string stamped_text(clock::time_point sent, std::size_t bytes);
// The send time at the start of a text; nullopt when it holds none.
std::optional<clock::time_point> stamp_of(std::string_view text);

}  // namespace roomchat::load
