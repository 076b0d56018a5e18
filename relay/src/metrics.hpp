#pragma once
// Counters for GET /metrics in Prometheus text format. The relay runs on one
// thread, so plain integers suffice.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "room_store.hpp"

namespace roomchat::relay {

struct relay_metrics {
    std::uint64_t messages_accepted = 0;  // new messages sequenced (not dedupe hits)
    std::uint64_t deliveries = 0;         // message frames handed to member connections
    std::uint64_t acks = 0;               // ack frames/responses, duplicates included
    std::uint64_t dedupe_hits = 0;        // resends answered with the original ack
    std::uint64_t rate_limited = 0;       // sends refused by the rate limit
    std::uint64_t auth_failures = 0;      // bad, expired or missing tokens (WS and HTTP)
    std::uint64_t slow_consumer_disconnects = 0;
    std::uint64_t flood_disconnects = 0;         // connections closed for sending frames too fast
    std::uint64_t token_expiry_disconnects = 0;  // closed at the end of an expired token's grace
    std::uint64_t requests_refused = 0;          // join/leave/history/read/auth over the request rate
    std::uint64_t pings_ignored = 0;             // pings over the ping rate, left without a pong
    std::uint64_t batches = 0;                   // batch frames sent (two frames or more in one message)
    std::uint64_t batched_frames = 0;            // frames that went inside them
    std::uint64_t address_refusals = 0;          // upgrades, first auths and API calls over the address rate
    std::uint64_t store_unavailable = 0;         // requests the store could not answer (Redis down or slow)

    // Fan-out latency: encoding plus queueing one broadcast to every member.
    static constexpr std::array<double, 10> fanout_buckets{0.00001, 0.00005, 0.0001, 0.00025, 0.0005,
                                                           0.001,   0.0025,  0.005,  0.01,    0.1};
    std::array<std::uint64_t, fanout_buckets.size()> fanout_counts{};  // cumulative per bucket
    std::uint64_t fanout_count = 0;
    double fanout_sum = 0;

    void observe_fanout(double seconds);

    // Gauges are passed in because they are owned elsewhere.
    std::string render(std::size_t connections, std::size_t rooms, std::size_t held_polls,
                       const store::store_health& store) const;
};

}  // namespace roomchat::relay
