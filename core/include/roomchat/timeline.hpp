#pragma once
// The sequenced part of a client's timeline: the messages the relay numbered,
// by seq. A session holds one contiguous block [block_start, contiguous] plus
// stragglers above it (a gap that a history request after `contiguous`
// fills) or below it (reached by loading older pages before `block_start`).
// Until the first history page fixes the block (the base), live messages are
// held back: shown earlier, one could sit below a hole no request would fill.
// trim() bounds the memory of a long session by forgetting the oldest.
//
// Removals and reactions (is_message false) take their seqs like messages
// but are no rows: the timeline keeps only their seqs, for the block, and
// applies them to the message they name. A removal turns it into its
// tombstone, now or when it comes (a page may have been read before the
// removal was decided). Reactions are applied in seq order, each once the
// block reaches it (one above a gap waits for the gap), so that the last
// word on a user's emoji wins; one whose message is not held waits for it,
// whose reactions_seq then says which of them it includes.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include "roomchat/protocol.hpp"

namespace roomchat::detail {

enum class insert_outcome {
    shown,      // now part of the timeline
    held_back,  // kept until the base is known
    duplicate,  // this seq or id is already held
    entry,      // a removal or a reaction, now part of the timeline (changed() says what it changed)
};

class timeline {
public:
    insert_outcome insert(const chat_message& message);

    // Fixes the block just above `contiguous` (the seq before the first
    // message of the page that follows). Returns the held-back messages for
    // the caller to insert after the page.
    std::vector<chat_message> set_base(seq_t contiguous);

    // The relay's history no longer reaches our block: forget every sequenced
    // message; the next page sets a new base.
    void reset();
    // The connection that delivered held-back messages is gone.
    void drop_held_back() { held_back_.clear(); }

    // A message with this seq exists in the room (joined, ack).
    void note_seq(seq_t seq);

    // Forgets the oldest messages until at most `max` are held and returns
    // them, oldest first. The block starts at the oldest one kept; when none
    // of the block is kept, it restarts there, past any hole below it: what
    // filled the hole would be older than every message kept, so trimmed again.
    std::vector<chat_message> trim(std::size_t max);

    bool based() const noexcept { return based_; }
    seq_t block_start() const noexcept { return block_start_; }
    seq_t contiguous() const noexcept { return contiguous_; }
    seq_t newest_known() const noexcept { return newest_known_; }
    bool has_gap() const noexcept { return based_ && contiguous_ < newest_known_; }

    // The id of the first message after `seq`, if any.
    std::optional<message_id> id_after(seq_t seq) const;
    const std::map<seq_t, chat_message>& messages() const noexcept { return messages_; }
    // The held messages the last insert or trim changed besides the one it
    // inserted: removed, or reacted to. Ascending seq, each once.
    const std::vector<seq_t>& changed() const noexcept { return changed_; }

private:
    bool holds(seq_t seq) const { return messages_.count(seq) != 0 || entries_.count(seq) != 0; }
    // Moves `contiguous` up over the held entries right above it.
    void extend_contiguous();
    // Applies the reactions the block has reached, in seq order.
    void apply_reached_reactions();
    void apply_reaction_entry(const chat_message& entry);
    void note_changed(seq_t seq);

    std::map<seq_t, chat_message> messages_;
    std::set<seq_t> entries_;                               // the seqs of held removals and reactions
    std::set<seq_t> removed_targets_;                       // what the removals removed, held or not
    std::map<seq_t, chat_message> unreached_;               // reactions above the block, by seq
    std::map<seq_t, std::vector<chat_message>> unmatched_;  // applied reactions by the message they wait for
    std::vector<seq_t> changed_;
    std::unordered_set<message_id> ids_;
    std::map<seq_t, chat_message> held_back_;
    bool based_ = false;
    seq_t block_start_ = 1;
    seq_t contiguous_ = 0;
    seq_t newest_known_ = 0;
};

}  // namespace roomchat::detail
