#pragma once
// client_session with the types that cross into JavaScript cheaply: numbers as
// double (JavaScript's only number), timeline rows and what carries them as
// cells (session_cells.hpp), other structured values as JSON text
// (session_json.hpp). bindings.cpp exports it; session_api.js wraps it into
// the ChatSession of roomchat.d.ts.

#include <string>
#include <string_view>

#include "roomchat/client_session.hpp"

#include "session_cells.hpp"

namespace roomchat::wasm {

class chat_session {
public:
    // page_size or max_timeline below 1 keeps client_config's default.
    chat_session(std::string room, std::string token, double page_size, double max_timeline);

    void start(double now);
    void transport_opened(double now);
    void transport_closed(double now);
    void network_changed(bool online, double now);
    void receive(std::string_view frame_text, double now);
    // status 0: no answer came.
    void http_response(double id, double status, std::string_view body, double now);
    void on_timer(double now);
    std::string next_deadline() const;

    // media_seconds: the host player's position (NaN: none).
    std::string send(std::string_view text, double now, double media_seconds);
    std::string retry(std::string_view id, double now);
    void mark_read(double seq, double now);
    void set_watching(bool watching, double now);
    void composing(bool has_text, double now);
    // minutes: 0 lifts the mute; not a whole number from 0 to a day: wrong_type.
    std::string mute(std::string_view user_id, double minutes, double now);
    // client_session::remove, seq read as mark_read reads it.
    std::string remove(double seq, double now);
    std::string react(double seq, std::string_view emoji, double now);
    void load_older(double now);
    void set_token(std::string token, double now);
    void stop(double now);
    std::string restore(std::string_view pending, double now);

    std::string take_frames();
    void take_events(cells& out);

    std::string validate(std::string_view text, double now) const;
    double rate_wait_ms(double now) const;
    std::string state() const;
    double unread_count() const;
    void timeline(cells& out) const;
    void timeline_latest(cells& out, double count) const;
    void timeline_from(cells& out, double from, double count) const;
    void timeline_before(cells& out, double before, double count) const;
    std::string older() const;
    std::string pending() const;
    std::string self() const;
    bool moderator() const { return session_.moderator(); }

private:
    client_session session_;
};

}  // namespace roomchat::wasm
