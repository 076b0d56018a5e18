#include "session_cells.hpp"

#include <cmath>
#include <optional>
#include <variant>

#include "roomchat/text_rules.hpp"

#include "session_json.hpp"

namespace roomchat::wasm {

void cells::string(std::string_view utf8) {
    auto units = utf16_length(utf8);
    if (!units) {
        utf8 = "\xEF\xBF\xBD";  // U+FFFD
        units = 1;
    }
    text_.append(utf8.data(), utf8.size());
    number(static_cast<double>(*units));
}

void cells::clear() noexcept {
    numbers_.clear();
    text_.clear();
}

namespace {

void write_id(cells& out, const message_id& id) {
    const auto text = id.text();
    out.string(std::string_view(text.data(), text.size()));
}

// "" for none: no id is empty.
void write_optional_id(cells& out, const std::optional<message_id>& id) {
    if (id) {
        write_id(out, *id);
    } else {
        out.string(std::string_view());
    }
}

void write_user(cells& out, const user_info& user) {
    out.string(user.id);
    out.string(user.name);
}

void write_row(cells& out, const timeline_message& row) {
    write_id(out, row.id);
    out.number(static_cast<double>(row.seq));
    write_user(out, row.from);
    out.string(row.text);
    out.number(static_cast<double>(row.ts));
    out.number(row.own ? 1 : 0);
    out.string(to_string(row.state));
    out.number(row.media_ms ? static_cast<double>(*row.media_ms) : std::nan(""));
    out.number(row.system ? 1 : 0);
    out.number(row.removed ? 1 : 0);
    out.number(static_cast<double>(row.reactions.size()));
    for (const auto& reaction : row.reactions) {
        out.string(reaction.emoji);
        out.number(static_cast<double>(reaction.users.size()));
        for (const auto& user : reaction.users) write_user(out, user);
        out.number(reaction.mine ? 1 : 0);
    }
    out.string(row.failure ? to_string(*row.failure) : std::string_view());
    if (row.failure) out.string(message(*row.failure));
}

}  // namespace

void write_events(cells& out, const std::vector<client_event>& events) {
    for (const auto& event : events) {
        if (auto text = event_json(event)) {
            out.number(0);
            out.string(*text);
        } else if (const auto* upserted = std::get_if<events::message_upserted>(&event)) {
            out.number(1);
            write_row(out, upserted->message);
            write_optional_id(out, upserted->before);
        } else {
            const auto& unread = std::get<events::unread_changed>(event);
            out.number(2);
            out.number(static_cast<double>(unread.count));
            write_optional_id(out, unread.divider);
        }
    }
}

void write_rows(cells& out, const std::vector<timeline_message>& rows) {
    out.number(static_cast<double>(rows.size()));
    for (const auto& row : rows) write_row(out, row);
}

void write_window(cells& out, const timeline_window& window) {
    write_rows(out, window.rows);
    out.number(window.at_start ? 1 : 0);
    out.number(window.at_end ? 1 : 0);
}

}  // namespace roomchat::wasm
