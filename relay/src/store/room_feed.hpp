#pragma once
// One room's messages as they reach a relay from Redis, turned into what its
// members must see: every message once, in seq order, none missing.
// Pub/sub gives less: a message published while this relay was not (yet, or
// any more) subscribed is lost to it, and one published just after a join's
// view may come before or after that view's answer. So the feed keeps the
// last seq it delivered, holds back a message that comes after a hole, and
// asks for the hole to be fetched from the log (room_log::query, after that
// seq). No I/O here: the store performs each step.
//
// The feed starts from the first position it learns (a view or a page the
// store read): what came before reached the members through their views.
// A message in another epoch than the one the feed follows means Redis
// lost the room (a flush, a restart without persistence): the feed starts
// again from that message, and says so, since the members' seqs now mean
// nothing.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roomchat/protocol.hpp"

namespace roomchat::relay::store {

class room_feed {
public:
    struct step {
        std::vector<chat_message> deliver;  // in seq order
        std::optional<seq_t> fetch_after;   // fetch the page after this seq, then call fetched()
        bool epoch_changed = false;         // before `deliver`: the room began again
    };

    // The log was read at `latest` (a join's view, an ack): the first such
    // position is where delivery starts.
    step seen(const std::string& epoch, seq_t latest);
    // A message published on the room's channel.
    step published(const std::string& epoch, const chat_message& message);
    // The subscription is (again) in place: what was published before it
    // is fetched.
    step subscribed();
    // The page asked for by fetch_after, as the log answered it, and the
    // log's newest seq then. A truncated page: the hole fell out of the
    // history, and delivery goes on after it (the members' own history
    // requests find it truncated too).
    step fetched(const history_frame& page, seq_t latest);
    // The fetch failed (Redis down): the next message after a hole, the
    // next subscribed() or retry() asks again.
    void fetch_failed() {
        fetching_ = false;
        failed_ = true;
    }
    // Redis is back: a fetch that failed is asked again.
    step retry();

    std::optional<seq_t> delivered() const noexcept { return delivered_; }
    const std::string& epoch() const noexcept { return epoch_; }
    bool fetching() const noexcept { return fetching_; }

private:
    // Moves what is held back and now in order into `out`; asks for the
    // hole before the rest.
    void drain(step& out);
    // Whether `epoch` is the one followed (the first seen is); another means
    // the room began again, and everything known is forgotten.
    bool begin(const std::string& epoch, step& out);

    std::string epoch_;
    std::optional<seq_t> delivered_;       // none until the first position is known
    std::map<seq_t, chat_message> ahead_;  // published after a hole, waiting for it
    bool fetching_ = false;                // a fetch is under way: ask for no other
    bool subscribed_early_ = false;        // subscribed while no position was known
    bool failed_ = false;                  // the last fetch failed
};

}  // namespace roomchat::relay::store
