#pragma once
// A token bucket in integer milli-tokens. The relay keeps one per user and
// room (and others per key in rate_table.hpp); the client keeps a copy with
// the relay's settings (from welcome) so it can warn before sending instead of
// collecting nacks.

#include <cstdint>

#include "roomchat/protocol.hpp"

namespace roomchat {

// Refill is exact: time not yet worth a whole milli-token is kept as a
// remainder, so 1000 calls one millisecond apart refill as much as one call
// 1000 ms later, for any refill interval.
class rate_limiter {
public:
    // Starts full (burst tokens). A burst or interval of 0 is taken as 1, so
    // a bad config from the wire can neither block forever nor divide by 0;
    // burst is capped at max_burst so the arithmetic stays in 64 bits.
    static constexpr std::uint32_t max_burst = 1'000'000;
    explicit rate_limiter(rate_limit_config config = {}, millis now = 0);

    // Takes one token if available. Returns 0 when allowed, otherwise the
    // milliseconds until a token will be available (nothing is taken; never 0).
    // A `now` earlier than a previous call (clock skew) refills nothing and
    // becomes the new reference point, so refills resume from there instead of
    // waiting for the clock to catch up with the old reading.
    std::uint32_t try_acquire(millis now);

    // Milliseconds until try_acquire would succeed; 0 if it would now.
    std::uint32_t wait_ms(millis now) const;

    // Whether the bucket holds its whole burst at `now`: then it behaves
    // exactly like a new one.
    bool full(millis now) const;

    const rate_limit_config& config() const noexcept { return config_; }

private:
    void refill(millis now);
    // Milliseconds of refill until the bucket holds `target` milli-tokens.
    std::uint64_t ms_until(std::int64_t target) const;

    rate_limit_config config_;
    std::int64_t milli_tokens_;  // 1000 per token, at most burst * 1000
    std::int64_t carry_ = 0;     // remainder of elapsed ms * 1000 / interval, < interval
    millis last_;
};

}  // namespace roomchat
