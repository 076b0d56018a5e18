// The embind surface. session_api.js turns SessionCore into roomchat.d.ts's
// ChatSession; everything else here is exported as roomchat.d.ts names it.

#include <string>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "roomchat/errc.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/token_subject.hpp"

#include "js_session.hpp"

namespace {

// Unknown codes read as an empty string: the UI falls back to the code itself.
std::string error_message(const std::string& code) {
    const auto parsed = roomchat::errc_from_string(code);
    return parsed ? std::string(roomchat::message(*parsed)) : std::string();
}

// null when the token carries no readable subject.
emscripten::val token_subject(const std::string& token) {
    const auto subject = roomchat::token_subject(token);
    return subject ? emscripten::val(*subject) : emscripten::val::null();
}

}  // namespace

EMSCRIPTEN_BINDINGS(roomchat) {
    using roomchat::wasm::js_session;
    emscripten::constant("protocolVersion", roomchat::protocol_version);
    emscripten::function("errorMessage", &error_message);
    emscripten::function("tokenSubject", &token_subject);
    emscripten::class_<js_session>("SessionCore")
        .constructor<std::string, std::string, double, double>()
        .function("start", &js_session::start)
        .function("transportOpened", &js_session::transport_opened)
        .function("transportClosed", &js_session::transport_closed)
        .function("networkChanged", &js_session::network_changed)
        .function("receive", &js_session::receive)
        .function("onTimer", &js_session::on_timer)
        .function("nextDeadline", &js_session::next_deadline)
        .function("send", &js_session::send)
        .function("retry", &js_session::retry)
        .function("markRead", &js_session::mark_read)
        .function("setWatching", &js_session::set_watching)
        .function("loadOlder", &js_session::load_older)
        .function("setToken", &js_session::set_token)
        .function("stop", &js_session::stop)
        .function("restore", &js_session::restore)
        .function("takeFrames", &js_session::take_frames)
        .function("takeEvents", &js_session::take_events)
        .function("validate", &js_session::validate)
        .function("rateWaitMs", &js_session::rate_wait_ms)
        .function("state", &js_session::state)
        .function("unreadCount", &js_session::unread_count)
        .function("timeline", &js_session::timeline)
        .function("timelineLatest", &js_session::timeline_latest)
        .function("timelineFrom", &js_session::timeline_from)
        .function("timelineBefore", &js_session::timeline_before)
        .function("older", &js_session::older)
        .function("pending", &js_session::pending)
        .function("self", &js_session::self);
}
