// The embind surface. session_api.js wraps the ChatSession class into the
// plain-object ChatSession of roomchat.d.ts; everything else here is exported
// as roomchat.d.ts names it.

#include <cstdint>
#include <string>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "roomchat/errc.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/token_subject.hpp"

#include "chat_session.hpp"
#include "session_json.hpp"

namespace {

// Unknown codes read as an empty string: the UI falls back to the code itself.
// A wait outside 1 ms to about 46 days (not a whole number of milliseconds
// a rate limit would give) counts as none.
std::string error_message(const std::string& code, double retry_after_ms) {
    const auto parsed = roomchat::errc_from_string(code);
    const bool waits = retry_after_ms >= 1 && retry_after_ms < 4e9;
    return parsed ? roomchat::message(*parsed, waits ? static_cast<std::uint32_t>(retry_after_ms) : 0)
                  : std::string();
}

// null when the token carries no readable subject.
emscripten::val token_subject(const std::string& token) {
    const auto subject = roomchat::token_subject(token);
    return subject ? emscripten::val(*subject) : emscripten::val::null();
}

}  // namespace

EMSCRIPTEN_BINDINGS(roomchat) {
    using roomchat::wasm::chat_session;
    emscripten::constant("protocolVersion", roomchat::protocol_version);
    emscripten::function("errorMessageAfter", &error_message);
    emscripten::function("errorCodesJson", &roomchat::wasm::error_codes_json);
    emscripten::function("tokenSubject", &token_subject);
    emscripten::class_<chat_session>("ChatSession")
        .constructor<std::string, std::string, double, double>()
        .function("start", &chat_session::start)
        .function("transportOpened", &chat_session::transport_opened)
        .function("transportClosed", &chat_session::transport_closed)
        .function("networkChanged", &chat_session::network_changed)
        .function("receive", &chat_session::receive)
        .function("httpResponse", &chat_session::http_response)
        .function("onTimer", &chat_session::on_timer)
        .function("nextDeadline", &chat_session::next_deadline)
        .function("send", &chat_session::send)
        .function("retry", &chat_session::retry)
        .function("markRead", &chat_session::mark_read)
        .function("setWatching", &chat_session::set_watching)
        .function("loadOlder", &chat_session::load_older)
        .function("setToken", &chat_session::set_token)
        .function("stop", &chat_session::stop)
        .function("restore", &chat_session::restore)
        .function("takeFrames", &chat_session::take_frames)
        .function("takeEvents", &chat_session::take_events)
        .function("validate", &chat_session::validate)
        .function("rateWaitMs", &chat_session::rate_wait_ms)
        .function("state", &chat_session::state)
        .function("unreadCount", &chat_session::unread_count)
        .function("timeline", &chat_session::timeline)
        .function("timelineLatest", &chat_session::timeline_latest)
        .function("timelineFrom", &chat_session::timeline_from)
        .function("timelineBefore", &chat_session::timeline_before)
        .function("older", &chat_session::older)
        .function("pending", &chat_session::pending)
        .function("self", &chat_session::self);
}
