#include "session_json.hpp"

#include <optional>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "roomchat/codec.hpp"
#include "roomchat/text_rules.hpp"

namespace roomchat::wasm {
namespace {

using nlohmann::json;

// JSON text appended straight to one string. Building an nlohmann::json tree
// first (a std::map and its allocations per object) and then dumping it was
// about a third of the time a received message cost the browser.
class json_text {
public:
    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    // The next value is this field's.
    json_text& key(std::string_view name) {
        separate();
        text_ += '"';
        text_ += name;  // field names are plain ASCII
        text_ += "\":";
        first_ = true;
        return *this;
    }

    void value(std::string_view text) {
        separate();
        write_string(text);
    }
    void value(const char* text) { value(std::string_view(text)); }
    void value(bool flag) {
        separate();
        text_ += flag ? "true" : "false";
    }
    template <typename Integer, std::enable_if_t<std::is_integral_v<Integer>, int> = 0>
    void value(Integer number) {
        separate();
        text_ += std::to_string(number);
    }
    void null() {
        separate();
        text_ += "null";
    }

    template <typename Value>
    void field(std::string_view name, const Value& v) {
        key(name).value(v);
    }

    std::string take() { return std::move(text_); }

private:
    void open(char bracket) {
        separate();
        text_ += bracket;
        first_ = true;
    }
    void close(char bracket) {
        text_ += bracket;
        first_ = false;
    }
    void separate() {
        if (!first_) text_ += ',';
        first_ = false;
    }

    // What nlohmann's dump(-1, ' ', false, replace) writes for a string: valid
    // UTF-8 as it is but for the escapes below. Strings the session holds are
    // valid (the codec's parser checks the relay's, Emscripten's encoder writes
    // JavaScript's), so anything else goes through nlohmann itself, whose
    // replace handler puts U+FFFD for the invalid bytes, as it always did.
    void write_string(std::string_view text) {
        if (!is_valid_utf8(text)) {
            text_ += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
            return;
        }
        text_ += '"';
        for (const char c : text) {
            switch (c) {
                case '"':
                    text_ += "\\\"";
                    break;
                case '\\':
                    text_ += "\\\\";
                    break;
                case '\b':
                    text_ += "\\b";
                    break;
                case '\f':
                    text_ += "\\f";
                    break;
                case '\n':
                    text_ += "\\n";
                    break;
                case '\r':
                    text_ += "\\r";
                    break;
                case '\t':
                    text_ += "\\t";
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        constexpr std::string_view hex = "0123456789abcdef";
                        text_ += "\\u00";
                        text_ += hex[static_cast<unsigned char>(c) >> 4U];
                        text_ += hex[static_cast<unsigned char>(c) & 0xFU];
                    } else {
                        text_ += c;
                    }
            }
        }
        text_ += '"';
    }

