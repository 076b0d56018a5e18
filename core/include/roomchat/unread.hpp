#pragma once
// Unread tracking for one user in one room: the read marker (which only moves
// forward, whether the user read here or in another tab) and what the UI
// shows from it: how many messages from others are newer, and where the
// "new messages" divider goes.

#include <cstddef>
#include <map>
#include <optional>
#include <string_view>

#include "roomchat/protocol.hpp"

namespace roomchat::detail {

struct unread_summary {
    std::size_t count = 0;
    std::optional<message_id> first_unread;
    friend bool operator==(const unread_summary& a, const unread_summary& b) {
        return a.count == b.count && a.first_unread == b.first_unread;
    }
};

class unread_tracker {
public:
    // Moves the marker to `seq` if that is further; true when it moved.
    bool advance(seq_t seq);
    seq_t read_seq() const noexcept { return read_seq_; }

    // Recounts against the held messages; returns the new summary only when
    // it differs from the previous one, so the UI hears about changes only.
    std::optional<unread_summary> refresh(const std::map<seq_t, chat_message>& messages,
                                          std::string_view self_id);
    const unread_summary& summary() const noexcept { return summary_; }

private:
    seq_t read_seq_ = 0;
    unread_summary summary_;
};

}  // namespace roomchat::detail
