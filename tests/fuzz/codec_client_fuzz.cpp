// decode_client_frame on any bytes (what the relay gets from the network),
// with the round trip through encode() for every frame that decodes.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "roomchat/codec.hpp"

#include "round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    roomchat::fuzz::check_round_trip(
        text, [](std::string_view frame) { return roomchat::decode_client_frame(frame); });
    return 0;
}
