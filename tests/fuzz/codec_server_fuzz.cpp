// decode_server_frame on any bytes (what a client gets from a relay), with the
// client's 1 MiB limits and the round trip through encode() for every frame
// that decodes; and decode_server_frames, what a client that reads batches
// uses: each frame it yields round-trips too, and the frames joined again by
// frame_batch decode to the same frames.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "roomchat/batch.hpp"
#include "roomchat/codec.hpp"

#include "check.hpp"
#include "round_trip.hpp"

namespace {

using roomchat::decode_error;
using roomchat::server_frame;

void check_batch(std::string_view text) {
    const auto frames = roomchat::decode_server_frames(text, roomchat::server_frame_limits);
    roomchat::fuzz::check(!frames.empty(), "a message holds at least one frame or one error");
    std::vector<std::string> encoded;
    for (const auto& decoded : frames) {
        if (decoded) {
            encoded.push_back(roomchat::encode(*decoded));
            roomchat::fuzz::check_round_trip(encoded.back(), [](std::string_view again) {
                return roomchat::decode_server_frame(again, roomchat::server_frame_limits);
            });
        } else {
            roomchat::fuzz::check(!decoded.error().detail.empty(), "a decode error says which field or why");
        }
    }
    roomchat::frame_batch batch;
    for (const auto& frame : encoded) batch.add(frame);
    if (batch.empty()) return;
    // Joined, the frames may pass the limits they each met alone: the
    // envelope adds two levels, encoding may lengthen text (U+FFFD for
    // invalid UTF-8).
    const roomchat::codec_limits joined{16 * roomchat::server_frame_limits.max_frame_bytes,
                                        roomchat::server_frame_limits.max_depth + 2};
    const auto again = roomchat::decode_server_frames(batch.take(), joined);
    roomchat::fuzz::check(again.size() == encoded.size(), "a batch holds every frame joined into it");
    for (std::size_t i = 0; i < again.size() && i < encoded.size(); ++i) {
        roomchat::fuzz::check(again[i].ok() && roomchat::encode(*again[i]) == encoded[i],
                              "a batched frame decodes to itself, in its place");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    roomchat::fuzz::check_round_trip(text, [](std::string_view frame) {
        return roomchat::decode_server_frame(frame, roomchat::server_frame_limits);
    });
    check_batch(text);
    return 0;
}
