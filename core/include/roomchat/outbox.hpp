#pragma once
// The messages this client has typed and not yet seen acknowledged.
// Each entry moves queued -> sending -> sent, or -> failed with a reason;
// a failed entry can be retried with the same id, so the relay dedupes it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roomchat/errc.hpp"
#include "roomchat/protocol.hpp"

namespace roomchat {

enum class delivery_state {
    queued,   // waiting for a connection or for the rate limit
    sending,  // on the wire, waiting for the ack
    sent,     // acknowledged with a sequence number
    failed,   // given up; `failure` says why; retry() resends
};

std::string_view to_string(delivery_state state) noexcept;

struct outbox_entry {
    message_id id;
    std::string text;                         // normalised
    std::optional<millis> media_ms;           // the sender's playback position (protocol.hpp)
    std::optional<seq_t> removes;             // a removal (send_frame::removes): no row of its own
    std::optional<reaction_change> reaction;  // a reaction (send_frame::reaction): no row either
    delivery_state state = delivery_state::queued;
    std::optional<errc> failure;
    std::uint32_t attempts = 0;  // sends of this entry since it was queued or retried
    millis created_at = 0;
    millis next_attempt_at = 0;  // queued: earliest send; sending: when to resend
    millis sent_at = 0;          // sending: when the last attempt went out
};

// Whether the entry is a row of the view: a message, not a removal or a reaction.
inline bool is_row(const outbox_entry& entry) noexcept { return !entry.removes && !entry.reaction; }

}  // namespace roomchat
