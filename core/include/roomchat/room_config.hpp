#pragma once
// How a room behaves: the limits its log enforces (room_log.hpp) and the
// pacing of what its members are told (room.hpp). One value for both, so the
// relay's --history-*, --rate-* and presence settings configure every backend.

#include <cstddef>
#include <cstdint>

#include "roomchat/history.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/text_rules.hpp"

namespace roomchat {

struct room_config {
    text_limits text;
    rate_limit_config rate;  // per user in this room
    history_limits history;
    std::size_t dedupe_capacity = 4096;  // raised to history.max_messages if smaller
    std::uint32_t page_size = 50;        // messages on join without since
    std::uint32_t max_page_size = 200;   // cap on history requests
    // Presence changes wait this long and go out as net changes, so a user
    // who leaves and comes back within it (a reload) causes no frame at all,
    // and one who loops leave/join costs the others one frame per interval.
    millis presence_delay_ms = 500;
    // At most this many presence changes go out at a time; the rest follow
    // presence_slice_interval_ms later. A crowd arriving at once is then
    // announced in slices, between which the relay's write queues drain.
    std::uint32_t max_presence_per_flush = 16;
    millis presence_slice_interval_ms = 20;
    // joined.members lists at most this many users (about 250 bytes each at
    // worst), keeping the frame far below the client's 1 MiB limit.
    std::uint32_t max_listed_members = 1000;
    // A send refused with rate_limited holds back the later sends of its
    // connection until it comes again (send, step 4), or for at most this
    // long past its retry time: a client that never sends it again (it gave
    // up) is not held back for ever.
    millis held_send_grace_ms = 30'000;
    // Mutes a room holds at once (room_log::mute): moderators are few and
    // trusted, but what any token can make the relay keep is bounded.
    std::size_t max_mutes = 1000;
};

}  // namespace roomchat
