#include <cmath>

#include "roomchat/protocol.hpp"

namespace roomchat {

std::optional<millis> checked_media_ms(std::optional<millis> media_ms) noexcept {
    if (media_ms && *media_ms >= 0 && *media_ms <= max_media_ms) {
        return media_ms;
    }
    return std::nullopt;
}

std::optional<millis> media_ms_of_seconds(double seconds) noexcept {
    // Also false for NaN, so a player with nothing loaded stamps nothing.
    if (!(seconds >= 0.0) || seconds * 1000.0 > static_cast<double>(max_media_ms)) {
        return std::nullopt;
    }
    return static_cast<millis>(std::floor(seconds * 1000.0));
}

}  // namespace roomchat
