#pragma once
// The rules a chat message's text must meet. Client and relay run the same
// function, so the browser can explain a rejection before sending and the
// relay enforces exactly what the browser checked.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "roomchat/result.hpp"

namespace roomchat {

struct text_limits {
    // Counted in Unicode code points after normalisation, so an emoji is one
    // and a letter plus a combining accent is two.
    std::size_t max_code_points = 500;
    bool allow_newlines = true;  // display names set this to false
};

// Validates and normalises message text:
//  - must be well-formed UTF-8 (no overlongs, surrogates or values over
//    U+10FFFF): errc::invalid_utf8;
//  - "\r\n" and lone "\r" become "\n";
//  - leading and trailing white space is trimmed;
//  - empty after trimming: errc::empty_text;
//  - control characters other than "\n" and "\t" (C0, DEL, C1), or "\n" when
//    newlines are not allowed: errc::control_character;
//  - more than max_code_points: errc::text_too_long.
// Returns the normalised text.
result<std::string> normalize_text(std::string_view text, const text_limits& limits = {});

// Code points in well-formed UTF-8 (what the UI's character counter shows).
// Malformed sequences count one per byte; normalize_text() rejects them anyway.
std::size_t count_code_points(std::string_view utf8) noexcept;

// Whether the bytes are well-formed UTF-8 per RFC 3629.
bool is_valid_utf8(std::string_view bytes) noexcept;

// The UTF-16 code units of well-formed UTF-8: the length of the same text as
// a JavaScript string (a code point above U+FFFF is two). nullopt when the
// bytes are not well-formed.
std::optional<std::size_t> utf16_length(std::string_view utf8) noexcept;

}  // namespace roomchat
