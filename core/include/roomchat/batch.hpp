#pragma once
// A batch frame: frames the relay has for one connection at the same moment,
// sent as one WebSocket message,
//     {"type":"batch","frames":[<frame>,<frame>,...]}
// in the order they would have gone one by one. A browser pays per message
// it receives (an event, a task, a crossing into wasm) far more than per
// byte: 10,000 messages of a burst cost seconds one by one and a small part
// of that in batches of a hundred.
//
// Only for clients whose auth said "batch": true (codec.hpp,
// decode_server_frames). A lone frame leaves as itself, so a quiet room
// looks on the wire exactly as without batching.

#include <cstddef>
#include <string>
#include <string_view>

namespace roomchat {

class frame_batch {
public:
    // A batch never grows past this by adding frames; a larger frame still
    // leaves, alone. About a hundred messages: few enough that the browser
    // applies one batch well within a frame (16 ms), many enough that its
    // cost per WebSocket message is spread thin.
    static constexpr std::size_t max_bytes = 16 * 1024;

    bool empty() const noexcept { return frames_ == 0; }
    std::size_t frames() const noexcept { return frames_; }

    // Whether `frame` (one encoded server frame) may join what is here;
    // anything fits an empty batch.
    bool fits(std::string_view frame) const noexcept;

    // Appends `frame`; take() what is here first unless it fits.
    void add(std::string_view frame);

    // The message to send: the lone frame as it came, or the batch of all.
    // Leaves the batch empty.
    std::string take();

private:
    std::string text_;
    std::size_t frames_ = 0;
};

}  // namespace roomchat
