#pragma once
// The codec's round trip: whatever decodes must encode to text that decodes
// to a frame encoding to the same bytes, so no field is lost, renamed or
// changed on the way through encode().

#include <string>
#include <string_view>
#include <variant>

#include "roomchat/codec.hpp"

#include "check.hpp"

namespace roomchat::fuzz {

template <typename Decode>
void check_round_trip(std::string_view text, Decode decode) {
    const auto first = decode(text);
    if (!first) {
        check(!first.error().detail.empty(), "a decode error says which field or why");
        return;
    }
    const std::string encoded = encode(*first);
    const auto second = decode(encoded);
    check(second.ok(), "an encoded frame decodes again");
    check(encode(*second) == encoded, "encode(decode(encode(frame))) == encode(frame)");
}

}  // namespace roomchat::fuzz
