#pragma once
// Where a relay keeps its rooms' logs (roomchat/room_log.hpp): in memory, for
// a relay on its own (memory_store.hpp), or in Redis, shared by every relay
// pointed at it (redis_log.hpp). The hub takes each request to the store and
// performs the answer; an answer comes through its handler, at once from
// memory or later from Redis, exactly once, and never after the store is
// destroyed. errc::unavailable: the store could not answer, and nothing is
// known of what happened.

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "roomchat/protocol.hpp"
#include "roomchat/result.hpp"
#include "roomchat/room_log.hpp"

namespace roomchat::relay::store {

// How the store fares, for /healthz and /metrics.
struct store_health {
    bool up = true;                 // it can answer now (Redis connected)
    std::uint64_t reconnects = 0;   // connections to Redis made again after their first
    std::uint64_t round_trips = 0;  // commands Redis answered
    double round_trip_seconds = 0;  // their time from sent to answered, summed
    std::uint64_t failures = 0;     // commands Redis did not answer
};

// A page, and the room's newest seq when the page was taken: a long poll
// after a position past it holds a seq of an earlier epoch.
struct log_page {
    history_frame page;
    seq_t latest_seq = 0;
};

class room_store {
public:
    template <class T>
    using handler = std::function<void(result<T>)>;
    // A message the log accepted, through this relay or another.
    using message_handler = std::function<void(const std::string& room_id, const chat_message& message)>;
    // A user's presence on the other relays changed: connected on one of
    // them now, or on none.
    using presence_handler =
        std::function<void(const std::string& room_id, const user_info& user, bool present)>;
    // A moderator on another relay muted a user (muted_frame; 0: lifted).
    using muted_handler =
        std::function<void(const std::string& room_id, const std::string& user_id, millis until)>;
    // A member on another relay is typing, or stopped (typist_frame).
    using typing_handler =
        std::function<void(const std::string& room_id, const user_info& user, bool active)>;

    virtual ~room_store() = default;

    // Every message accepted in a room this relay holds (from hold() to
    // release()), once and in seq order, whichever relay accepted it.
    void on_message(message_handler handler) { on_message_ = std::move(handler); }
    // Who comes and goes on the other relays, in a room this relay holds.
    void on_presence(presence_handler handler) { on_presence_ = std::move(handler); }
    // What the members of a room this relay holds type on the other relays.
    void on_typing(typing_handler handler) { on_typing_ = std::move(handler); }
    // The mutes taken through the other relays, in a room this relay holds.
    void on_muted(muted_handler handler) { on_muted_ = std::move(handler); }

    // The relay holds the room now (it was opened here), or no longer (it
    // was dropped here). A room's log outlives the relays' rooms only in a
    // shared store: in memory, a room dropped and opened again starts a new
    // epoch.
    virtual void hold(const std::string& room_id) = 0;
    virtual void release(const std::string& room_id) = 0;
    // HTTP long polls wait on the room, which the relay may not hold: its
    // messages reach on_message all the same from watch() to unwatch()
    // (each watch is ended by one unwatch). `read`: the page the first poll
    // read, from whose latest seq on nothing is missed.
    virtual void watch(const std::string& room_id, const log_page& read) = 0;
    virtual void unwatch(const std::string& room_id) = 0;

    // room_log::accept; a room not held yet begins.
    virtual void accept(const std::string& room_id, const send_attempt& attempt,
                        handler<send_decision> done) = 0;
    // room_log::view; a room not held yet begins.
    virtual void view(const std::string& room_id, const std::string& user_id, const join_frame& request,
                      handler<log_view> done) = 0;
    // room_log::query; a room the store does not hold has an empty page
    // without epoch (latest_seq 0).
    virtual void query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
                       std::uint32_t limit, handler<log_page> done) = 0;
    // room_log::mark_read; nothing moves in a room the store does not hold.
    virtual void mark_read(const std::string& room_id, const std::string& user_id, seq_t seq,
                           handler<std::optional<seq_t>> done) = 0;
    // The newest seq of a held room its members have been handed
    // (on_message) or shown (a view); nothing before the first. A member
    // whose view is older has missed what came between.
    virtual std::optional<seq_t> delivered(const std::string& room_id) const = 0;
    // A user's first connection to a held room on this relay came, or its
    // last one went: the other relays hear it (on_presence), as long as
    // this relay lives. Not answered: a change Redis missed is made again
    // at the next renewal, and an entry not renewed expires.
    virtual void present(const std::string& room_id, const user_info& user, bool here) = 0;
    // room_log::mute: the user's sends are refused muted until `until` (or,
    // not after `now`, no longer). Answers the end it took; the other relays
    // holding the room hear it (on_muted), to tell the user's connections there.
    virtual void mute(const std::string& room_id, const std::string& user_id, millis until, millis now,
                      handler<millis> done) = 0;
    // A typing signal a held room passed on to its members here
    // (room::typing): the other relays holding the room pass it to theirs
    // (on_typing). Never stored, never answered: one that is lost expires
    // on the readers' screens by itself (typing.hpp).
    virtual void typing(const std::string& room_id, const user_info& user, bool active) = 0;
    // When not up, every request is answered unavailable.
    virtual store_health health() const = 0;

protected:
    void accepted(const std::string& room_id, const chat_message& message) const {
        if (on_message_) on_message_(room_id, message);
    }
    void present_elsewhere(const std::string& room_id, const user_info& user, bool present) const {
        if (on_presence_) on_presence_(room_id, user, present);
    }
    void muted_elsewhere(const std::string& room_id, const std::string& user_id, millis until) const {
        if (on_muted_) on_muted_(room_id, user_id, until);
    }
    void typing_elsewhere(const std::string& room_id, const user_info& user, bool active) const {
        if (on_typing_) on_typing_(room_id, user, active);
    }

private:
    message_handler on_message_;
    presence_handler on_presence_;
    typing_handler on_typing_;
    muted_handler on_muted_;
};

}  // namespace roomchat::relay::store
