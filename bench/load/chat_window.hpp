#pragma once
// One window of chat over clients that have joined: every client sends on a
// seeded schedule, every frame that comes back is accounted for
// (delivery_ledger.hpp), and the window ends once everything sent has arrived
// everywhere it is due, or nothing more has come for 3 s.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "client_pool.hpp"
#include "results.hpp"

namespace roomchat::load {

struct window_plan {
    double rate = 0;                // messages per second per client, evenly spaced
    bool one_message_each = false;  // instead: one message per client at a seeded time
    double seconds = 0;             // the sending window
    std::uint64_t seed = 1;         // the schedule's phases and the run's message ids
};

// The processes a window reads CPU time of from /proc: the relays (one, or
// two sharing the rooms through Redis) and redis-server (empty: none).
struct server_pids {
    std::vector<std::string> relays;
    std::string redis;
};

// Every client of the pool is a sender and a receiver.
window_result run_chat_window(boost::asio::io_context& io, client_pool& pool, const window_plan& plan,
                              const server_pids& servers);

}  // namespace roomchat::load
