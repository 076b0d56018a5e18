#pragma once
// The logs of a relay on its own: one room_log per room it holds, in its
// memory, each answer given at once. A room's log lives as long as the
// relay holds the room; held again, it begins in a new epoch. The users'
// allowance across rooms is one table for all of them.

#include <map>
#include <string>

#include "roomchat/ids.hpp"
#include "roomchat/rate_table.hpp"
#include "roomchat/room_log.hpp"

#include "room_store.hpp"

namespace roomchat::relay::store {

class memory_store final : public room_store {
public:
    // `random` draws the epoch of each room that begins.
    memory_store(const room_config& config, rate_limit_config user_sends, random_source random);

    void hold(const std::string& room_id) override;
    void release(const std::string& room_id) override;
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
    // No other relay: the room knows everyone present, and every message
    // is accepted here, where on_message hands it on.
    void present(const std::string&, const user_info&, bool) override {}
    void typing(const std::string&, const user_info&, bool) override {}
    void watch(const std::string&, const log_page&) override {}
    void unwatch(const std::string&) override {}
    store_health health() const override { return {}; }

    // The room's log, for tests and measurements; nullptr when not held.
    const room_log* find(const std::string& room_id) const;

private:
    room_log& log(const std::string& room_id);

    room_config config_;
    rate_table user_sends_;
    random_source random_;
    std::map<std::string, room_log> logs_;
};

}  // namespace roomchat::relay::store
