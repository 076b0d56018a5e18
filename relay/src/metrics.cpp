#include "metrics.hpp"

#include <sstream>

namespace roomchat::relay {
namespace {

void counter(std::ostringstream& out, const char* name, const char* help, std::uint64_t value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n"
        << name << ' ' << value << '\n';
}

void gauge(std::ostringstream& out, const char* name, const char* help, std::size_t value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n"
        << name << ' ' << value << '\n';
}

}  // namespace

void relay_metrics::observe_fanout(double seconds) {
    for (std::size_t i = 0; i < fanout_buckets.size(); ++i) {
        if (seconds <= fanout_buckets[i]) ++fanout_counts[i];
    }
    ++fanout_count;
    fanout_sum += seconds;
}

std::string relay_metrics::render(std::size_t connections, std::size_t rooms, std::size_t held_polls,
                                  const store::store_health& store) const {
    std::ostringstream out;
    gauge(out, "roomchat_store_up", "1 when the rooms' store answers (always, in memory; Redis connected).",
          store.up ? 1 : 0);
    counter(out, "roomchat_store_unavailable_total",
            "Requests refused unavailable: the store (Redis) did not answer.", store_unavailable);
    counter(out, "roomchat_redis_reconnects_total", "Connections to Redis made again after their first.",
            store.reconnects);
    counter(out, "roomchat_redis_failures_total", "Redis commands that got no answer.", store.failures);
    out << "# HELP roomchat_redis_round_trip_seconds Time from a Redis command sent to its answer.\n"
           "# TYPE roomchat_redis_round_trip_seconds summary\n"
        << "roomchat_redis_round_trip_seconds_sum " << store.round_trip_seconds << '\n'
        << "roomchat_redis_round_trip_seconds_count " << store.round_trips << '\n';
    gauge(out, "roomchat_connections", "Open WebSocket connections.", connections);
    gauge(out, "roomchat_rooms", "Rooms held in memory.", rooms);
    gauge(out, "roomchat_held_polls", "HTTP long polls waiting for a message.", held_polls);
    counter(out, "roomchat_messages_accepted_total", "Messages accepted and sequenced.", messages_accepted);
    counter(out, "roomchat_deliveries_total", "Message frames sent to member connections.", deliveries);
    counter(out, "roomchat_acks_total", "Acknowledgements sent, duplicates included.", acks);
    counter(out, "roomchat_dedupe_hits_total", "Resends answered with the original ack.", dedupe_hits);
    counter(out, "roomchat_rate_limited_total",
            "Sends refused by the rate limit (or held back behind one so refused).", rate_limited);
    counter(out, "roomchat_auth_failures_total", "Rejected tokens and missing auth.", auth_failures);
    counter(out, "roomchat_slow_consumer_disconnects_total",
            "Connections dropped for a full outbound buffer.", slow_consumer_disconnects);
    counter(out, "roomchat_flood_disconnects_total", "Connections closed for sending frames too fast.",
            flood_disconnects);
    counter(out, "roomchat_token_expiry_disconnects_total",
            "Connections closed when an expired token was not refreshed in time.", token_expiry_disconnects);
    counter(out, "roomchat_requests_refused_total",
            "Join, leave, history, read and auth frames over their rate.", requests_refused);
    counter(out, "roomchat_pings_ignored_total", "Pings over the ping rate, answered with no pong.",
            pings_ignored);
    counter(out, "roomchat_address_refusals_total",
            "Upgrades, first auths and API requests refused for their address's rate.", address_refusals);
    counter(out, "roomchat_batches_total",
            "Batch frames sent: several frames for one connection in one message.", batches);
    counter(out, "roomchat_batched_frames_total", "Frames sent inside batch frames.", batched_frames);
    out << "# HELP roomchat_fanout_seconds Time to queue one broadcast to every member.\n"
           "# TYPE roomchat_fanout_seconds histogram\n";
    for (std::size_t i = 0; i < fanout_buckets.size(); ++i) {
        out << "roomchat_fanout_seconds_bucket{le=\"" << fanout_buckets[i] << "\"} " << fanout_counts[i]
            << '\n';
    }
    out << "roomchat_fanout_seconds_bucket{le=\"+Inf\"} " << fanout_count << '\n'
        << "roomchat_fanout_seconds_sum " << fanout_sum << '\n'
        << "roomchat_fanout_seconds_count " << fanout_count << '\n';
    return out.str();
}

}  // namespace roomchat::relay
