#include "roomchat/rate_table.hpp"

#include <algorithm>
#include <iterator>

namespace roomchat {

rate_table::rate_table(rate_limit_config config) : config_(config) {}

std::uint32_t rate_table::wait_ms(const std::string& key, millis now) const {
    const auto it = buckets_.find(key);
    return it == buckets_.end() ? 0 : it->second.wait_ms(now);
}

std::uint32_t rate_table::try_acquire(const std::string& key, millis now) {
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= sweep_at_) {
            sweep(now);
        }
        it = buckets_.emplace(key, rate_limiter(config_, now)).first;
    }
    return it->second.try_acquire(now);
}

void rate_table::sweep(millis now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        it = it->second.full(now) ? buckets_.erase(it) : std::next(it);
    }
    sweep_at_ = std::max(min_sweep_size, 2 * buckets_.size());
}

}  // namespace roomchat
