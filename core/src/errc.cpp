#include "roomchat/errc.hpp"

namespace roomchat {

// The switches have no default so that -Wswitch (an error here) flags a new
// enumerator without a name or message. A value outside the enumeration maps
// to "", which is also how errc_from_string() finds the end of the list.
std::string_view to_string(errc code) noexcept {
    switch (code) {
        case errc::empty_text:
            return "empty_text";
        case errc::text_too_long:
            return "text_too_long";
        case errc::invalid_utf8:
            return "invalid_utf8";
        case errc::control_character:
            return "control_character";
        case errc::invalid_message_id:
            return "invalid_message_id";
        case errc::invalid_user_id:
            return "invalid_user_id";
        case errc::invalid_room_id:
            return "invalid_room_id";
        case errc::invalid_epoch:
            return "invalid_epoch";
        case errc::malformed_json:
            return "malformed_json";
        case errc::frame_too_large:
            return "frame_too_large";
        case errc::too_deep:
            return "too_deep";
        case errc::unknown_type:
            return "unknown_type";
        case errc::missing_field:
            return "missing_field";
        case errc::wrong_type:
            return "wrong_type";
        case errc::unsupported_version:
            return "unsupported_version";
        case errc::auth_required:
            return "auth_required";
        case errc::auth_failed:
            return "auth_failed";
        case errc::token_expired:
            return "token_expired";
        case errc::auth_timeout:
            return "auth_timeout";
        case errc::room_forbidden:
            return "room_forbidden";
        case errc::not_joined:
            return "not_joined";
        case errc::not_moderator:
            return "not_moderator";
        case errc::rate_limited:
            return "rate_limited";
        case errc::id_conflict:
            return "id_conflict";
        case errc::room_full:
            return "room_full";
        case errc::too_many_rooms:
            return "too_many_rooms";
        case errc::muted:
            return "muted";
        case errc::no_such_message:
            return "no_such_message";
        case errc::binary_frame:
            return "binary_frame";
        case errc::too_many_connections:
            return "too_many_connections";
        case errc::slow_consumer:
            return "slow_consumer";
        case errc::going_away:
            return "going_away";
        case errc::unavailable:
            return "unavailable";
        case errc::internal:
            return "internal";
        case errc::no_ack:
            return "no_ack";
    }
    return {};
}

std::string_view message(errc code) noexcept {
    switch (code) {
        case errc::empty_text:
            return "The message is empty.";
        case errc::text_too_long:
            return "The message is too long.";
        case errc::invalid_utf8:
            return "The text is not valid UTF-8.";
        case errc::control_character:
            return "The text contains a control character that is not allowed.";
        case errc::invalid_message_id:
            return "The message id is not 32 lowercase hexadecimal digits.";
        case errc::invalid_user_id:
            return "The user id is empty, too long or has characters that are not allowed.";
        case errc::invalid_room_id:
            return "The room id is empty, too long or has characters that are not allowed.";
        case errc::invalid_epoch:
            return "The room epoch is empty, too long or has characters that are not allowed.";
        case errc::malformed_json:
            return "The frame is not a JSON object.";
        case errc::frame_too_large:
            return "The frame is larger than allowed.";
        case errc::too_deep:
            return "The frame is nested too deeply.";
        case errc::unknown_type:
            return "The frame type is not part of this protocol.";
        case errc::missing_field:
            return "A required field is missing from the frame.";
        case errc::wrong_type:
            return "A field of the frame has the wrong type or an out-of-range value.";
        case errc::unsupported_version:
            return "This protocol version is not supported.";
        case errc::auth_required:
            return "Sign in before doing anything else.";
        case errc::auth_failed:
            return "Signing in failed.";
        case errc::token_expired:
            return "Your session has expired.";
        case errc::auth_timeout:
            return "Signing in took too long.";
        case errc::room_forbidden:
            return "You are not allowed in this room.";
        case errc::not_joined:
            return "You have not joined this room.";
        case errc::not_moderator:
            return "Only a moderator of this room can do that.";
        case errc::rate_limited:
            return "You are sending too fast.";
        case errc::id_conflict:
            return "Another user already sent a message with this id.";
        case errc::room_full:
            return "The server cannot open any more rooms.";
        case errc::too_many_rooms:
            return "You are in too many rooms at once.";
        case errc::muted:
            return "A moderator has muted you in this room.";
        case errc::no_such_message:
            return "That message is no longer there.";
        case errc::binary_frame:
            return "Binary frames are not part of the protocol.";
        case errc::too_many_connections:
            return "There are too many connections open.";
        case errc::slow_consumer:
            return "The connection could not keep up and was dropped.";
        case errc::going_away:
            return "The server is shutting down.";
        case errc::unavailable:
            return "The server cannot reach its storage right now.";
        case errc::internal:
            return "Something went wrong on the server.";
        case errc::no_ack:
            return "The server did not confirm the message.";
    }
    return {};
}

std::string message(errc code, std::uint32_t retry_after_ms) {
    std::string text(message(code));
    if ((code == errc::rate_limited || code == errc::muted) && retry_after_ms > 0) {
        const std::uint32_t seconds = retry_after_ms / 1000 + (retry_after_ms % 1000 != 0 ? 1 : 0);
        // A mute lasts minutes: counted in seconds it would read as a countdown.
        const std::string wait = seconds < 60
                                     ? std::to_string(seconds) + " s"
                                     : std::to_string(seconds / 60 + (seconds % 60 != 0 ? 1 : 0)) + " min";
        text += " You can send again in " + wait + ".";
    }
    return text;
}

std::optional<errc> errc_from_string(std::string_view name) noexcept {
    if (name.empty()) {
        return std::nullopt;
    }
    for (int i = 0;; ++i) {
        const auto code = static_cast<errc>(i);
        const std::string_view candidate = to_string(code);
        if (candidate.empty()) {
            return std::nullopt;
        }
        if (candidate == name) {
            return code;
        }
    }
}

// Retryable codes say nothing about the message itself, only about timing or
// the relay's state: the bucket refills, a restarted relay or a fresh
// connection may accept it, and a crash is not the sender's fault. Resending
// is safe because the same client id is reused and the relay deduplicates.
// Every other code judges the message or the sender (bad text, bad id, no
// permission) and will fail again unchanged, so it is final.
bool is_retryable(errc code) noexcept {
    switch (code) {
        case errc::rate_limited:
        case errc::internal:
        case errc::going_away:
        case errc::unavailable:
        case errc::slow_consumer:
            return true;
        default:
            return false;
    }
}

}  // namespace roomchat
