// The text rules on any bytes, under limits set by the first input byte (bit
// 0: newlines allowed; the rest times 4: the code point limit, so 0xFB is the
// default 500 with newlines) and the rest as the text:
// count_code_points, is_valid_utf8 and utf16_length never crash and agree
// with plain counts of lead bytes; an accepted text is valid UTF-8 within the limit, has
// no CR (nor LF when newlines are refused) and normalises to itself; display
// names likewise within their own limit.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "roomchat/ids.hpp"
#include "roomchat/text_rules.hpp"

#include "check.hpp"

namespace {

using roomchat::fuzz::check;

// Code points of valid UTF-8: every byte that is not a continuation byte.
std::size_t lead_bytes(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(
        utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

// Code points past U+FFFF in valid UTF-8: those written in four bytes.
std::size_t four_byte_leads(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(
        utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) >= 0xF0U; }));
}

void check_accepted(const std::string& text, const roomchat::text_limits& limits) {
    check(!text.empty(), "accepted text is not empty");
    check(roomchat::is_valid_utf8(text), "accepted text is valid UTF-8");
    check(roomchat::count_code_points(text) <= limits.max_code_points, "accepted text is within the limit");
    check(text.find('\r') == std::string::npos, "accepted text has no CR");
    check(limits.allow_newlines || text.find('\n') == std::string::npos, "no LF where newlines are refused");
    const auto again = roomchat::normalize_text(text, limits);
    check(again.ok() && *again == text, "normalising accepted text again changes nothing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    roomchat::text_limits limits;
    limits.allow_newlines = (data[0] & 1U) != 0;
    limits.max_code_points = (data[0] >> 1U) * 4U;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    const std::size_t code_points = roomchat::count_code_points(text);
    check(code_points <= text.size(), "at most one code point per byte");
    const bool valid = roomchat::is_valid_utf8(text);
    check(!valid || code_points == lead_bytes(text), "valid UTF-8 has one code point per lead byte");
    const auto units = roomchat::utf16_length(text);
    check(units.has_value() == valid, "utf16_length measures exactly the valid UTF-8");
    check(!units || *units == code_points + four_byte_leads(text),
          "a JavaScript length: a unit per code point, two past U+FFFF");

    const auto normalized = roomchat::normalize_text(text, limits);
    check(valid || (!normalized && normalized.error() == roomchat::errc::invalid_utf8),
          "malformed UTF-8 is refused as invalid_utf8");
    if (normalized) check_accepted(*normalized, limits);

    const auto name = roomchat::normalize_display_name(text);
    if (name) {
        check_accepted(*name, {roomchat::max_display_name_code_points, false});
    }
    return 0;
}
