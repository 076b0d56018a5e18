#pragma once
// Whose token this is, as a client can tell before the relay answers: the
// `sub` claim of the JWT, read without checking the signature. The relay
// verifies every token; this only keeps one user's unsent messages apart
// from another's in a shared browser's storage (web/pending_store.js), and
// never decides anything about access.

#include <optional>
#include <string>
#include <string_view>

namespace roomchat {

// The subject when the token is header.payload.signature with a base64url
// JSON payload whose `sub` is a valid user id (ids.hpp); nullopt otherwise.
std::optional<std::string> token_subject(std::string_view token);

}  // namespace roomchat
