#include "room_registry.hpp"

#include <algorithm>

#include <boost/asio/error.hpp>

#include "clock.hpp"

namespace roomchat::relay {

room_registry::room_registry(boost::asio::io_context& io, const room_config& config, std::size_t max_rooms,
                             std::chrono::milliseconds idle_ttl, store::room_store& store)
    : io_(io), config_(config), max_rooms_(max_rooms), idle_ttl_(idle_ttl), store_(store) {}

result<room*> room_registry::open(const std::string& id) {
    auto it = rooms_.find(id);
    if (it == rooms_.end()) {
        if (rooms_.size() >= max_rooms_ && !evict_idle()) return errc::room_full;
        it = rooms_.emplace(id, std::make_unique<entry>(io_, id, config_)).first;
        store_.hold(id);
    }
    it->second->drop_generation = ++generations_;
    it->second->drop_timer.cancel();
    return &it->second->room;
}

bool room_registry::evict_idle() {
    auto oldest = rooms_.end();
    for (auto it = rooms_.begin(); it != rooms_.end(); ++it) {
        if (it->second->room.empty() &&
            (oldest == rooms_.end() || it->second->idle_since < oldest->second->idle_since)) {
            oldest = it;
        }
    }
    if (oldest == rooms_.end()) return false;
    drop(oldest);
    return true;
}

void room_registry::drop(std::map<std::string, std::unique_ptr<entry>>::iterator it) {
    const std::string id = it->first;
    rooms_.erase(it);  // its timers are cancelled with it (drop_generation keeps stale ones harmless)
    store_.release(id);
    if (on_dropped_) on_dropped_(id, now_millis());
}

room* room_registry::find(const std::string& id) {
    const auto it = rooms_.find(id);
    return it == rooms_.end() ? nullptr : &it->second->room;
}

void room_registry::release(const std::string& id) {
    const auto it = rooms_.find(id);
    if (it == rooms_.end() || !it->second->room.empty()) return;
    it->second->idle_since = ++releases_;
    const std::uint64_t generation = it->second->drop_generation = ++generations_;
    auto& timer = it->second->drop_timer;
    timer.expires_after(idle_ttl_);
    timer.async_wait([this, id, generation](const boost::system::error_code& ec) {
        if (ec == boost::asio::error::operation_aborted) return;
        const auto found = rooms_.find(id);
        if (found != rooms_.end() && found->second->drop_generation == generation &&
            found->second->room.empty()) {
            drop(found);
        }
    });
}

void room_registry::schedule(const room& room) {
    const auto it = rooms_.find(room.id());
    const auto due = room.next_deadline();
    if (it == rooms_.end() || !due) return;
    auto& timer = it->second->wake_timer;
    timer.expires_after(std::chrono::milliseconds(std::max<millis>(*due - now_millis(), 0)));
    timer.async_wait([this, id = room.id()](const boost::system::error_code& ec) {
        if (ec == boost::asio::error::operation_aborted) return;
        const auto found = rooms_.find(id);
        if (found != rooms_.end() && on_due_) on_due_(found->second->room, now_millis());
    });
}

void room_registry::cancel_timers() {
    for (auto& [id, room] : rooms_) {
        room->drop_timer.cancel();
        room->wake_timer.cancel();
    }
}

}  // namespace roomchat::relay
