#pragma once
// The rooms the relay holds. A room is created on first use and dropped,
// with its history, `idle_ttl` after its last member left; idle rooms count
// against max_rooms until dropped.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "roomchat/result.hpp"
#include "roomchat/room.hpp"

namespace roomchat::relay {

class room_registry {
public:
    room_registry(boost::asio::io_context& io, const room_config& config, std::size_t max_rooms,
                  std::chrono::milliseconds idle_ttl);

    // The room, created if needed (errc::room_full at the cap). Cancels a
    // pending drop. The pointer stays valid until the room is dropped, which
    // only happens from the io_context after it has been empty for idle_ttl.
    result<room*> open(const std::string& id);
    room* find(const std::string& id);

    // Call after a member left or an HTTP send: starts the drop timer when empty.
    void release(const std::string& id);

    // Shutdown: cancels every drop timer so the io_context can finish.
    void cancel_timers();

    std::size_t size() const noexcept { return rooms_.size(); }

private:
    struct entry {
        entry(boost::asio::io_context& io, std::string id, const room_config& config)
            : chat(std::move(id), config), drop_timer(io) {}
        class room chat;
        boost::asio::steady_timer drop_timer;
        std::uint64_t drop_generation = 0;  // a stale timer completion must not drop a reused room
    };

    boost::asio::io_context& io_;
    room_config config_;
    std::size_t max_rooms_;
    std::chrono::milliseconds idle_ttl_;
    std::map<std::string, std::unique_ptr<entry>> rooms_;
};

}  // namespace roomchat::relay
