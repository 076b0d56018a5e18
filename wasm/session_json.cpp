#include "session_json.hpp"

#include <optional>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "roomchat/codec.hpp"
#include "roomchat/detail/json_shapes.hpp"
#include "roomchat/detail/json_tree.hpp"
#include "roomchat/text_rules.hpp"

namespace roomchat::wasm {
namespace {

// What goes out keeps insertion order, as the codec's frames do: one
// serializer in the module, not one per map type (1.3 KB gzipped).
using json = nlohmann::ordered_json;

// pending_json's output is an array of entries, each with at most an object
// inside (reaction): depth 3. The rest is room for fields a later version adds.
constexpr std::size_t max_stored_depth = 8;

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json str(std::string_view text) { return json(std::string(text)); }

json error_json(errc code) {
    return json{{"ok", false}, {"code", str(to_string(code))}, {"message", str(message(code))}};
}

std::optional<json> event_tree(const client_event& event) {
    return std::visit(
        [](const auto& e) -> std::optional<json> {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, events::open_transport>) {
                return json{{"type", "open_transport"}};
            } else if constexpr (std::is_same_v<E, events::close_transport>) {
                return json{{"type", "close_transport"}, {"reason", e.reason}};
            } else if constexpr (std::is_same_v<E, events::connection_changed>) {
                json out{{"type", "connection_changed"}, {"state", str(to_string(e.state))}};
                if (e.retry_at != 0) out["retryAt"] = e.retry_at;
                if (e.reason) out["reason"] = str(to_string(*e.reason));
                out["via"] = str(to_string(e.via));
                return out;
            } else if constexpr (std::is_same_v<E, events::http_request>) {
                json out{{"type", "http_request"},
                         {"id", e.id},
                         {"method", e.method},
                         {"target", e.target},
                         {"token", e.token}};
                if (!e.body.empty()) out["body"] = e.body;
                return out;
            } else if constexpr (std::is_same_v<E, events::http_abort>) {
                return json{{"type", "http_abort"}, {"id", e.id}};
            } else if constexpr (std::is_same_v<E, events::identity>) {
                return json{{"type", "identity"}, {"self", detail::user_json<json>(e.self)}};
            } else if constexpr (std::is_same_v<E, events::message_upserted>) {
                return std::nullopt;  // a row: session_cells.hpp
            } else if constexpr (std::is_same_v<E, events::timeline_reset>) {
                return json{{"type", "timeline_reset"}, {"reason", str(to_string(e.reason))}};
            } else if constexpr (std::is_same_v<E, events::history_loaded>) {
                return json{{"type", "history_loaded"},
                            {"mode", str(to_string(e.mode))},
                            {"count", e.count},
                            {"hasMore", e.has_more}};
            } else if constexpr (std::is_same_v<E, events::older_changed>) {
                return json{{"type", "older_changed"}, {"older", str(to_string(e.state))}};
            } else if constexpr (std::is_same_v<E, events::unread_changed>) {
                return std::nullopt;  // cells too: one per frame read while away
            } else if constexpr (std::is_same_v<E, events::presence_changed>) {
                json members = json::array();
                for (const auto& member : e.members) members.push_back(detail::user_json<json>(member));
                return json{
                    {"type", "presence_changed"}, {"members", std::move(members)}, {"count", e.count}};
            } else if constexpr (std::is_same_v<E, events::typing_changed>) {
                json users = json::array();
                for (const auto& user : e.users) users.push_back(detail::user_json<json>(user));
                return json{{"type", "typing_changed"}, {"users", std::move(users)}};
            } else if constexpr (std::is_same_v<E, events::muted>) {
                return json{{"type", "muted"}, {"user", e.user}, {"until", e.until}};
            } else if constexpr (std::is_same_v<E, events::rate_limited>) {
                return json{{"type", "rate_limited"}, {"retryAt", e.retry_at}};
            } else if constexpr (std::is_same_v<E, events::token_expiring>) {
                return json{{"type", "token_expiring"}, {"expiresAt", e.expires_at}};
            } else if constexpr (std::is_same_v<E, events::pending_changed>) {
                return json{{"type", "pending_changed"}};
            } else {
                static_assert(std::is_same_v<E, events::error>, "every client_event needs a JSON shape");
                return json{{"type", "error"},
                            {"code", str(to_string(e.code))},
                            {"message", str(message(e.code))},
                            {"detail", e.detail}};
            }
        },
        event);
}

std::optional<pending_message> pending_entry(detail::json_value entry) {
    const auto id = entry.find("id");
    const auto text = entry.find("text");
    const auto created_at = entry.find("createdAt");
    const auto failure = entry.find("failure");
    const auto media_ms = entry.find("mediaMs");
    const auto removes = entry.find("removes");
    const auto reaction = entry.find("reaction");
    if (!id || !id->is_string() || !text || !text->is_string() || !created_at || !created_at->is_integer()) {
        return std::nullopt;
    }
    auto parsed_id = message_id::parse(id->string());
    if (!parsed_id) return std::nullopt;
    pending_message message{*parsed_id, std::string(text->string()), created_at->integer(), std::nullopt};
    if (failure) {
        message.failure = failure->is_string() ? errc_from_string(failure->string()) : std::nullopt;
        if (!message.failure) return std::nullopt;
    }
    // A stamp that is no position is dropped, not the message (restore checks it again).
    if (media_ms && media_ms->is_unsigned() &&
        media_ms->unsigned_integer() <= static_cast<std::uint64_t>(max_media_ms)) {
        message.media_ms = static_cast<millis>(media_ms->unsigned_integer());
    }
    if (removes) {
        if (!removes->is_unsigned()) return std::nullopt;
        message.removes = removes->unsigned_integer();
    }
    if (reaction) {
        const auto to = reaction->find("to");
        const auto emoji = reaction->find("emoji");
        const auto add = reaction->find("add");
        if (!to || !to->is_unsigned() || !emoji || !emoji->is_string() || !add || !add->is_boolean()) {
            return std::nullopt;
        }
        message.reaction =
            reaction_change{to->unsigned_integer(), std::string(emoji->string()), add->boolean()};
    }
    return message;
}

}  // namespace

