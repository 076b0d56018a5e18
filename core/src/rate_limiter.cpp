#include "roomchat/rate_limiter.hpp"

#include <algorithm>

namespace roomchat {
namespace {

constexpr std::int64_t milli_per_token = 1000;

rate_limit_config sanitized(rate_limit_config config) {
    config.burst = std::clamp<std::uint32_t>(config.burst, 1, rate_limiter::max_burst);
    config.refill_interval_ms = std::max<std::uint32_t>(config.refill_interval_ms, 1);
    return config;
}

}  // namespace

rate_limiter::rate_limiter(rate_limit_config config, millis now)
    : config_(sanitized(config)),
      milli_tokens_(static_cast<std::int64_t>(config_.burst) * milli_per_token),
      last_(now) {}

std::uint64_t rate_limiter::ms_until(std::int64_t target) const {
    if (milli_tokens_ >= target) {
        return 0;
    }
    // One interval of elapsed ms buys 1000 milli-tokens, i.e. each milli-token
    // costs interval / 1000 ms; carry_ is progress already made. At most
    // max_burst * 1000 * 2^32, which fits in 64 bits.
    const auto needed = static_cast<std::uint64_t>(target - milli_tokens_) *
                            static_cast<std::uint64_t>(config_.refill_interval_ms) -
                        static_cast<std::uint64_t>(carry_);
    return (needed + milli_per_token - 1) / milli_per_token;
}

void rate_limiter::refill(millis now) {
    if (now <= last_) {
        last_ = now;
        return;
    }
    // Unsigned difference: exact for any now > last_, even across the whole
    // int64 range where a signed subtraction would overflow.
    const std::uint64_t elapsed = static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(last_);
    last_ = now;

    const auto capacity = static_cast<std::int64_t>(config_.burst) * milli_per_token;
    if (elapsed >= ms_until(capacity)) {
        milli_tokens_ = capacity;
        carry_ = 0;
        return;
    }
    // Below the time to fill, elapsed * 1000 stays far from overflow.
    const auto interval = static_cast<std::uint64_t>(config_.refill_interval_ms);
    const std::uint64_t gain = elapsed * milli_per_token + static_cast<std::uint64_t>(carry_);
    milli_tokens_ += static_cast<std::int64_t>(gain / interval);
    carry_ = static_cast<std::int64_t>(gain % interval);
}

std::uint32_t rate_limiter::try_acquire(millis now) {
    refill(now);
    const std::uint64_t wait = ms_until(milli_per_token);
    if (wait == 0) {
        milli_tokens_ -= milli_per_token;
    }
    // One token never takes longer than one interval, a uint32.
    return static_cast<std::uint32_t>(wait);
}

std::uint32_t rate_limiter::wait_ms(millis now) const {
    rate_limiter probe = *this;
    probe.refill(now);
    return static_cast<std::uint32_t>(probe.ms_until(milli_per_token));
}

bool rate_limiter::full(millis now) const {
    rate_limiter probe = *this;
    probe.refill(now);
    return probe.milli_tokens_ == static_cast<std::int64_t>(config_.burst) * milli_per_token;
}

}  // namespace roomchat
