#include "latency_recorder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace roomchat::load {

void latency_recorder::add(std::chrono::nanoseconds latency) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
    samples_us_.push_back(static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(us, 0, std::numeric_limits<std::uint32_t>::max())));
}

latency_summary latency_recorder::summary() {
    latency_summary s;
    s.count = samples_us_.size();
    if (samples_us_.empty()) return s;
    std::sort(samples_us_.begin(), samples_us_.end());
    // Nearest rank: the smallest sample with at least q of all at or below it.
    const auto at = [this](double q) {
        const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples_us_.size())));
        return static_cast<double>(samples_us_[std::clamp<std::size_t>(rank, 1, samples_us_.size()) - 1]) /
               1000.0;
    };
    s.p50_ms = at(0.50);
    s.p95_ms = at(0.95);
    s.p99_ms = at(0.99);
    s.max_ms = static_cast<double>(samples_us_.back()) / 1000.0;
    return s;
}

}  // namespace roomchat::load
