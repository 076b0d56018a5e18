#include "roomchat/text_rules.hpp"

namespace roomchat {
namespace {

constexpr char32_t invalid_code_point = 0xFFFFFFFF;

bool is_continuation(unsigned char byte) noexcept { return (byte & 0xC0U) == 0x80U; }

// Decodes the code point starting at `pos` and advances past it. A malformed
// sequence yields invalid_code_point and leaves `pos` where it was. The lead
// byte fixes the length and the allowed range of the first continuation byte
// (RFC 3629, section 4), which is what rules out overlongs (C0, C1, E0 80-9F,
// F0 80-8F), surrogates (ED A0-BF) and values over U+10FFFF (F4 90-BF, F5-FF).
char32_t decode_one(std::string_view bytes, std::size_t& pos) noexcept {
    const auto lead = static_cast<unsigned char>(bytes[pos]);
    if (lead < 0x80U) {
        ++pos;
        return lead;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    char32_t value = 0;
    if (lead >= 0xC2U && lead <= 0xDFU) {
        length = 2;
        value = lead & 0x1FU;
    } else if (lead >= 0xE0U && lead <= 0xEFU) {
        length = 3;
        value = lead & 0x0FU;
        if (lead == 0xE0U) {
            low = 0xA0;
        } else if (lead == 0xEDU) {
            high = 0x9F;
        }
    } else if (lead >= 0xF0U && lead <= 0xF4U) {
        length = 4;
        value = lead & 0x07U;
        if (lead == 0xF0U) {
            low = 0x90;
        } else if (lead == 0xF4U) {
            high = 0x8F;
        }
    } else {
        return invalid_code_point;
    }
    if (bytes.size() - pos < length) {
        return invalid_code_point;
    }
    const auto first = static_cast<unsigned char>(bytes[pos + 1]);
    if (first < low || first > high) {
        return invalid_code_point;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto byte = static_cast<unsigned char>(bytes[pos + i]);
        if (!is_continuation(byte)) {
            return invalid_code_point;
        }
        value = (value << 6U) | (byte & 0x3FU);
    }
    pos += length;
    return value;
}

// Input that is already known to be valid: steps back to the previous lead byte.
char32_t decode_last(std::string_view valid, std::size_t& end) noexcept {
    std::size_t start = end - 1;
    while (start > 0 && is_continuation(static_cast<unsigned char>(valid[start]))) {
        --start;
    }
    std::size_t pos = start;
    const char32_t code_point = decode_one(valid, pos);
    end = start;
    return code_point;
}

// The Unicode White_Space property (PropList.txt): ASCII tab to carriage
// return and space, NEL, no-break space, Ogham space mark, the U+2000-U+200A
// spaces, line and paragraph separators, narrow no-break space, medium
// mathematical space and the ideographic space. Trimming removes these at
// either end even when they are controls (VT, FF, NEL) that would be rejected
// inside the text, since nobody means to send invisible edges.
bool is_white_space(char32_t c) noexcept {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

bool is_forbidden_control(char32_t c, bool allow_newlines) noexcept {
    if (c == '\t' || (c == '\n' && allow_newlines)) {
        return false;
    }
    return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

std::string normalize_line_breaks(std::string_view text) {
    if (text.find('\r') == std::string_view::npos) {
        return std::string(text);  // most texts: one copy instead of a push_back per byte
    }
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\r') {
            out.push_back(text[i]);
            continue;
        }
        out.push_back('\n');
        if (i + 1 < text.size() && text[i + 1] == '\n') {
            ++i;
        }
    }
    return out;
}

std::string_view trim_white_space(std::string_view valid) noexcept {
    std::size_t begin = 0;
    while (begin < valid.size()) {
        std::size_t next = begin;
        if (!is_white_space(decode_one(valid, next))) {
            break;
        }
        begin = next;
    }
    std::size_t end = valid.size();
    while (end > begin) {
        std::size_t previous = end;
        if (!is_white_space(decode_last(valid, previous))) {
            break;
        }
        end = previous;
    }
    return valid.substr(begin, end - begin);
}

}  // namespace

result<std::string> normalize_text(std::string_view text, const text_limits& limits) {
    if (!is_valid_utf8(text)) {
        return errc::invalid_utf8;
    }
    const std::string normalized = normalize_line_breaks(text);
    const std::string_view trimmed = trim_white_space(normalized);
    if (trimmed.empty()) {
        return errc::empty_text;
    }
    std::size_t code_points = 0;
    for (std::size_t pos = 0; pos < trimmed.size(); ++code_points) {
        if (is_forbidden_control(decode_one(trimmed, pos), limits.allow_newlines)) {
            return errc::control_character;
        }
    }
    if (code_points > limits.max_code_points) {
        return errc::text_too_long;
    }
    return std::string(trimmed);
}

std::size_t count_code_points(std::string_view utf8) noexcept {
    std::size_t count = 0;
    for (std::size_t pos = 0; pos < utf8.size(); ++count) {
        if (decode_one(utf8, pos) == invalid_code_point) {
            ++pos;
        }
    }
    return count;
}

bool is_valid_utf8(std::string_view bytes) noexcept {
    for (std::size_t pos = 0; pos < bytes.size();) {
        if (decode_one(bytes, pos) == invalid_code_point) {
            return false;
        }
    }
    return true;
}

std::optional<std::size_t> utf16_length(std::string_view utf8) noexcept {
    constexpr char32_t last_single_unit = 0xFFFF;
    std::size_t units = 0;
    for (std::size_t pos = 0; pos < utf8.size();) {
        // ASCII, most of a chat's text, without a call per character.
        if (static_cast<unsigned char>(utf8[pos]) < 0x80U) {
            ++pos;
            ++units;
            continue;
        }
        const char32_t code_point = decode_one(utf8, pos);
        if (code_point == invalid_code_point) {
            return std::nullopt;
        }
        units += code_point > last_single_unit ? 2 : 1;
    }
    return units;
}

}  // namespace roomchat
