#pragma once
// JSON shapes written by more than one serializer of the core's values: the
// protocol codec (codec.cpp, nlohmann::ordered_json) and the relay's HTTP
// answers (http_routes.cpp), so a user reads the same in a frame on the wire
// and in /api/dev/token's answer. The wasm boundary writes its text without a
// JSON tree (wasm/session_json.cpp, write_user), in this same shape. Needs
// nlohmann/json, which only those include; not part of the core's public API.

#include "roomchat/protocol.hpp"

namespace roomchat::detail {

// {"id": ..., "name": ...}: the User of protocol.md and roomchat.d.ts.
template <typename Json>
Json user_json(const user_info& user) {
    return Json{{"id", user.id}, {"name", user.name}};
}

}  // namespace roomchat::detail