std::optional<std::string> event_json(const client_event& event) {
    auto tree = event_tree(event);
    if (!tree) return std::nullopt;
    return dump(*tree);
}

std::string frames_json(const std::vector<std::string>& frames) { return dump(json(frames)); }

std::string self_json(const std::optional<user_info>& self) {
    return self ? dump(detail::user_json<json>(*self)) : "null";
}

std::string subject_json(const std::optional<std::string>& subject) {
    return subject ? dump(json(*subject)) : "null";
}

std::string deadline_json(const std::optional<millis>& deadline) {
    return deadline ? std::to_string(*deadline) : "null";
}

std::string send_result_json(const result<message_id>& sent) {
    return sent ? dump(json{{"ok", true}, {"id", sent->to_string()}}) : dump(error_json(sent.error()));
}

std::string status_json(const status& outcome) {
    return outcome ? dump(json{{"ok", true}}) : dump(error_json(outcome.error()));
}

std::string error_codes_json() {
    json out = json::array();
    // to_string() gives "" just past the last enumerator (errc.cpp).
    for (int i = 0;; ++i) {
        const std::string_view name = to_string(static_cast<errc>(i));
        if (name.empty()) break;
        out.push_back(str(name));
    }
    return dump(out);
}

std::string pending_json(const std::vector<pending_message>& messages) {
    json out = json::array();
    for (const auto& message : messages) {
        json entry{{"id", message.id.to_string()}, {"text", message.text}, {"createdAt", message.created_at}};
        if (message.failure) entry["failure"] = str(to_string(*message.failure));
        if (message.media_ms) entry["mediaMs"] = *message.media_ms;
        if (message.removes) entry["removes"] = *message.removes;
        if (message.reaction) {
            entry["reaction"] = detail::reaction_json<json>(*message.reaction);
        }
        out.push_back(std::move(entry));
    }
    return dump(out);
}

std::string restore_result_json(const result<std::size_t>& restored) {
    return restored ? dump(json{{"ok", true}, {"restored", *restored}}) : dump(error_json(restored.error()));
}

result<std::vector<pending_message>> pending_from_json(std::string_view text) {
    const auto stored = detail::parse_json(text, max_stored_depth);
    if (stored.too_deep) return errc::too_deep;
    const auto root = stored.tree.root();
    if (!root) return errc::malformed_json;
    if (!root->is_array()) return errc::wrong_type;
    std::vector<pending_message> messages;
    for (const auto entry : *root) {
        if (auto message = pending_entry(entry)) messages.push_back(std::move(*message));
    }
    return messages;
}

std::string validation_json(const result<std::string>& verdict, std::size_t code_points,
                            std::size_t max_code_points, std::uint32_t wait_ms, std::uint32_t muted_ms) {
    json out{{"ok", verdict.ok()},
             {"codePoints", code_points},
             {"maxCodePoints", max_code_points},
             {"waitMs", wait_ms}};
    if (!verdict) {
        out["code"] = str(to_string(verdict.error()));
        out["message"] = message(verdict.error(), verdict.error() == errc::muted ? muted_ms : wait_ms);
    }
    return dump(out);
}

}  // namespace roomchat::wasm
