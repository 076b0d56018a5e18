#pragma once
// Exponential backoff with jitter, used for resending unacknowledged messages
// and for reconnecting. Jitter spreads 20 clients that lost the same relay so
// they do not all reconnect in the same millisecond.

#include <cstdint>

#include "roomchat/ids.hpp"
#include "roomchat/protocol.hpp"

namespace roomchat {

struct backoff_policy {
    millis initial_ms = 500;
    millis max_ms = 30'000;
    std::uint32_t multiplier = 2;
    // Each delay is drawn uniformly from [d * (100 - jitter_percent) / 100, d].
    std::uint32_t jitter_percent = 20;
};

// Delay before attempt number `attempt` (0 = first retry): initial * multiplier^attempt,
// capped at max, then jittered with two bytes from `random`.
millis backoff_delay(const backoff_policy& policy, std::uint32_t attempt, const random_source& random);

}  // namespace roomchat
