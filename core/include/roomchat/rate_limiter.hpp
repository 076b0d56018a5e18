#pragma once
// A token bucket in integer milli-tokens. The relay keeps one per user and
// room; the client keeps a copy with the relay's settings (from welcome) so it
// can warn before sending instead of collecting nacks.

#include <cstdint>

#include "roomchat/protocol.hpp"

namespace roomchat {

class rate_limiter {
public:
    explicit rate_limiter(rate_limit_config config = {}, millis now = 0);

    // Takes one token if available. Returns 0 when allowed, otherwise the
    // milliseconds until a token will be available (nothing is taken).
    // A `now` earlier than a previous call (clock skew) refills nothing.
    std::uint32_t try_acquire(millis now);

    // Milliseconds until try_acquire would succeed; 0 if it would now.
    std::uint32_t wait_ms(millis now) const;

    const rate_limit_config& config() const noexcept { return config_; }

private:
    void refill(millis now);
    std::int64_t tokens_at(millis now) const;

    rate_limit_config config_;
    std::int64_t milli_tokens_;
    millis last_;
};

}  // namespace roomchat
