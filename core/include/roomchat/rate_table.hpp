#pragma once
// Token buckets by key (a user id, an IP address), for limits that apply per
// key rather than per object: a user's sends across rooms, a user's requests,
// an address before it authenticates. A bucket is created full on first use;
// one that has refilled to full is the same as a new one, so it is forgotten.
// The table therefore holds only the keys that spent tokens lately, however
// many keys come and go.

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "roomchat/rate_limiter.hpp"

namespace roomchat {

class rate_table {
public:
    explicit rate_table(rate_limit_config config);

    // Milliseconds until `key` may spend a token; 0 when it may now.
    std::uint32_t wait_ms(const std::string& key, millis now) const;
    // Takes one token: 0, or (nothing taken) the wait as wait_ms says.
    std::uint32_t try_acquire(const std::string& key, millis now);

    // Buckets held: keys that are not full again yet (and, until the next
    // sweep, some that are).
    std::size_t size() const noexcept { return buckets_.size(); }
    const rate_limit_config& config() const noexcept { return config_; }

private:
    // Forgets full buckets; run when the table has doubled since the last
    // sweep, so the cost per call stays constant.
    void sweep(millis now);

    rate_limit_config config_;
    std::unordered_map<std::string, rate_limiter> buckets_;
    std::size_t sweep_at_ = min_sweep_size;
    static constexpr std::size_t min_sweep_size = 64;
};

}  // namespace roomchat
