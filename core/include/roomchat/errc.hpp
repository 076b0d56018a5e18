#pragma once
// Every error the protocol can report. The same codes travel in nack and
// error frames, in the relay's HTTP JSON errors and in the UI's events, so a
// failure reads the same wherever it surfaces.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roomchat {

enum class errc {
    // Text rules (text_rules.hpp).
    empty_text,         // nothing left after trimming white space
    text_too_long,      // more code points than the configured maximum
    invalid_utf8,       // malformed, overlong, surrogate or out-of-range sequence
    control_character,  // a C0/C1 control other than newline or tab

    // Identifiers (ids.hpp).
    invalid_message_id,  // not 32 lowercase hex digits
    invalid_user_id,     // empty, too long or outside [A-Za-z0-9_.-]
    invalid_room_id,     // empty, too long or outside [A-Za-z0-9_.-]
    invalid_epoch,       // a room epoch: empty, too long or outside [A-Za-z0-9_.-]

    // Codec (codec.hpp).
    malformed_json,       // not JSON text, or a JSON value that is not an object
    frame_too_large,      // longer than limits::max_frame_bytes
    too_deep,             // nesting deeper than limits::max_depth
    unknown_type,         // "type" names no frame of this protocol
    missing_field,        // a required field is absent
    wrong_type,           // a field has the wrong JSON type or is out of range
    unsupported_version,  // "v" names a protocol version we do not speak

    // Session and authorisation.
    auth_required,   // a frame other than auth arrived before auth succeeded
    auth_failed,     // bad signature, algorithm, claims or format
    token_expired,   // exp is in the past (also mid-connection)
    auth_timeout,    // no auth frame within the deadline
    room_forbidden,  // the token does not admit this room
    not_joined,      // the frame names a room this connection has not joined
    not_moderator,   // only a moderator of the room (token claim mod) may do this

    // Room decisions (room.hpp).
    rate_limited,     // token bucket empty; retry_after_ms says when to retry
    id_conflict,      // another user already used this client message id
    room_full,        // the relay holds its maximum number of rooms, none of them idle
    too_many_rooms,   // this connection or user is in as many rooms as allowed
    muted,            // a moderator muted the sender here; retry_after_ms says until when
    no_such_message,  // a removal names no message the room holds (gone from its history, or removed)

    // Relay-only conditions.
    binary_frame,          // binary WebSocket frames are not part of the protocol
    too_many_connections,  // per-user or per-IP connection cap reached
    slow_consumer,         // outbound buffer over its cap; connection dropped
    going_away,            // relay shutting down
    unavailable,           // the store the relays share (Redis) did not answer; nothing was decided
    internal,              // a bug; should never be seen

    // Client-only conditions (client_session.hpp).
    no_ack,  // the relay never acknowledged after every retry
};

// Stable snake_case name used on the wire ("rate_limited").
std::string_view to_string(errc code) noexcept;

// One readable English sentence for people ("You are sending too fast.").
std::string_view message(errc code) noexcept;

// The same, with when trying again helps for a code that waits
// (rate_limited: "You are sending too fast. You can send again in 3 s.",
// in whole seconds rounded up; muted: "... in 9 min.", in whole minutes
// rounded up from a minute on); message(code) alone when nothing is left.
std::string message(errc code, std::uint32_t retry_after_ms);

// Parses a wire name; nullopt when the name is unknown.
std::optional<errc> errc_from_string(std::string_view name) noexcept;

// Whether a client should resend the same message later when the relay
// answered with this code (rate_limited, internal, going_away), as opposed to
// marking it failed.
bool is_retryable(errc code) noexcept;

}  // namespace roomchat
