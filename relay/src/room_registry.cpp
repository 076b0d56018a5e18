#include "room_registry.hpp"

#include <boost/asio/error.hpp>

namespace roomchat::relay {

room_registry::room_registry(boost::asio::io_context& io, const room_config& config, std::size_t max_rooms,
                             std::chrono::milliseconds idle_ttl)
    : io_(io), config_(config), max_rooms_(max_rooms), idle_ttl_(idle_ttl) {}

result<room*> room_registry::open(const std::string& id) {
    auto it = rooms_.find(id);
    if (it == rooms_.end()) {
        if (rooms_.size() >= max_rooms_) return errc::room_full;
        it = rooms_.emplace(id, std::make_unique<entry>(io_, id, config_)).first;
    }
    ++it->second->drop_generation;
    it->second->drop_timer.cancel();
    return &it->second->chat;
}

room* room_registry::find(const std::string& id) {
    const auto it = rooms_.find(id);
    return it == rooms_.end() ? nullptr : &it->second->chat;
}

void room_registry::release(const std::string& id) {
    const auto it = rooms_.find(id);
    if (it == rooms_.end() || !it->second->chat.empty()) return;
    const std::uint64_t generation = ++it->second->drop_generation;
    auto& timer = it->second->drop_timer;
    timer.expires_after(idle_ttl_);
    timer.async_wait([this, id, generation](const boost::system::error_code& ec) {
        if (ec == boost::asio::error::operation_aborted) return;
        const auto found = rooms_.find(id);
        if (found != rooms_.end() && found->second->drop_generation == generation &&
            found->second->chat.empty()) {
            rooms_.erase(found);
        }
    });
}

void room_registry::cancel_timers() {
    for (auto& [id, room] : rooms_) room->drop_timer.cancel();
}

}  // namespace roomchat::relay
