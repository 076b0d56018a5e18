#pragma once
// Rows of the timeline, and what carries them (events, windows), as cells:
// the form for what crosses into JavaScript in bulk. Every message received
// is a row in an event, and as JSON text (the tree built, written, then read
// again by JSON.parse) rows cost about a third of applying 10,000 incoming
// messages (bench/wasm_send.mjs).
//
// Cells are numbers in an array of doubles, and strings one after another in
// one UTF-8 text, each string announced among the numbers by its length in
// UTF-16 code units (a JavaScript string's length). session_api.js decodes
// the text once and cuts it, reading numbers and strings in the order they
// were written. That order, the same in both files:
//
//   row      id, seq, from (user), text, ts, own (1/0), state,
//            mediaMs (NaN: none), system (1/0), removed (1/0),
//            reactions: a count, then each: emoji, a count of users, each
//            user, mine (1/0);
//            failure ("": none), then, when there is one, its message
//   user     id, name
//   events   each: 1, a row, before ("": none), for a message event;
//            2, count, divider ("": none), for unread_changed; or
//            0, the event's JSON text (session_json.hpp), for any other
//   rows     a count, then each row
//   window   rows, atStart (1/0), atEnd (1/0)
//
// A string that is not well-formed UTF-8 crosses as U+FFFD alone, so it
// cannot shift the strings after it; nothing the session is given can make
// one (its inputs are JSON, or text the page encoded).

#include <string>
#include <string_view>
#include <vector>

#include "roomchat/client_session.hpp"

namespace roomchat::wasm {

class cells {
public:
    void number(double value) { numbers_.push_back(value); }
    void string(std::string_view utf8);
    // Empties both, keeping their memory for the next value.
    void clear() noexcept;

    const std::vector<double>& numbers() const noexcept { return numbers_; }
    const std::string& text() const noexcept { return text_; }

private:
    std::vector<double> numbers_;
    std::string text_;
};

void write_events(cells& out, const std::vector<client_event>& events);  // ChatEvent[]
void write_rows(cells& out, const std::vector<timeline_message>& rows);  // TimelineMessage[]
void write_window(cells& out, const timeline_window& window);            // TimelineWindow

}  // namespace roomchat::wasm
