#pragma once
// Reads what the generator needs from a relay frame without decoding it.
// Decoding every delivery with the core's codec would cost the generator more
// than the relay spends sending it (issue 11: the generator must be the
// cheaper side), so this leans on the codec's deterministic encoding
// (docs/protocol.md: keys in table order, no white space): the type comes
// first, and in message, ack and nack frames the first "id" is the message's.
// tests/load/frame_scan_test.cpp holds it to frames the codec encodes.

#include <cstddef>
#include <string_view>

namespace roomchat::load {

enum class frame_kind { message, ack, nack, welcome, joined, history, presence, error, other };

struct scanned_frame {
    frame_kind kind = frame_kind::other;
    std::string_view id;    // message, ack, nack: the message id (as text)
    std::string_view text;  // message: the text as encoded (escapes left in)
};

// Views into `payload`, valid as long as it is.
scanned_frame scan_frame(std::string_view payload);

// The end (one past the closing brace) of the JSON object starting at
// `start`, braces inside strings skipped; npos when it does not close.
std::size_t object_end(std::string_view text, std::size_t start);

// Calls on_frame(view) for each relay frame in one WebSocket message: the
// frames of a batch (roomchat/batch.hpp) in order, or the message itself.
template <typename OnFrame>
void for_each_frame(std::string_view payload, OnFrame&& on_frame) {
    static constexpr std::string_view batch_start = R"({"type":"batch","frames":[)";
    if (payload.substr(0, batch_start.size()) != batch_start) {
        on_frame(payload);
        return;
    }
    std::size_t at = batch_start.size();
    while (at < payload.size() && payload[at] == '{') {
        const std::size_t end = object_end(payload, at);
        if (end == std::string_view::npos) return;
        on_frame(payload.substr(at, end - at));
        at = end + 1;  // past the comma, or the closing bracket
    }
}

}  // namespace roomchat::load
