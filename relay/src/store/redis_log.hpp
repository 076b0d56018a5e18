#pragma once
// Room logs (roomchat/room_log.hpp) kept in Redis, so that every relay
// pointed at one Redis shares each room's epoch, sequence, history, dedupe,
// send allowance and read markers. Each operation is one Lua script
// (accept.lua, view.lua, page.lua, mark_read.lua beside this file), so it is
// one atomic step however many relays call at once, and each decides as the
// in-memory room_log does: the contract tests drive both alike.
//
// A message accepted is also published on its room's channel (channel()),
// in the order of its seq, for every relay to hand to its own members.
//
// Keys: roomchat:room:{<room>}:<part> and roomchat:user:{<user>}:sends.
// Redis must keep every key it was given (maxmemory-policy noeviction): a
// room that loses some of its keys and not others is no longer one log.
//
// Every answer is asynchronous, on the relay's loop. errc::unavailable when
// Redis did not answer (down, too slow, or a script that failed): nothing
// is known about what happened, and a send may be resent (dedupe answers it
// with its original ack if it was accepted after all).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roomchat/ids.hpp"
#include "roomchat/result.hpp"
#include "roomchat/room_log.hpp"

#include "redis_client.hpp"
#include "redis_script.hpp"
#include "remote_presence.hpp"
#include "room_store.hpp"

namespace roomchat::relay::store {

class redis_log {
public:
    template <class T>
    using handler = room_store::handler<T>;

    // `user_sends`, when given, is the allowance of a user across rooms.
    // `random` draws the epoch of a room Redis does not hold yet.
    redis_log(redis::client& redis, const room_config& config, std::optional<rate_limit_config> user_sends,
              random_source random);

    // room_log::accept.
    void accept(const std::string& room_id, const send_attempt& attempt, handler<send_decision> done);
    // room_log::view; the room begins (in a new epoch) when Redis does not hold it.
    void view(const std::string& room_id, const std::string& user_id, const join_frame& request,
              handler<log_view> done);
    // room_log::query; a room Redis does not hold has an empty page without epoch.
    void query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
               std::uint32_t limit, handler<log_page> done);
    // room_log::mark_read.
    void mark_read(const std::string& room_id, const std::string& user_id, seq_t seq,
                   handler<std::optional<seq_t>> done);
    // room_log::mute: a key per muted user holding when the mute ends, and
    // expiring then (accept.lua reads it). Not capped like the in-memory
    // log's mutes: each key goes by itself when its mute ends.
    void mute(const std::string& room_id, const std::string& user_id, millis until, millis now,
              handler<millis> done);

    // A message as published on its room's channel, with the epoch it
    // counts in.
    struct published_message {
        std::string epoch;
        chat_message message;
    };
    // Has Redis keep every script (redis::script::load): call first when
    // the connection is (again) ready.
    void load_scripts() const;

    // Every key of each room expires `ttl_ms` from now (touch.lua).
    void keep(const std::vector<std::string>& room_ids, millis ttl_ms, handler<std::size_t> done);

    // Who is in the room on which relay (presence.lua): the users of relay
    // `relay` that came (present) or went, their entries renewed for
    // `lease_ms` (a user listed present again is renewed, not announced
    // again); the expired entries of any relay removed; the changes
    // published on the channel, or with `publish_all` every entry. The
    // presence keys expire `ttl_ms` from now, like the room's (keep()).
    // Answers the number of lines published.
    void presence(const std::string& room_id, const std::string& relay, millis lease_ms, millis ttl_ms,
                  bool publish_all, const std::vector<presence_change>& changes, handler<std::size_t> done);

    // A member of relay `relay` typing, or stopped (room::typing), published
    // on the room's channel as "typing <relay> <+|-> <user JSON>" and nowhere
    // kept. Not answered: a signal lost expires by itself (typing.hpp).
    void typing(const std::string& room_id, const std::string& relay, const user_info& user, bool active);
    // A mute relay `relay` took (mute()), published on the room's channel as
    // "muted <relay> <user id> <until>" for the other relays to tell the
    // user's connections. Not answered: lost, the user learns of it from the
    // nack of their next send.
    void mute_news(const std::string& room_id, const std::string& relay, const std::string& user_id,
                   millis until);
    struct published_mute {
        std::string relay;
        std::string user_id;
        millis until = 0;
    };
    struct published_typing {
        std::string relay;
        user_info user;
        bool active = false;
    };

    // The channel a room's messages are published on, and a message as
    // published there (nothing when it is not one).
    static std::string channel(const std::string& room_id);
    static std::optional<published_message> published(std::string_view payload);
    // Presence news as published there (nothing when it is not).
    static std::optional<presence_news> presence_published(std::string_view payload);
    // A typing signal as published there (nothing when it is not).
    static std::optional<published_typing> typing_published(std::string_view payload);
    // Mute news as published there (nothing when it is not).
    static std::optional<published_mute> mute_published(std::string_view payload);

private:
    redis::client& redis_;
    room_config config_;
    std::optional<rate_limit_config> user_sends_;
    random_source random_;
    redis::script accept_;
    redis::script view_;
    redis::script page_;
    redis::script mark_read_;
    redis::script touch_;
    redis::script presence_;
};

}  // namespace roomchat::relay::store
