#pragma once
// What every relay holding a room shares about it, and the one decision that
// changes it: accepting a send. The log holds the room's epoch, its sequence,
// the history (capped by count and bytes), the client ids it accepted, its
// users' send allowance in the room and their read markers. Who is connected,
// and who is told what, is the room's own business (room.hpp).
//
// A relay on its own keeps the log in memory: this class, owned by the room.
// Relays sharing rooms keep it in Redis (relay/src/store/), where one Lua
// script takes the same decision atomically. The two must answer alike: the
// contract tests (tests/relay/room_log_contract_test.cpp) drive both with
// the same steps and compare every answer.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "roomchat/dedupe.hpp"
#include "roomchat/history.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/rate_table.hpp"
#include "roomchat/result.hpp"
#include "roomchat/room_config.hpp"

namespace roomchat {

// What a send decided. Neither ack nor nack: the connection had not joined
// (its answer, not_joined, comes from the room).
struct send_outcome {
    std::optional<ack_frame> ack;    // accepted now or earlier (duplicate)
    std::optional<nack_frame> nack;  // refused
    bool duplicate = false;          // ack repeats an earlier acceptance
};

// A send as the room hands it to its log. The room has done what depends on
// the connection: it is a member, the id is not nil, and how long an earlier
// refused send holds it back. The text went through text_rules already; the
// log applies that verdict only after dedupe (accept, step 2).
struct send_attempt {
    user_info user;
    message_id id;
    result<std::string> text = std::string();  // normalize_text's verdict
    std::optional<millis> media_ms;
    bool system = false;             // the host's backend (chat_message::system)
    std::uint32_t held_wait_ms = 0;  // the least wait a refusal now gives
    millis now = 0;
    // A removal (send_frame::removes): the seq of the message it removes,
    // and whether the sender may remove anyone's (a moderator of the room,
    // or the host's backend), not only their own.
    std::optional<seq_t> removes = std::nullopt;
    bool moderator = false;
    // A reaction (send_frame::reaction).
    std::optional<reaction_change> reaction = std::nullopt;
};

struct send_decision {
    send_outcome outcome;
    std::optional<chat_message> message;  // accepted now: what the members are to get
};

// What a connection joining the room learns from the log.
struct log_view {
    std::string epoch;
    seq_t latest_seq = 0;
    seq_t read_seq = 0;     // the joining user's marker
    history_frame history;  // the page the join asked for (view)
    // When the joining user's mute here ends, as the log holds it: 0, or a
    // time already past, is none (the room compares it with the join's now).
    millis muted_until = 0;
};

class room_log {
public:
    // `user_sends`, when given, is the user's allowance across all rooms,
    // shared with other logs and outliving this one.
    room_log(std::string room_id, std::string epoch, const room_config& config,
             rate_table* user_sends = nullptr);

    // Decides a send, in this order:
    //  1. dedupe: an id accepted from another user is nack id_conflict; from
    //     this user it is answered with the original ack (same seq and ts),
    //     no message, no token taken and no text verdict, because a resend
    //     after a lost ack must succeed even if the rules changed meanwhile;
    //  2. the text verdict: nack with the text error. Before the rate limit,
    //     because such a message can never succeed: it must not be told to
    //     retry later, nor spend a token;
    //  3. a removal or a reaction: nack no_such_message unless its target
    //     is a message the history holds (no removal or reaction) and not
    //     removed yet; a removal: nack not_moderator unless the sender wrote
    //     it or is a moderator;
    //  4. a moderator's mute, unless system or a removal (a muted user may
    //     still take back what they wrote): nack muted with the time left as
    //     retry_after_ms;
    //  5. rate limits, unless system: the user's bucket in this room and, if
    //     given, across rooms. The wait is the longest of theirs and
    //     held_wait_ms; when it is not 0 the answer is nack rate_limited with
    //     it as retry_after_ms and nothing is taken, else a token is taken
    //     from both buckets;
    //  6. accepted: the next seq, ts = now, the media_ms as given; stored in
    //     the history (oldest evicted past its caps) and in dedupe. A
    //     removal's target becomes its tombstone there, a reaction's target
    //     takes it (apply_reaction: adding one the user gave already, or
    //     taking back one they did not give, is accepted and changes nothing
    //     but reactions_seq).
    send_decision accept(const send_attempt& attempt);

    // A join's view. History: the latest page when the request has no
    // since; everything after since (paged) when that position is one this
    // log holds; otherwise the latest page with mode after and truncated set,
    // like a position that fell out of the history. A position is held when
    // request.epoch names this log's epoch, or (a client that names no epoch)
    // when since is at most latest_seq().
    log_view view(const std::string& user_id, const join_frame& request) const;

    // One page: before `before` when set, else after `after` when set, else
    // the latest; at most config.max_page_size messages.
    history_frame query(std::optional<seq_t> before, std::optional<seq_t> after, std::uint32_t limit) const;

    // Moves the user's marker forward to `seq` (never back, never past
    // latest_seq()): where it moved to, or nothing when it did not move.
    std::optional<seq_t> mark_read(const std::string& user_id, seq_t seq);

    // A moderator mutes the user here until `until`, replacing an earlier
    // end, or (an `until` not after `now`) lifts the mute. At most
    // config.max_mutes are held: past them the one ending first goes.
    void mute(const std::string& user_id, millis until, millis now);
    // When the user's mute ends, while one holds at `now`.
    std::optional<millis> muted_until(const std::string& user_id, millis now) const;

    const std::string& room_id() const noexcept { return room_id_; }
    const std::string& epoch() const noexcept { return epoch_; }
    seq_t latest_seq() const noexcept { return next_seq_ - 1; }
    const history_ring& messages() const noexcept { return history_; }
    // Bookkeeping per user that outlives their presence, for the bounds tests.
    std::size_t read_marker_count() const noexcept { return read_markers_.size(); }
    std::size_t rate_bucket_count() const noexcept { return limiters_.size(); }
    std::size_t mute_count() const noexcept { return mutes_.size(); }

private:
    history_frame page(history_mode mode, history_page found) const;
    void forget_stale_markers();

    std::string room_id_;
    std::string epoch_;
    std::size_t page_size_;
    std::size_t max_page_size_;
    history_ring history_;
    dedupe_window dedupe_;
    seq_t next_seq_ = 1;
    rate_table limiters_;  // by user id
    rate_table* user_sends_;
    std::unordered_map<std::string, seq_t> read_markers_;  // by user id
    std::size_t markers_pruned_at_ = 0;                    // read_markers_.size() after the last pruning
    std::size_t max_mutes_;
    std::unordered_map<std::string, millis> mutes_;  // by user id: when the mute ends
};

// The one way a page of history becomes a frame. `epoch` is absent only for
// a room the relay does not hold (the HTTP API), whose page is empty.
history_frame page_frame(std::string room_id, std::optional<std::string> epoch, history_mode mode,
                         history_page found);

// The mode of the page a request asks for: before, after or (neither) the latest.
history_mode page_mode(std::optional<seq_t> before, std::optional<seq_t> after) noexcept;

}  // namespace roomchat
