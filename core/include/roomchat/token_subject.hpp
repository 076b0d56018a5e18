#pragma once
// Whose token this is, as a client can tell before the relay answers: the
// JWT's claims, read without checking the signature. The relay verifies every
// token; a client only uses what it reads to keep one user's unsent messages
// apart from another's in a shared browser's storage (web/pending_store.js)
// and, over HTTP, where no welcome tells it (client_session's fallback), to
// know its own messages and when to refresh the token. Nothing here decides
// anything about access.

#include <optional>
#include <string>
#include <string_view>

#include "roomchat/protocol.hpp"

namespace roomchat {

// The subject when the token is header.payload.signature with a base64url
// JSON payload (at most 16 KiB, nested at most 16 deep) whose `sub` is a
// valid user id (ids.hpp); nullopt otherwise.
std::optional<std::string> token_subject(std::string_view token);

// What the welcome would say of a token: the user (`sub`, and `name` as the
// relay normalises it) and the expiry (`exp`, whole seconds, in ms).
struct token_preview {
    user_info user;
    millis expires_at = 0;
};
// nullopt unless the token is as token_subject() reads it, with a valid name
// and an exp within 2^53 milliseconds of 1970, as the relay requires.
std::optional<token_preview> preview_token(std::string_view token);

}  // namespace roomchat
