#include "profile.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace roomchat::load {
namespace {

profile chat(std::string name, std::string summary, std::uint32_t clients, std::uint32_t rooms, double rate,
             double seconds) {
    profile p;
    p.name = std::move(name);
    p.summary = std::move(summary);
    p.clients = clients;
    p.rooms = rooms;
    p.rate = rate;
    p.seconds = seconds;
    return p;
}

std::vector<profile> all_profiles() {
    profile saturation =
        chat("saturation", "200 clients, one room, the rate per client raised step by step", 200, 1, 0, 4);
    saturation.kind = workload::saturation;
    saturation.steps = {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15};

    profile idle =
        chat("idle", "10,000 authenticated, joined, silent connections in 100 rooms", 10'000, 100, 0, 2);
    idle.kind = workload::idle;

    // The 50 members write one message each, the room's whole first page, and
    // stay; the joiners come after.
    profile join = chat("join", "joins one at a time into a room holding 50 messages", 50, 1, 0, 0);
    join.kind = workload::join;
    join.joiners = 200;

    profile big_room =
        chat("big-room", "1,000 members in one room, one message each at a seeded time in the window", 1000,
             1, 0, 30);
    big_room.one_message_each = true;
    big_room.opening_window = 16;

    return {
        chat("seed", "20 clients x 10 msg/min, one room", 20, 1, 10.0 / 60.0, 30),
        chat("stress", "200 clients x 2 msg/s, one room", 200, 1, 2, 20),
        saturation,
        chat("rooms", "1,000 clients in 100 rooms of 10, 1 msg/s each", 1000, 100, 1, 20),
        idle,
        join,
        big_room,
        // Not a default: the ctest's correctness run against the debug relay.
        chat("smoke", "30 clients in 3 rooms x 2 msg/s (the ctest's correctness run)", 30, 3, 2, 3),
    };
}

}  // namespace

std::vector<std::string> default_profile_names() {
    return {"seed", "stress", "saturation", "rooms", "idle", "join", "big-room"};
}

std::optional<profile> profile_named(const std::string& name, std::optional<double> seconds) {
    for (auto& p : all_profiles()) {
        if (p.name != name) continue;
        if (seconds) p.seconds = *seconds;
        return p;
    }
    return std::nullopt;
}

std::vector<relay_flag> relay_flags(const profile& p) {
    std::vector<relay_flag> flags;
    flags.push_back(
        {{"--log-level", "warn"}, "info logs a line per connection, which is not what is measured"});

    const std::uint32_t connections = p.clients + p.joiners;
    if (connections > 64) {
        flags.push_back({{"--max-connections-per-ip", std::to_string(connections)},
                         "every client connects from 127.0.0.1 (default: 64 per address)"});
    }
    // An upgrade and a first auth each take a token of the address's bucket.
    if (2 * connections > 100) {
        flags.push_back(
            {{"--ip-rate-burst", std::to_string(2 * connections)},
             "every client connects from 127.0.0.1 (default: a burst of 100 upgrades and auths)"});
    }

    if (p.write_delay_ms > 0) {
        flags.push_back({{"--write-delay-ms", std::to_string(p.write_delay_ms)},
                         "asked for: deliveries wait that long to leave together (default: off)"});
    }

    // Twice the fastest rate a client sends at, so that timer jitter never meets a limit.
    const double peak = 2 * std::max(p.rate, p.steps.empty() ? 0.0 : p.steps.back());
    const auto refill_ms = [peak] { return std::to_string(static_cast<int>(std::floor(1000 / peak))); };
    if (peak > 1) {
        flags.push_back({{"--rate-refill-ms", refill_ms()},
                         "clients send faster than the per-room default of 1 msg/s (burst 5)"});
    }
    if (peak > 2) {
        flags.push_back({{"--user-rate-refill-ms", refill_ms()},
                         "clients send faster than the per-user default of 2 msg/s (burst 10)"});
    }
    return flags;
}

}  // namespace roomchat::load
