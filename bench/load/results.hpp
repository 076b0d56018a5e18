#pragma once
// What a run measured, as the report prints and writes it. Figures only:
// nothing here judges time; `problems` lists what went wrong in correctness.

#include <string>
#include <vector>

#include "delivery_ledger.hpp"
#include "latency_recorder.hpp"
#include "proc_stats.hpp"

namespace roomchat::load {

// One sending window: the whole of a chat profile, or one saturation step.
struct window_result {
    double rate = 0;             // messages per second per client
    double offered_sends = 0;    // messages per second, all clients
    double seconds = 0;          // from the first send to the last delivery or ack
    double sampled_seconds = 0;  // between the /proc readings below (the drain included)
    ledger_totals totals;
    latency_summary delivery;  // send -> each other member's receipt
    latency_summary ack;       // send -> the sender's ack
    double deliveries_per_s = 0;
    cpu_times relay_cpu;            // over `seconds`; with Redis, both relays' together
    cpu_times redis_cpu;            // with Redis: redis-server's, the same span
    cpu_times generator_cpu;        // the same span
    schedule_times relay_schedule;  // with Redis: the busier relay's
    schedule_times redis_schedule;
    schedule_times generator_schedule;
    std::size_t errors = 0;  // error frames after joining
    std::size_t closed_by_relay = 0;
    bool clean = false;  // nothing lost, duplicated, refused or closed
};

struct profile_result {
    std::string name;
    std::string summary;
    std::vector<std::string> relay_args;
    std::vector<std::string> relay_flag_reasons;  // "--flag value: why"
    std::size_t clients = 0;
    std::size_t rooms = 0;
    bool batch = false;      // the clients read batch frames
    bool redis = false;      // two relays sharing the rooms through Redis, the clients split between them
    std::size_t opened = 0;  // clients that authenticated and joined
    std::vector<window_result> windows;
    latency_summary join;          // join sent -> history received (join profile: one at a time)
    memory_use relay_memory;       // at the end (peak: VmHWM over the relay's life); with Redis, both relays'
    long relay_rss_before_kb = 0;  // idle: before the connections opened
    double per_connection_kb = 0;  // idle
    // saturation: the highest clean step and what ran out at the next one
    double highest_clean_deliveries_per_s = 0;
    std::string saturated;
    double load_average_before = 0;  // of the machine, 1 minute
    double load_average_after = 0;
    std::vector<std::string> problems;  // empty: correct
};

}  // namespace roomchat::load
