// The module's exports: plain C functions over chat_session. session_api.js
// wraps them into the API of roomchat.d.ts. Embind did this before; its
// JavaScript half was most of roomchat.js (about 8 KB of the gzipped module),
// and these few signatures need none of what it does.
//
// Strings come in as UTF-8 bytes and a length, written by session_api.js into
// memory it frees after the call. Strings go out as a pointer to
// NUL-terminated UTF-8 (JSON text, or a name or sentence without NULs) that
// stays valid until the next export that returns one. Cells
// (session_cells.hpp) go out as the address of four numbers: where the
// doubles start, how many there are, where the text starts and its length in
// bytes; valid until the next export that returns cells.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <emscripten/emscripten.h>

#include "roomchat/errc.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/token_subject.hpp"

#include "chat_session.hpp"
#include "session_cells.hpp"
#include "session_json.hpp"

namespace {

using roomchat::wasm::cells;
using roomchat::wasm::chat_session;

std::string returned;

const char* give(std::string text) {
    returned = std::move(text);
    return returned.c_str();
}

// session_api.js reads the four as 32-bit numbers: wasm32's pointers.
static_assert(sizeof(std::uintptr_t) == 4, "cells are described in 32-bit words");

// Reused, so its memory is too: taking the events after each received
// message allocates nothing here once it has grown.
cells returned_cells;
std::array<std::uintptr_t, 4> returned_cells_view{};

template <typename Write>
const std::uintptr_t* give_cells(Write write) {
    returned_cells.clear();
    write(returned_cells);
    const auto& numbers = returned_cells.numbers();
    const auto& text = returned_cells.text();
    returned_cells_view = {reinterpret_cast<std::uintptr_t>(numbers.data()), numbers.size(),
                           reinterpret_cast<std::uintptr_t>(text.data()), text.size()};
    return returned_cells_view.data();
}

std::string text(const char* data, std::size_t size) { return std::string(data, size); }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE int roomchat_protocol_version() { return roomchat::protocol_version; }

// Unknown codes read as an empty string: the UI falls back to the code itself.
// A wait outside 1 ms to about 46 days (not a whole number of milliseconds
// a rate limit would give) counts as none.
EMSCRIPTEN_KEEPALIVE const char* roomchat_error_message(const char* code, std::size_t code_size,
                                                        double retry_after_ms) {
    const auto parsed = roomchat::errc_from_string(std::string_view(code, code_size));
    const bool waits = retry_after_ms >= 1 && retry_after_ms < 4e9;
    return give(parsed ? roomchat::message(*parsed, waits ? static_cast<std::uint32_t>(retry_after_ms) : 0)
                       : std::string());
}

EMSCRIPTEN_KEEPALIVE const char* roomchat_error_codes() { return give(roomchat::wasm::error_codes_json()); }

// JSON: the subject as a string, or null when the token carries no readable one.
EMSCRIPTEN_KEEPALIVE const char* roomchat_token_subject(const char* token, std::size_t token_size) {
    return give(roomchat::wasm::subject_json(roomchat::token_subject(std::string_view(token, token_size))));
}

EMSCRIPTEN_KEEPALIVE chat_session* roomchat_session_new(const char* room, std::size_t room_size,
                                                        const char* token, std::size_t token_size,
                                                        double page_size, double max_timeline) {
    return new chat_session(text(room, room_size), text(token, token_size), page_size, max_timeline);
}
EMSCRIPTEN_KEEPALIVE void roomchat_session_delete(chat_session* session) { delete session; }

EMSCRIPTEN_KEEPALIVE void roomchat_start(chat_session* s, double now) { s->start(now); }
EMSCRIPTEN_KEEPALIVE void roomchat_transport_opened(chat_session* s, double now) { s->transport_opened(now); }
EMSCRIPTEN_KEEPALIVE void roomchat_transport_closed(chat_session* s, double now) { s->transport_closed(now); }
EMSCRIPTEN_KEEPALIVE void roomchat_network_changed(chat_session* s, bool online, double now) {
    s->network_changed(online, now);
}
EMSCRIPTEN_KEEPALIVE void roomchat_receive(chat_session* s, const char* frame, std::size_t size, double now) {
    s->receive(std::string_view(frame, size), now);
}
EMSCRIPTEN_KEEPALIVE void roomchat_http_response(chat_session* s, double id, double status, const char* body,
                                                 std::size_t size, double now) {
    s->http_response(id, status, std::string_view(body, size), now);
}
EMSCRIPTEN_KEEPALIVE void roomchat_on_timer(chat_session* s, double now) { s->on_timer(now); }
EMSCRIPTEN_KEEPALIVE const char* roomchat_next_deadline(chat_session* s) { return give(s->next_deadline()); }

EMSCRIPTEN_KEEPALIVE const char* roomchat_send(chat_session* s, const char* message, std::size_t size,
                                               double now, double media_seconds) {
    return give(s->send(std::string_view(message, size), now, media_seconds));
}
EMSCRIPTEN_KEEPALIVE const char* roomchat_retry(chat_session* s, const char* id, std::size_t size,
                                                double now) {
    return give(s->retry(std::string_view(id, size), now));
}
EMSCRIPTEN_KEEPALIVE void roomchat_mark_read(chat_session* s, double seq, double now) {
    s->mark_read(seq, now);
}
EMSCRIPTEN_KEEPALIVE void roomchat_set_watching(chat_session* s, bool watching, double now) {
    s->set_watching(watching, now);
}
EMSCRIPTEN_KEEPALIVE void roomchat_composing(chat_session* s, bool has_text, double now) {
    s->composing(has_text, now);
}
EMSCRIPTEN_KEEPALIVE const char* roomchat_mute(chat_session* s, const char* user, std::size_t size,
                                               double minutes, double now) {
    return give(s->mute(std::string_view(user, size), minutes, now));
}
EMSCRIPTEN_KEEPALIVE bool roomchat_moderator(chat_session* s) { return s->moderator(); }
EMSCRIPTEN_KEEPALIVE const char* roomchat_remove(chat_session* s, double seq, double now) {
    return give(s->remove(seq, now));
}
EMSCRIPTEN_KEEPALIVE const char* roomchat_react(chat_session* s, double seq, const char* emoji,
                                                std::size_t size, double now) {
    return give(s->react(seq, std::string_view(emoji, size), now));
}
EMSCRIPTEN_KEEPALIVE void roomchat_load_older(chat_session* s, double now) { s->load_older(now); }
EMSCRIPTEN_KEEPALIVE void roomchat_set_token(chat_session* s, const char* token, std::size_t size,
                                             double now) {
    s->set_token(text(token, size), now);
}
EMSCRIPTEN_KEEPALIVE void roomchat_stop(chat_session* s, double now) { s->stop(now); }
EMSCRIPTEN_KEEPALIVE const char* roomchat_restore(chat_session* s, const char* pending, std::size_t size,
                                                  double now) {
    return give(s->restore(std::string_view(pending, size), now));
}

EMSCRIPTEN_KEEPALIVE const char* roomchat_take_frames(chat_session* s) { return give(s->take_frames()); }
EMSCRIPTEN_KEEPALIVE const std::uintptr_t* roomchat_take_events(chat_session* s) {
    return give_cells([s](cells& out) { s->take_events(out); });
}

EMSCRIPTEN_KEEPALIVE const char* roomchat_validate(chat_session* s, const char* message, std::size_t size,
                                                   double now) {
    return give(s->validate(std::string_view(message, size), now));
}
EMSCRIPTEN_KEEPALIVE double roomchat_rate_wait_ms(chat_session* s, double now) {
    return s->rate_wait_ms(now);
}
EMSCRIPTEN_KEEPALIVE const char* roomchat_state(chat_session* s) { return give(s->state()); }
EMSCRIPTEN_KEEPALIVE double roomchat_unread_count(chat_session* s) { return s->unread_count(); }
EMSCRIPTEN_KEEPALIVE const std::uintptr_t* roomchat_timeline(chat_session* s) {
    return give_cells([s](cells& out) { s->timeline(out); });
}
EMSCRIPTEN_KEEPALIVE const std::uintptr_t* roomchat_timeline_latest(chat_session* s, double count) {
    return give_cells([s, count](cells& out) { s->timeline_latest(out, count); });
}
EMSCRIPTEN_KEEPALIVE const std::uintptr_t* roomchat_timeline_from(chat_session* s, double from,
                                                                  double count) {
    return give_cells([s, from, count](cells& out) { s->timeline_from(out, from, count); });
}
EMSCRIPTEN_KEEPALIVE const std::uintptr_t* roomchat_timeline_before(chat_session* s, double before,
                                                                    double count) {
    return give_cells([s, before, count](cells& out) { s->timeline_before(out, before, count); });
}
EMSCRIPTEN_KEEPALIVE const char* roomchat_older(chat_session* s) { return give(s->older()); }
EMSCRIPTEN_KEEPALIVE const char* roomchat_pending(chat_session* s) { return give(s->pending()); }
EMSCRIPTEN_KEEPALIVE const char* roomchat_self(chat_session* s) { return give(s->self()); }

}  // extern "C"
