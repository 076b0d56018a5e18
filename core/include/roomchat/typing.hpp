#pragma once
// Who is typing: a signal that is never stored and never acknowledged. A
// client says "typing" while its user types and "stopped" when the composer
// is cleared; the relay passes both on to the room's other members (typist
// frames), at most one start per user every typing_relay_interval_ms, and
// says "stopped" for a user whose last typing connection left. A message
// ends its author's typing with no frame of its own: the members forget a
// typist when their message arrives, and so do the relay and the sender.
// A member shows a typist until one of those, or typing_expiry_ms after the
// last start it heard, so an entry whose stop was lost (a relay that died, a
// client that closed its lid) goes by itself.
//
// The three times fit together: a typing client says so again every
// typing_renew_ms while its user keeps typing, which the relay's interval
// never throttles, and which comes well within a reader's expiry even when
// the network holds a frame back for a second.

#include <optional>
#include <string>
#include <vector>

#include "roomchat/protocol.hpp"

namespace roomchat {

inline constexpr millis typing_renew_ms = 3'000;
inline constexpr millis typing_relay_interval_ms = 2'000;
inline constexpr millis typing_expiry_ms = 6'000;

namespace detail {

// The composer's side (client_session::composing): when to tell the relay.
// A start goes out on a keystroke at most every typing_renew_ms; a stop only
// after a start that the readers may still show.
class typing_signal {
public:
    // The composer changed: it holds text now, or is empty. The frame to
    // send, if any: true for a start, false for a stop.
    std::optional<bool> composer(bool has_text, millis now);
    // The text was sent: its message ends the typing for everyone, and a
    // stop would only cost the room a frame.
    void sent() noexcept { started_ = false; }
    // The connection is gone, and the relay forgot the signal with it: the
    // next keystroke on a new one says so at once.
    void forget() noexcept {
        last_start_.reset();
        started_ = false;
    }

private:
    std::optional<millis> last_start_;
    bool started_ = false;  // a start went out and no stop after it
};

// The readers' side: who is typing now, in the order they started.
class typists {
public:
    // A typist frame arrived. Whether the list changed.
    bool heard(const user_info& user, bool active, millis now);
    // They are no longer typing: their message arrived, or they left.
    bool forget(const std::string& user_id);
    // Every entry not renewed since typing_expiry_ms goes. Whether any did.
    bool expire(millis now);
    // Nobody is typing any more as far as we know: the connection is gone,
    // and stops sent meanwhile would be missed.
    bool clear();
    std::optional<millis> next_expiry() const;
    std::vector<user_info> list() const;

private:
    struct entry {
        user_info user;
        millis expires_at = 0;
    };
    std::vector<entry> entries_;  // in the order they started: a room has few typists at a time
};

}  // namespace detail
}  // namespace roomchat
