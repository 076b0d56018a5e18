#pragma once
// Structured values cross into JavaScript as JSON text (bindings.cpp), but
// for timeline rows and what carries them (session_cells.hpp); session_api.js
// JSON.parses it, so the field names and shapes here are roomchat.d.ts's.
// Nothing here throws: strings that are not valid UTF-8 are replaced, not rejected.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roomchat/client_session.hpp"

namespace roomchat::wasm {

// A ChatEvent; nullopt for a message event, which carries a row, and an
// unread count: both cross as cells (session_cells.hpp).
std::optional<std::string> event_json(const client_event& event);
std::string frames_json(const std::vector<std::string>& frames);      // string[]
std::string self_json(const std::optional<user_info>& self);          // User | null
std::string subject_json(const std::optional<std::string>& subject);  // string | null
std::string deadline_json(const std::optional<millis>& deadline);     // number | null
std::string send_result_json(const result<message_id>& sent);         // SendResult
std::string status_json(const status& outcome);                       // Status
// Validation; the message of a muted verdict says how long the mute lasts (muted_ms).
std::string validation_json(const result<std::string>& verdict, std::size_t code_points,
                            std::size_t max_code_points, std::uint32_t wait_ms, std::uint32_t muted_ms);

std::string error_codes_json();  // ErrorCode[]: every errc, in enum order

std::string pending_json(const std::vector<pending_message>& messages);  // PendingMessage[]
std::string restore_result_json(const result<std::size_t>& restored);    // RestoreResult

// PendingMessage[] back, as pending_json wrote it (and JavaScript stored it):
// malformed_json for text that is not JSON, wrong_type for anything but an
// array. Entries that are not a well-formed PendingMessage are dropped here;
// client_session::restore judges the rest.
result<std::vector<pending_message>> pending_from_json(std::string_view text);

}  // namespace roomchat::wasm
