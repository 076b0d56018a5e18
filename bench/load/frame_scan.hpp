#pragma once
// Reads what the generator needs from a relay frame without decoding it.
// Decoding every delivery with the core's codec would cost the generator more
// than the relay spends sending it (issue 11: the generator must be the
// cheaper side), so this leans on the codec's deterministic encoding
// (docs/protocol.md: keys in table order, no white space): the type comes
// first, and in message, ack and nack frames the first "id" is the message's.
// tests/load/frame_scan_test.cpp holds it to frames the codec encodes.

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

}  // namespace roomchat::load
