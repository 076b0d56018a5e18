#pragma once
// The store of relays that share rooms through Redis: the logs are Redis's
// (redis_log.hpp), and the messages of each room this relay holds come from
// the room's channel through its feed (room_feed.hpp), so its members get
// every message once, in seq order, whichever relay accepted it, with what
// pub/sub lost fetched from the log. Presence too comes on the room's
// channel (presence.lua), and this relay's users are entries there, renewed
// every third of their lease. Two connections: one for commands and
// scripts, one that only subscribes (Redis allows nothing else on it).

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "roomchat/ids.hpp"
#include "roomchat/room_log.hpp"

#include "redis_client.hpp"
#include "redis_log.hpp"
#include "remote_presence.hpp"
#include "room_feed.hpp"
#include "room_store.hpp"

namespace roomchat::relay::store {

class redis_store final : public room_store {
public:
    // A room no relay holds any more is forgotten about `idle_ttl` after
    // (keep_rooms() pushes the expiry of the rooms held further out). This
    // relay's presence entries outlive it by `presence_lease` at most.
    redis_store(boost::asio::io_context& io, redis::client& commands, redis::client& subscriber,
                const room_config& config, rate_limit_config user_sends, std::chrono::milliseconds idle_ttl,
                std::chrono::milliseconds presence_lease, random_source random);

    // A room this relay holds began again in Redis (it lost the room: a
    // flush, a restart without persistence): its members count in a life
    // that is gone, and must join again.
    void on_epoch_change(std::function<void(const std::string& room_id)> handler) {
        on_epoch_change_ = std::move(handler);
    }

    void hold(const std::string& room_id) override;
    void release(const std::string& room_id) override;
    void watch(const std::string& room_id, const log_page& read) override;
    void unwatch(const std::string& room_id) override;
    void accept(const std::string& room_id, const send_attempt& attempt,
                handler<send_decision> done) override;
    void view(const std::string& room_id, const std::string& user_id, const join_frame& request,
              handler<log_view> done) override;
    void query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
               std::uint32_t limit, handler<log_page> done) override;
    void mark_read(const std::string& room_id, const std::string& user_id, seq_t seq,
                   handler<std::optional<seq_t>> done) override;
    void mute(const std::string& room_id, const std::string& user_id, millis until, millis now,
              handler<millis> done) override;
    std::optional<seq_t> delivered(const std::string& room_id) const override;
    void present(const std::string& room_id, const user_info& user, bool here) override;
    void typing(const std::string& room_id, const user_info& user, bool active) override;

    // The commands' connection to Redis is ready (again): the scripts are
    // loaded before anything else is sent on it, and fetches that failed
    // meanwhile are asked again.
    void reconnected();

    // Calls `done` once Redis answered everything sent before (or cannot):
    // a relay stopping lets its last words, its users leaving, reach Redis.
    void drain(std::function<void()> done);

    // Up when both connections are ready; the commands' round trips.
    store_health health() const override;

private:
    // A room this relay holds or watches: its feed, its users connected here
    // as Redis was told them, and who is connected elsewhere.
    struct held_room {
        explicit held_room(const std::string& relay) : elsewhere(relay) {}
        std::size_t holders = 0;  // the registry's hold and the polls' watch: subscribed while any
        bool kept = false;        // its keys' expiry set since it was first held (written())
        std::uint64_t snapshots_wanted = 0;
        std::uint64_t snapshots_made = 0;  // the latest wanted that Redis published
        room_feed feed;
        std::map<std::string, user_info> here;
        remote_presence elsewhere;
    };

    void published(const std::string& room_id, const std::string& payload);
    void perform(const std::string& room_id, const room_feed::step& step);
    // Pushes the expiry of the rooms held further out, and again a third of
    // idle_ttl later.
    void keep_rooms();
    // A script may have created the room's keys: the first time since the
    // room was held, their expiry is set at once, not at the next keep.
    void written(const std::string& room_id);
    void fetch(const std::string& room_id, seq_t after);
    // Renews the presence entries of this relay's users in every room held
    // (which also removes the expired entries of relays that died), and
    // again a third of the lease later.
    void renew_presence();
    // Tells Redis the room's users here: `changes`, or (none) every one;
    // with every entry published while a snapshot is wanted.
    void tell_presence(const std::string& room_id, std::vector<presence_change> changes);
    // Every entry must come on the channel (a subscription began, the room
    // began again): asked now, and at each renewal until Redis did it.
    void want_snapshot(const std::string& room_id);

    redis::client& commands_;
    redis::client& subscriber_;
    std::uint32_t page_size_;
    std::chrono::milliseconds keep_every_;
    millis ttl_ms_;
    millis lease_ms_;
    std::string relay_;  // this relay, in presence entries: drawn anew at each start
    boost::asio::steady_timer keep_timer_;
    boost::asio::steady_timer renew_timer_;
    redis_log log_;
    std::map<std::string, held_room> held_;  // by room id
    std::function<void(const std::string&)> on_epoch_change_;
};

}  // namespace roomchat::relay::store
