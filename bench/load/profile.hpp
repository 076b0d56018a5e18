#pragma once
// The load profiles of issue 11: who connects, where, how fast they talk and
// for how long, and the relay settings that load needs. Each profile is
// bounded (well under a minute by default) and seeded.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roomchat::load {

enum class workload {
    chat,        // everyone sends on a schedule; deliveries, acks, loss
    saturation,  // chat in steps of a rising rate until it breaks
    idle,        // connections that only join: relay memory
    join,        // a room with history; joins one at a time
};

struct profile {
    std::string name;
    std::string summary;  // one line for the report
    workload kind = workload::chat;
    std::uint32_t clients = 0;  // one user and one connection each
    std::uint32_t rooms = 1;    // client i is in room i % rooms
    // Connections between connect and joined at once. Each join into a big
    // room makes the relay send presence to every member: too many at once
    // stall it past the handshake timeouts (5 s).
    std::size_t opening_window = 128;
    // chat: messages per second per client, sent evenly from a seeded phase.
    // 0 with one_message_each: a single message at a seeded time in the window.
    double rate = 0;
    bool one_message_each = false;
    std::vector<double> steps;  // saturation: the rates per client, in order
    double seconds = 0;         // chat: the sending window; saturation: each step; idle: the hold
    std::uint32_t joiners = 0;  // join: connections joining one after another
    bool batch = false;         // clients ask for batch frames, as the chat UI does
    int write_delay_ms = 0;     // the relay's --write-delay-ms (0: its default, off)
    bool redis = false;         // two relays sharing the rooms through Redis, the clients split between them
};

// The profiles `bench load` runs by default, in order.
std::vector<std::string> default_profile_names();
// A profile by name ("smoke" too: the ctest's small run); `seconds` replaces
// the default duration. nullopt for an unknown name.
std::optional<profile> profile_named(const std::string& name, std::optional<double> seconds);

// The relay's flags for this profile, each with the reason it departs from
// the defaults (relay/src/config.hpp). Every run passes them explicitly and
// prints them.
struct relay_flag {
    std::vector<std::string> args;
    std::string why;
};
std::vector<relay_flag> relay_flags(const profile& p);

}  // namespace roomchat::load
