#pragma once
// Realistic inputs shared by the benchmarks, so every figure is measured on
// the same kind of message.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "roomchat/protocol.hpp"

namespace roomchat::bench {

// Distinct, never nil ids from a counter.
inline message_id id_for(std::uint64_t n) {
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    for (std::size_t i = 0; i < 8; ++i) {
        bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
    }
    bytes[15] = 1;
    return message_id(bytes);
}

inline user_info member(std::size_t n) {
    return {"user-" + std::to_string(n), "Member " + std::to_string(n)};
}

// A typical chat line: about 60 bytes of mostly ASCII with one accent.
inline const std::string& chat_line() {
    static const std::string line = "did you see that? the goalkeeper was completely wrong-footed é";
    return line;
}

inline chat_message sample_message(seq_t seq) {
    return chat_message{seq, id_for(seq), member(seq % 20), chat_line(),
                        1'700'000'000'000 + static_cast<millis>(seq)};
}

// Exactly `code_points` code points mixing ASCII, two-byte letters, three-byte
// CJK and four-byte emoji, with spaces and a newline, as a long message is.
inline std::string text_of_code_points(std::size_t code_points) {
    static const std::array<const char*, 8> pieces = {
        "a", "b", " ", "\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x98\x80", "z", "\n"};
    std::string text;
    for (std::size_t i = 0; i < code_points; ++i) {
        // Never start or end with white space, which normalisation would trim.
        const bool edge = i == 0 || i + 1 == code_points;
        text += edge ? "x" : pieces[i % pieces.size()];
    }
    return text;
}

}  // namespace roomchat::bench