    std::string text_;
    bool first_ = true;
};

// The shape of roomchat/detail/json_shapes.hpp's user_json, which the
// codec and the relay's HTTP answers write.
void write_user(json_text& out, const user_info& user) {
    out.begin_object();
    out.field("id", user.id);
    out.field("name", user.name);
    out.end_object();
}

void write_message(json_text& out, const timeline_message& row) {
    out.begin_object();
    out.field("id", row.id.to_string());
    out.field("seq", row.seq);
    write_user(out.key("from"), row.from);
    out.field("text", row.text);
    out.field("ts", row.ts);
    out.field("own", row.own);
    out.field("state", to_string(row.state));
    if (row.media_ms) out.field("mediaMs", *row.media_ms);
    if (row.system) out.field("system", true);
    if (row.failure) {
        out.field("failure", to_string(*row.failure));
        out.field("failureMessage", message(*row.failure));
    }
    out.end_object();
}

// {"ok":false,"code":...,"message":...}
std::string error_json(errc code) {
    json_text out;
    out.begin_object();
    out.field("ok", false);
    out.field("code", to_string(code));
    out.field("message", message(code));
    out.end_object();
    return out.take();
}

// {"ok":true} with the fields `more` writes, or the error.
template <typename Value, typename More>
std::string ok_json(const result<Value>& outcome, More more) {
    if (!outcome) return error_json(outcome.error());
    json_text out;
    out.begin_object();
    out.field("ok", true);
    more(out);
    out.end_object();
    return out.take();
}

void write_event(json_text& out, const client_event& event) {
    out.begin_object();
    std::visit(
        [&out](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, events::open_transport>) {
                out.field("type", "open_transport");
            } else if constexpr (std::is_same_v<E, events::close_transport>) {
                out.field("type", "close_transport");
                out.field("reason", e.reason);
            } else if constexpr (std::is_same_v<E, events::connection_changed>) {
                out.field("type", "connection_changed");
                out.field("state", to_string(e.state));
                if (e.retry_at != 0) out.field("retryAt", e.retry_at);
                if (e.reason) out.field("reason", to_string(*e.reason));
                out.field("via", to_string(e.via));
            } else if constexpr (std::is_same_v<E, events::http_request>) {
                out.field("type", "http_request");
                out.field("id", e.id);
                out.field("method", e.method);
                out.field("target", e.target);
                out.field("token", e.token);
                if (!e.body.empty()) out.field("body", e.body);
            } else if constexpr (std::is_same_v<E, events::http_abort>) {
                out.field("type", "http_abort");
                out.field("id", e.id);
            } else if constexpr (std::is_same_v<E, events::identity>) {
                out.field("type", "identity");
                write_user(out.key("self"), e.self);
            } else if constexpr (std::is_same_v<E, events::message_upserted>) {
                out.field("type", "message");
                write_message(out.key("message"), e.message);
                if (e.before) out.field("before", e.before->to_string());
            } else if constexpr (std::is_same_v<E, events::timeline_reset>) {
                out.field("type", "timeline_reset");
                out.field("reason", to_string(e.reason));
            } else if constexpr (std::is_same_v<E, events::history_loaded>) {
                out.field("type", "history_loaded");
                out.field("mode", to_string(e.mode));
                out.field("count", e.count);
                out.field("hasMore", e.has_more);
            } else if constexpr (std::is_same_v<E, events::older_changed>) {
                out.field("type", "older_changed");
                out.field("older", to_string(e.state));
            } else if constexpr (std::is_same_v<E, events::unread_changed>) {
                out.field("type", "unread_changed");
                out.field("count", e.count);
                if (e.divider) out.field("divider", e.divider->to_string());
            } else if constexpr (std::is_same_v<E, events::presence_changed>) {
                out.field("type", "presence_changed");
                out.key("members").begin_array();
                for (const auto& member : e.members) write_user(out, member);
                out.end_array();
                out.field("count", e.count);
            } else if constexpr (std::is_same_v<E, events::rate_limited>) {
                out.field("type", "rate_limited");
                out.field("retryAt", e.retry_at);
            } else if constexpr (std::is_same_v<E, events::token_expiring>) {
                out.field("type", "token_expiring");
                out.field("expiresAt", e.expires_at);
            } else if constexpr (std::is_same_v<E, events::pending_changed>) {
                out.field("type", "pending_changed");
            } else {
                static_assert(std::is_same_v<E, events::error>, "every client_event needs a JSON shape");
                out.field("type", "error");
                out.field("code", to_string(e.code));
                out.field("message", message(e.code));
                out.field("detail", e.detail);
            }
        },
        event);
    out.end_object();
}

std::optional<pending_message> pending_entry(const json& entry) {
    if (!entry.is_object()) return std::nullopt;
    const auto id = entry.find("id");
    const auto text = entry.find("text");
    const auto created_at = entry.find("createdAt");
    const auto failure = entry.find("failure");
    const auto media_ms = entry.find("mediaMs");
    if (id == entry.end() || !id->is_string() || text == entry.end() || !text->is_string() ||
        created_at == entry.end() || !created_at->is_number_integer()) {
        return std::nullopt;
    }
    auto parsed_id = message_id::parse(id->get_ref<const std::string&>());
    if (!parsed_id) return std::nullopt;
    pending_message message{*parsed_id, text->get<std::string>(), created_at->get<millis>(), std::nullopt};
    if (failure != entry.end()) {
        message.failure =
            failure->is_string() ? errc_from_string(failure->get_ref<const std::string&>()) : std::nullopt;
        if (!message.failure) return std::nullopt;
    }
    // A stamp that is no position is dropped, not the message (restore checks it again).
    if (media_ms != entry.end() && media_ms->is_number_unsigned() &&
        media_ms->get<std::uint64_t>() <= static_cast<std::uint64_t>(max_media_ms)) {
        message.media_ms = media_ms->get<millis>();
    }
    return message;
}

