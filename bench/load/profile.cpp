#include "profile.hpp"

#include <algorithm>
#include <cmath>

namespace roomchat::load {
namespace {

std::vector<profile> all_profiles() {
    std::vector<profile> list;
    profile p;

    p = {};
    p.name = "seed";
    p.summary = "20 clients x 10 msg/min, one room";
    p.clients = 20;
    p.rate = 10.0 / 60.0;
    p.seconds = 30;
    list.push_back(p);

    p = {};
    p.name = "stress";
    p.summary = "200 clients x 2 msg/s, one room";
    p.clients = 200;
    p.rate = 2;
    p.seconds = 20;
    list.push_back(p);

    p = {};
    p.name = "saturation";
    p.summary = "200 clients, one room, the rate per client raised step by step";
    p.kind = workload::saturation;
    p.clients = 200;
    p.steps = {1, 1.5, 2, 2.5, 3, 4, 5, 6};
    p.seconds = 4;
    list.push_back(p);

    p = {};
    p.name = "rooms";
    p.summary = "1,000 clients in 100 rooms of 10, 1 msg/s each";
    p.clients = 1000;
    p.rooms = 100;
    p.rate = 1;
    p.seconds = 20;
    list.push_back(p);

    p = {};
    p.name = "idle";
    p.summary = "10,000 authenticated, joined, silent connections in 100 rooms";
    p.kind = workload::idle;
    p.clients = 10'000;
    p.rooms = 100;
    p.seconds = 2;
    list.push_back(p);

    p = {};
    p.name = "join";
    p.summary = "joins one at a time into a room holding 50 messages";
    p.kind = workload::join;
    p.clients = 50;  // the members who wrote the history and stay
    p.history_messages = 50;
    p.joiners = 200;
    list.push_back(p);

    p = {};
    p.name = "big-room";
    p.summary = "1,000 members in one room, one message each at a seeded time in the window";
    p.clients = 1000;
    p.opening_window = 16;
    p.one_message_each = true;
    p.seconds = 30;
    list.push_back(p);

    // Not a default: the ctest's correctness run against the debug relay.
    p = {};
    p.name = "smoke";
    p.summary = "30 clients in 3 rooms x 2 msg/s (the ctest's correctness run)";
    p.clients = 30;
    p.rooms = 3;
    p.rate = 2;
    p.seconds = 3;
    list.push_back(p);
    return list;
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
