#include "roomchat/backoff.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace roomchat {

millis backoff_delay(const backoff_policy& policy, std::uint32_t attempt, const random_source& random) {
    const millis cap = std::max<millis>(policy.max_ms, 0);
    millis delay = std::clamp<millis>(policy.initial_ms, 0, cap);
    // Multiplying step by step stops at the cap, so a large attempt number
    // cannot overflow.
    for (std::uint32_t i = 0; i < attempt && delay < cap && policy.multiplier > 1; ++i) {
        const auto multiplier = static_cast<millis>(policy.multiplier);
        delay = delay > cap / multiplier ? cap : delay * multiplier;
    }

    const millis jitter_percent = std::min<millis>(policy.jitter_percent, 100);
    const millis lowest = delay * (100 - jitter_percent) / 100;
    std::array<std::uint8_t, 2> bytes{};
    random(bytes.data(), bytes.size());
    const millis draw = (static_cast<millis>(bytes[0]) << 8) | bytes[1];
    return lowest + (delay - lowest) * draw / 0xFFFF;
}

}  // namespace roomchat