void write_rows(json_text& out, const std::vector<timeline_message>& messages) {
    out.begin_array();
    for (const auto& row : messages) write_message(out, row);
    out.end_array();
}

}  // namespace

std::string events_json(const std::vector<client_event>& events) {
    json_text out;
    out.begin_array();
    for (const auto& event : events) write_event(out, event);
    out.end_array();
    return out.take();
}

std::string frames_json(const std::vector<std::string>& frames) {
    json_text out;
    out.begin_array();
    for (const auto& frame : frames) out.value(frame);
    out.end_array();
    return out.take();
}

std::string timeline_json(const std::vector<timeline_message>& messages) {
    json_text out;
    write_rows(out, messages);
    return out.take();
}

std::string window_json(const timeline_window& window) {
    json_text out;
    out.begin_object();
    write_rows(out.key("rows"), window.rows);
    out.field("atStart", window.at_start);
    out.field("atEnd", window.at_end);
    out.end_object();
    return out.take();
}

std::string self_json(const std::optional<user_info>& self) {
    if (!self) return "null";
    json_text out;
    write_user(out, *self);
    return out.take();
}

std::string subject_json(const std::optional<std::string>& subject) {
    if (!subject) return "null";
    json_text out;
    out.value(*subject);
    return out.take();
}

std::string deadline_json(const std::optional<millis>& deadline) {
    return deadline ? std::to_string(*deadline) : "null";
}

std::string send_result_json(const result<message_id>& sent) {
    return ok_json(sent, [&](json_text& out) { out.field("id", sent->to_string()); });
}

std::string status_json(const status& outcome) {
    return ok_json(outcome, [](json_text& /*out*/) {});
}

std::string error_codes_json() {
    json_text out;
    out.begin_array();
    // to_string() gives "" just past the last enumerator (errc.cpp).
    for (int i = 0;; ++i) {
        const std::string_view name = to_string(static_cast<errc>(i));
        if (name.empty()) break;
        out.value(name);
    }
    out.end_array();
    return out.take();
}

std::string pending_json(const std::vector<pending_message>& messages) {
    json_text out;
    out.begin_array();
    for (const auto& message : messages) {
        out.begin_object();
        out.field("id", message.id.to_string());
        out.field("text", message.text);
        out.field("createdAt", message.created_at);
        if (message.failure) out.field("failure", to_string(*message.failure));
        if (message.media_ms) out.field("mediaMs", *message.media_ms);
        out.end_object();
    }
    out.end_array();
    return out.take();
}

std::string restore_result_json(const result<std::size_t>& restored) {
    return ok_json(restored, [&](json_text& out) { out.field("restored", *restored); });
}

result<std::vector<pending_message>> pending_from_json(std::string_view text) {
    const json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) return errc::malformed_json;
    if (!parsed.is_array()) return errc::wrong_type;
    std::vector<pending_message> messages;
    for (const auto& entry : parsed) {
        if (auto message = pending_entry(entry)) messages.push_back(std::move(*message));
    }
    return messages;
}

std::string validation_json(const result<std::string>& verdict, std::size_t code_points,
                            std::size_t max_code_points, std::uint32_t wait_ms) {
    json_text out;
    out.begin_object();
    out.field("ok", verdict.ok());
    out.field("codePoints", code_points);
    out.field("maxCodePoints", max_code_points);
    out.field("waitMs", wait_ms);
    if (!verdict) {
        out.field("code", to_string(verdict.error()));
        out.field("message", message(verdict.error(), wait_ms));
    }
    out.end_object();
    return out.take();
}

}  // namespace roomchat::wasm
