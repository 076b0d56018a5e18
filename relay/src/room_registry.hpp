#pragma once
// The rooms the relay holds. A room is created on first use and dropped
// `idle_ttl` after its last member left; the store is told of both
// (room_store::hold, release), and in memory a room's log goes with it. At
// max_rooms a new room takes the place of the room idle longest; only when
// every room has members is the answer room_full. Each room's timer
// (presence) runs here and hands the room to the on_due callback when it is
// due.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "roomchat/result.hpp"
#include "roomchat/room.hpp"

#include "room_store.hpp"

namespace roomchat::relay {

class room_registry {
public:
    using due_callback = std::function<void(room& due, millis now)>;
    using dropped_callback = std::function<void(const std::string& id, millis now)>;

    room_registry(boost::asio::io_context& io, const room_config& config, std::size_t max_rooms,
                  std::chrono::milliseconds idle_ttl, store::room_store& store);

    void on_due(due_callback callback) { on_due_ = std::move(callback); }
    // Called after a room was dropped (idle, or evicted for a new one), once
    // it is no longer found.
    void on_dropped(dropped_callback callback) { on_dropped_ = std::move(callback); }

    // The room, created if needed (errc::room_full at the cap when no room is
    // idle). Cancels a pending drop. The pointer stays valid until the room
    // is dropped, which only happens from the io_context once it is empty.
    result<room*> open(const std::string& id);
    room* find(const std::string& id);

    // Call after a member left or an HTTP send: starts the drop timer when empty.
    void release(const std::string& id);
    // Call after anything that may have given the room work for later
    // (join, leave): arms its timer for room::next_deadline().
    void schedule(const room& room);

    // Shutdown: cancels every timer so the io_context can finish.
    void cancel_timers();

    std::size_t size() const noexcept { return rooms_.size(); }

private:
    struct entry {
        entry(boost::asio::io_context& io, std::string id, const room_config& config)
            : room(std::move(id), config), drop_timer(io), wake_timer(io) {}
        class room room;
        boost::asio::steady_timer drop_timer;
        boost::asio::steady_timer wake_timer;
        // Which drop timer may drop the room: one number from the whole
        // registry, so a stale completion can match no room, not even one
        // created again under the same id.
        std::uint64_t drop_generation = 0;
        std::uint64_t idle_since = 0;  // release order: the smallest has been idle longest
    };

    // Drops the room idle longest; false when every room has members.
    bool evict_idle();
    void drop(std::map<std::string, std::unique_ptr<entry>>::iterator it);

    boost::asio::io_context& io_;
    room_config config_;
    std::size_t max_rooms_;
    std::chrono::milliseconds idle_ttl_;
    store::room_store& store_;
    due_callback on_due_;
    dropped_callback on_dropped_;
    std::uint64_t releases_ = 0;
    std::uint64_t generations_ = 0;
    std::map<std::string, std::unique_ptr<entry>> rooms_;
};

}  // namespace roomchat::relay
