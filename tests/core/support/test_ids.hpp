#pragma once
// Readable message ids for tests: id_of(n) is distinct for every n below
// 65536 and never the nil id, so tests can name messages by number.

#include <array>
#include <cstdint>

#include "roomchat/ids.hpp"

namespace roomchat::test {

inline message_id id_of(std::uint64_t n) {
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    bytes[0] = static_cast<std::uint8_t>(n);
    bytes[1] = static_cast<std::uint8_t>(n >> 8U);
    bytes[15] = 1;
    return message_id(bytes);
}

}  // namespace roomchat::test
