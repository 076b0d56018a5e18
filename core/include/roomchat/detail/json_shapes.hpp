#pragma once
// JSON shapes written by more than one serializer of the core's values: the
// protocol codec (codec.cpp, nlohmann::ordered_json), the relay's HTTP
// answers (http_routes.cpp, nlohmann::json), its Redis channel
// (redis_log.cpp, nlohmann::json) and the wasm boundary
// (wasm/session_json.cpp, nlohmann::ordered_json), so a user reads the same
// in a frame on the wire, in /api/dev/token's answer, on the channel and in a
// ChatEvent in the browser. Needs nlohmann/json, which only those include;
// not part of the core's public API.

#include "roomchat/protocol.hpp"

namespace roomchat::detail {

// {"id": ..., "name": ...}: the User of protocol.md and roomchat.d.ts.
template <typename Json>
Json user_json(const user_info& user) {
    Json out = Json::object();  // assigned, not braced: a braced list copies each element
    out["id"] = user.id;
    out["name"] = user.name;
    return out;
}

// {"to": ..., "emoji": ..., "add": ...}: a reaction entry, as the wire's
// send and message carry it and as a stored PendingMessage keeps it.
template <typename Json>
Json reaction_json(const reaction_change& reaction) {
    Json out = Json::object();
    out["to"] = reaction.to;
    out["emoji"] = reaction.emoji;
    out["add"] = reaction.add;
    return out;
}

}  // namespace roomchat::detail
