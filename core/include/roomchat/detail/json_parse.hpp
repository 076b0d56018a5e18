#pragma once
// The one way JSON text becomes a tree in the core and at the wasm boundary:
// the protocol codec, a token's claims and the browser's stored sends. Each
// parse is nlohmann's own tree builder told to stop at the first container
// nested deeper than a limit, so a deep input never builds a deep tree, and
// no exception escapes. One parser also means one copy of it in the wasm
// module: nlohmann's parse() would add a second (with and without a
// callback), 3.6 KB gzipped. Needs nlohmann/json, which only its callers
// include; not part of the core's public API.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace roomchat::detail {

struct parsed_json {
    // Discarded unless the whole text was one JSON value, no deeper than the limit.
    nlohmann::json value;
    bool too_deep = false;  // stopped at a container nested deeper than the limit
};

parsed_json parse_json(std::string_view text, std::size_t max_depth);

}  // namespace roomchat::detail
