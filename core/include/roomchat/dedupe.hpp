#pragma once
// Remembers which client message ids a room has accepted, so a resend after a
// lost ack is answered with the original ack instead of a second message.
// Bounded: the oldest ids are forgotten first, and the window is kept larger
// than the history so anything still visible is still deduplicated.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "roomchat/protocol.hpp"

namespace roomchat {

struct accepted_send {
    std::string user_id;  // who sent it: another user reusing the id is a conflict
    seq_t seq = 0;
    millis ts = 0;
};

class dedupe_window {
public:
    explicit dedupe_window(std::size_t capacity = 4096);

    const accepted_send* find(const message_id& id) const;
    // Records a newly accepted id; forgets the oldest when over capacity. An
    // id already held keeps its first record, which every resend must repeat.
    void remember(const message_id& id, accepted_send send);

    std::size_t size() const noexcept { return order_.size(); }

private:
    std::size_t capacity_;
    std::unordered_map<message_id, accepted_send> by_id_;
    std::deque<message_id> order_;
};

}  // namespace roomchat
