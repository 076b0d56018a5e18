#pragma once
// The client's outbox as an ordered queue of outbox_entry (outbox.hpp): which
// entry is due when, and the state moves between queued, sending and failed.
// Acknowledged entries leave the queue for the timeline. Entries go out in
// the order they were typed: a queued entry that has to wait holds back the
// queued entries behind it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roomchat/backoff.hpp"
#include "roomchat/outbox.hpp"

namespace roomchat::detail {

// How many entries may be on their way at once. A WebSocket delivers frames
// in the order they were written, so every queued entry can go at once. Over
// HTTP each POST may take a connection of its own and overtake the one
// before it, so the next entry goes only once the one out is settled.
enum class in_flight { many, one };

struct outbox_work {
    message_id id;
    bool give_up = false;  // every attempt went unacknowledged: fail with no_ack
};

class outbox_queue {
public:
    void add(const message_id& id, std::string text, millis now,
             std::optional<millis> media_ms = std::nullopt, std::optional<seq_t> removes = std::nullopt,
             std::optional<reaction_change> reaction = std::nullopt);
    const outbox_entry* find(const message_id& id) const;
    // Removes the entry (acknowledged); nullopt when it is not here.
    std::optional<outbox_entry> take(const message_id& id);

    const std::vector<outbox_entry>& entries() const noexcept { return entries_; }
    // The first row (is_row) of the queue, and the first after `id`: where a
    // row goes in the view.
    std::optional<message_id> first_id() const;
    std::optional<message_id> id_after(const message_id& id) const;

    // What to do at `now`, in outbox order.
    std::vector<outbox_work> due(millis now, std::uint32_t max_attempts, in_flight limit) const;
    // The earliest time due() can return work; nullopt when nothing waits.
    std::optional<millis> next_deadline(in_flight limit) const;

    // The entry went out: sending, one more attempt, resent after a backoff.
    void sent(const message_id& id, millis now, const backoff_policy& resend, const random_source& random);
    // Not before `until` (the rate limit); the state is unchanged.
    void defer(const message_id& id, millis until);
    // Back to queued until `until` (a retryable nack). A refunded attempt
    // does not count towards the limit: the relay answered, nothing was lost.
    void hold(const message_id& id, millis until, bool refund_attempt);
    void fail(const message_id& id, errc reason);
    // A failed entry is queued again with its attempts reset; false if `id`
    // is not a failed entry.
    bool retry(const message_id& id, millis now);
    // The connection is gone: every sending entry is queued again to go out
    // first thing on the next connection. Its interrupted attempt does not
    // count, since attempts only count while online. Returns the moved ids.
    std::vector<message_id> requeue_in_flight();

private:
    outbox_entry* lookup(const message_id& id);

    std::vector<outbox_entry> entries_;
};

}  // namespace roomchat::detail
