#pragma once
// Latency samples of one kind (delivery, ack, join) and their quantiles.
// Every sample is kept, in whole microseconds: a run holds a few million at
// most, and exact nearest-rank quantiles need no bucket-width caveat.

#include <chrono>
#include <cstdint>
#include <vector>

namespace roomchat::load {

struct latency_summary {
    std::size_t count = 0;
    double p50_ms = 0;
    double p95_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
};

class latency_recorder {
public:
    // A negative duration (a stamp from the future: a bug) counts as 0.
    void add(std::chrono::nanoseconds latency);
    std::size_t count() const { return samples_us_.size(); }
    // Sorts the samples it holds (so it is not const).
    latency_summary summary();

private:
    std::vector<std::uint32_t> samples_us_;
};

}  // namespace roomchat::load
