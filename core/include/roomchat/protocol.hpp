#pragma once
// The client/relay protocol, version 1: every frame as a plain value.
// Frames travel as JSON text WebSocket messages; codec.hpp maps these structs
// to and from that text. docs/protocol.md shows the JSON and the sequences.
//
// Units: sequence numbers count from 1 per room and epoch (0 means "none
// yet"); an epoch (ids.hpp) names one unbroken life of a room's sequence, so a
// seq means something only next to its epoch. Timestamps are milliseconds
// since the Unix epoch, set by the relay.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "roomchat/errc.hpp"
#include "roomchat/ids.hpp"

namespace roomchat {

inline constexpr int protocol_version = 1;

using seq_t = std::uint64_t;
using millis = std::int64_t;

struct user_info {
    std::string id;    // validate_user_id
    std::string name;  // normalize_display_name
    friend bool operator==(const user_info& a, const user_info& b) {
        return a.id == b.id && a.name == b.name;
    }
};

// Where in the video the room watches together a message was written: the
// sender's playback position, in milliseconds from the media's start, so a
// reader can jump there (the chat anchored to the video; mountChat's
// mediaTime). Optional on every message; when present a whole number from 0
// to max_media_ms (a week: longer than any stream), else the frame is
// refused with wrong_type naming media_ms.
inline constexpr millis max_media_ms = 7LL * 24 * 60 * 60 * 1000;

// The one rule for a stamp: `media_ms` when it is a position (0 to
// max_media_ms), else none. What a sender or a stored draft gives is checked
// by it before it goes out, so a bad stamp never costs the message.
std::optional<millis> checked_media_ms(std::optional<millis> media_ms) noexcept;

// The position a host's player reports (seconds, as HTMLMediaElement's
// currentTime), as a message's media_ms: none when it is not a position
// (NaN: no media loaded; negative; infinite) or is past max_media_ms.
std::optional<millis> media_ms_of_seconds(double seconds) noexcept;

// The emoji people may react with: a small fixed set, the same for every
// room, so that every client shows every reaction.
inline constexpr std::array<std::string_view, 6> reaction_emoji = {"👍", "❤️", "😂", "😮", "😢", "🎉"};
bool is_reaction_emoji(std::string_view emoji) noexcept;

// A reaction of the sender's to the message with seq `to`: their `emoji`
// added to it, or (add false) taken back.
struct reaction_change {
    seq_t to = 0;
    std::string emoji;  // one of reaction_emoji
    bool add = true;
    friend bool operator==(const reaction_change& a, const reaction_change& b) {
        return a.to == b.to && a.emoji == b.emoji && a.add == b.add;
    }
};

// Who reacted to a message with one emoji, in the order they did.
struct reaction_tally {
    std::string emoji;
    std::vector<user_info> users;
    friend bool operator==(const reaction_tally& a, const reaction_tally& b) {
        return a.emoji == b.emoji && a.users == b.users;
    }
};

// A message as the relay stored and broadcast it.
struct chat_message {
    seq_t seq = 0;
    message_id id;  // chosen by the sender's client
    user_info from;
    std::string text;                               // normalised per text_rules
    millis ts = 0;                                  // relay time of acceptance
    std::optional<millis> media_ms = std::nullopt;  // the sender's playback position (max_media_ms)
    // Posted by the host's backend with a service token ("Ann paused at
    // 12:34"), not by a person: the room's own voice. Only the relay sets it,
    // from the token; a client's send cannot.
    bool system = false;
    // An entry that is no message: `from` removed the message with this seq
    // (its author, or a moderator of the room). Its text is empty; readers
    // apply it to that message and show no row for it. Sequenced like a
    // message, so a reader that was away learns of it the way it learns of
    // messages (join since, gap requests, pages).
    std::optional<seq_t> removes = std::nullopt;
    // A message some later entry removed: its text is gone (empty) from the
    // history, pages and the HTTP API; the rest stays, for a tombstone
    // ("Message removed") where it was.
    bool removed = false;
    // An entry that is no message: `from` reacted to an earlier message (or
    // took a reaction back). Sequenced, applied and shown like a removal.
    std::optional<reaction_change> reaction = std::nullopt;
    // A message's reactions, one tally per emoji in the order each was first
    // given, and the seq of the last reaction entry they include (0: none),
    // so that a reader applies to them only the entries that came later.
    std::vector<reaction_tally> reactions = {};
    seq_t reactions_seq = 0;
    friend bool operator==(const chat_message& a, const chat_message& b) {
        return a.seq == b.seq && a.id == b.id && a.from == b.from && a.text == b.text && a.ts == b.ts &&
               a.media_ms == b.media_ms && a.system == b.system && a.removes == b.removes &&
               a.removed == b.removed && a.reaction == b.reaction && a.reactions == b.reactions &&
               a.reactions_seq == b.reactions_seq;
    }
};

// Whether the entry is a message, the kind a reader shows as a row, as
// opposed to a removal or a reaction.
inline bool is_message(const chat_message& entry) noexcept { return !entry.removes && !entry.reaction; }

// `user`'s reaction change applied to a message's tallies: the emoji added
// (once, a new tally last) or taken back (a tally left empty goes).
void tally_reaction(std::vector<reaction_tally>& tallies, const user_info& user,
                    const reaction_change& change);
// A reaction entry applied to its message, in seq order: the user's emoji
// added (once) or taken back, reactions_seq moved to the entry. An entry the
// message's reactions include already (seq <= reactions_seq) changes nothing;
// false then.
bool apply_reaction(chat_message& message, const chat_message& entry);

// ---- client -> relay -------------------------------------------------------

// First frame on every connection; also sent again to refresh a token.
struct auth_frame {
    std::string token;  // JWT HS256, see docs/relay.md
    // This client reads batch frames (batch.hpp): the relay may then send
    // frames it has for the connection at the same moment as one message.
    // Absent means false, so clients older than batching get single frames.
    bool batch = false;
    // This client reads typist frames. Absent means false: a page loaded
    // before typing existed, still open across a relay upgrade, would take
    // each for an unknown frame and show an error.
    bool typing = false;
};

// Enter a room. Without `since` the relay answers with the latest page;
// with it, everything after `since` (gap recovery after a reconnect), provided
// `epoch` is still the room's: otherwise `since` counts in a sequence the
// relay no longer holds and the answer is the latest page, marked truncated.
struct join_frame {
    std::string room;
    std::optional<seq_t> since;
    std::optional<std::string> epoch;  // joined.epoch of the join `since` comes from
};

struct leave_frame {
    std::string room;
};

// A message, or (removes set) the removal of an earlier one: the seq of a
// message of the sender's own or, for a moderator of the room, anyone's,
// or (reaction set) a reaction to one; both with an empty text and no
// media_ms. Either way the id makes it idempotent, and the answer is an ack
// or a nack (no_such_message: that seq is no message the room still holds,
// or was removed already).
struct send_frame {
    std::string room;
    message_id id;
    std::string text;
    std::optional<millis> media_ms = std::nullopt;  // see max_media_ms
    std::optional<seq_t> removes = std::nullopt;
    std::optional<reaction_change> reaction = std::nullopt;
};

// Ask for one page of history: messages before `before` (older pages), or
// after `after` (a gap); exactly one of the two is set. `limit` is capped by
// the relay.
struct history_request_frame {
    std::string room;
    std::optional<seq_t> before;
    std::optional<seq_t> after;
    std::uint32_t limit = 50;
};

// The user has read everything up to and including `seq`.
struct read_frame {
    std::string room;
    seq_t seq = 0;
};

// The user is typing in the room (active), or stopped: cleared the composer
// (a message sent ends the typing by itself). Never stored, never answered
// (typing.hpp has the timing).
struct typing_frame {
    std::string room;
    bool active = true;
};

// The longest mute: a day, longer than any watch party.
inline constexpr std::uint32_t max_mute_minutes = 24 * 60;
// When a mute of `minutes` asked at `now` ends; 0 (lifted) for 0 minutes.
constexpr millis mute_end(std::uint32_t minutes, millis now) noexcept {
    return minutes == 0 ? 0 : now + static_cast<millis>(minutes) * 60'000;
}

// A moderator of the room (the token's mod claim) mutes `user` there for
// `minutes` (1 to max_mute_minutes), or lifts their mute (0): their sends
// are nacked muted until then. Answered with a muted frame, or an error
// (not_moderator); muting again replaces the end.
struct mute_frame {
    std::string room;
    std::string user;  // a user id, present or not
    std::uint32_t minutes = 0;
};

// Whether the send is a message, as opposed to a removal or a reaction.
inline bool is_message(const send_frame& frame) noexcept { return !frame.removes && !frame.reaction; }

using client_frame = std::variant<auth_frame, join_frame, leave_frame, send_frame, history_request_frame,
                                  read_frame, typing_frame, mute_frame>;

// ---- relay -> client -------------------------------------------------------

struct rate_limit_config {
    std::uint32_t burst = 5;                  // messages that may be sent back to back
    std::uint32_t refill_interval_ms = 1000;  // one more message allowed per interval
    friend bool operator==(const rate_limit_config& a, const rate_limit_config& b) {
        return a.burst == b.burst && a.refill_interval_ms == b.refill_interval_ms;
    }
};

// Answer to a successful auth: who the relay thinks you are and its limits,
// so the client validates and paces exactly as the relay will.
struct welcome_frame {
    user_info user;
    std::uint32_t max_text_code_points = 500;
    rate_limit_config rate;
    millis token_expires_at = 0;
};

// Answer to join: the room's epoch, members and this user's read marker. A
// history frame with the requested messages follows immediately.
struct joined_frame {
    std::string room;
    std::string epoch;  // what seqs in this room count in until the room starts over
    // One entry per user, sorted by id; at most room_config::max_listed_members
    // of them, so the frame stays far below the client's size limit.
    std::vector<user_info> members;
    std::uint32_t member_count = 0;  // users present, listed or not
    seq_t read_seq = 0;              // this user's last read marker in the room
    seq_t latest_seq = 0;            // newest sequence number in the room
    // This connection joined as a moderator of the room (its token's mod
    // claim): it may mute. Absent means false.
    bool moderator = false;
    // The joining user is muted in the room until then (a moderator's mute,
    // muted_frame): a page loaded while it holds knows before it sends.
    // Absent: no mute holds.
    std::optional<millis> muted_until = std::nullopt;
};

// Why a history frame was sent.
enum class history_mode {
    latest,  // join without since: the newest page
    after,   // join with since, or a gap request: everything after a seq
    before,  // an older page
};

// One page of messages in ascending seq order.
struct history_frame {
    std::string room;
    // The epoch the seqs below count in. Absent only from the HTTP API, for a
    // room the relay does not hold (no messages, no sequence yet).
    std::optional<std::string> epoch;
    history_mode mode = history_mode::latest;
    std::vector<chat_message> messages;
    // mode == after only: the requested seq has fallen out of the capped
    // history, or belongs to another epoch, so `messages` is the latest page
    // instead and there is a hole.
    bool truncated = false;
    // mode == before / latest: older messages exist before the first one here.
    bool has_more = false;
};

// The relay accepted (or already had) the message.
struct ack_frame {
    std::string room;
    std::string epoch;  // the epoch `seq` counts in
    message_id id;
    seq_t seq = 0;
    millis ts = 0;
};

// The relay refused the message. retry_after_ms is set for rate_limited.
struct nack_frame {
    std::string room;
    message_id id;
    errc code = errc::internal;
    std::optional<std::uint32_t> retry_after_ms;
};

// A new message in a room (also sent to its author's other connections).
struct message_frame {
    std::string room;
    chat_message message;
};

enum class presence_event { join, leave };

// A user is now present in the room (a first connection entered) or no
// longer (the last one left). The relay sends net changes a moment late, so
// someone who leaves and comes back at once (a reload) causes no frame.
struct presence_frame {
    std::string room;
    presence_event event = presence_event::join;
    user_info user;
    std::uint32_t member_count = 0;  // users present after this change
};

// The user's read marker moved (echoed to that user's other connections).
struct read_marker_frame {
    std::string room;
    seq_t seq = 0;
};

// Another member is typing (active) or stopped; relayed from their
// typing frame, or a stop the relay says for them when their last typing
// connection left the room. A reader forgets an active entry by itself
// after typing_expiry_ms (typing.hpp).
struct typist_frame {
    std::string room;
    user_info user;
    bool active = true;
};

// A mute took effect: `user` may not send in the room before `until` (0:
// the mute was lifted). To the moderator who asked and to the muted user's
// connections, through every relay holding the room.
struct muted_frame {
    std::string room;
    std::string user;
    millis until = 0;
};

// Anything that is not a nack: bad frames, auth failures, not joined.
struct error_frame {
    errc code = errc::internal;
    std::string message;  // readable detail (which field, which limit)
    std::optional<std::string> room;
};

using server_frame =
    std::variant<welcome_frame, joined_frame, history_frame, ack_frame, nack_frame, message_frame,
                 presence_frame, read_marker_frame, typist_frame, muted_frame, error_frame>;

}  // namespace roomchat
