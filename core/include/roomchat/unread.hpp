#pragma once
// Unread tracking for one user in one room: the read marker (which only moves
// forward, whether the user read here or in another tab), how many messages
// from others are newer, and the oldest of them (client_session places the
// "new messages" divider from it).
//
// The count follows each change instead of being recounted, so a message
// costs the same however long the session (a hidden tab in a long watch
// party takes tens of thousands): the marker moving walks only the messages
// it passes, and the divider's search only messages it has not passed yet.
//
// A message the timeline trims while unread still counts: the user has not
// read it. Its seq goes into a run of consecutive trimmed unread seqs (one
// run for a stretch of others' messages, so a few runs in all), which keeps
// the count exact when the marker moves into them or an older page brings
// one back. first_unread is the oldest unread message still held, since a
// trimmed one is not shown.

#include <cstddef>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "roomchat/protocol.hpp"

namespace roomchat::detail {

struct unread_summary {
    std::size_t count = 0;
    std::optional<message_id> first_unread;
    friend bool operator==(const unread_summary& a, const unread_summary& b) {
        return a.count == b.count && a.first_unread == b.first_unread;
    }
};

// The held messages, by seq, as timeline::messages() has them.
using held_messages = std::map<seq_t, chat_message>;

class unread_tracker {
public:
    // Moves the marker to `seq` if that is further; true when it moved.
    bool advance(seq_t seq, const held_messages& held, std::string_view self_id);
    seq_t read_seq() const noexcept { return read_seq_; }

    // `message` is now held (the timeline showed it).
    void inserted(const chat_message& message, std::string_view self_id);
    // The timeline trimmed its oldest messages, `trimmed` (oldest first);
    // `held` is what it kept. Unread ones among them still count.
    void trimmed(const std::vector<chat_message>& trimmed, const held_messages& held,
                 std::string_view self_id);
    // The timeline was reset: nothing held or trimmed counts any more; the
    // marker stays.
    void forget_messages();
    // Counts the held messages afresh for another user (a new identity).
    void recount(const held_messages& held, std::string_view self_id);

    unread_summary summary() const;

private:
    // The oldest message from others at or after `from`, the divider's place.
    void find_first(held_messages::const_iterator from, const held_messages& held, std::string_view self_id);
    void add_trimmed(seq_t seq);
    bool remove_trimmed(seq_t seq);

    seq_t read_seq_ = 0;
    std::size_t held_count_ = 0;                         // others' held messages above the marker
    std::optional<std::pair<seq_t, message_id>> first_;  // the oldest of them
    std::map<seq_t, seq_t> trimmed_runs_;  // first -> last seq: others', trimmed, above the marker
    std::size_t trimmed_count_ = 0;        // seqs in trimmed_runs_
};

}  // namespace roomchat::detail
