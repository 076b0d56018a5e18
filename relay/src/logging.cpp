#include "logging.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <ostream>

namespace roomchat::relay {
namespace {

std::string utc_timestamp() {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t seconds = system_clock::to_time_t(now);
    const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[32];
    const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    char millis_part[8];
    std::snprintf(millis_part, sizeof millis_part, ".%03dZ", static_cast<int>(ms));
    return std::string(buffer, n) + millis_part;
}

}  // namespace

std::optional<log_level> log_level_from_string(std::string_view name) {
    if (name == "debug") return log_level::debug;
    if (name == "info") return log_level::info;
    if (name == "warn") return log_level::warn;
    if (name == "error") return log_level::error;
    return std::nullopt;
}

std::string_view to_string(log_level level) {
    switch (level) {
        case log_level::debug:
            return "debug";
        case log_level::info:
            return "info";
        case log_level::warn:
            return "warn";
        case log_level::error:
            return "error";
    }
    return "error";
}

namespace {

// The length of the well-formed UTF-8 sequence at `at`, or 0 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const auto continuation = [&](std::size_t i) {
        return at + i < text.size() && (byte(i) & 0xC0U) == 0x80U;
    };
    const unsigned char lead = byte(0);
    if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (!continuation(1) || !continuation(2)) return 0;
        if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) > 0x9F)) return 0;
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
        if ((lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) > 0x8F)) return 0;
        return 4;
    }
    return 0;
}

unsigned code_point_of_3(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) {
        return static_cast<unsigned>(static_cast<unsigned char>(text[at + i]));
    };
    return ((byte(0) & 0x0FU) << 12U) | ((byte(1) & 0x3FU) << 6U) | (byte(2) & 0x3FU);
}

// Line and paragraph separators, which some viewers break lines at, and the
// bidirectional overrides and isolates, which reorder what follows them.
bool breaks_or_reorders(unsigned point) {
    return point == 0x2028 || point == 0x2029 || (point >= 0x202A && point <= 0x202E) ||
           (point >= 0x2066 && point <= 0x2069);
}

void append_hex_escape(std::string& out, unsigned value, const char* prefix, int digits) {
    static constexpr char hex[] = "0123456789abcdef";
    out += prefix;
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += hex[(value >> shift) & 0xFU];
}

}  // namespace

// Every byte that could act on a terminal or split a line is escaped: C0
// controls and DEL, C1 controls (U+0080-U+009F, which some terminals obey
// even in UTF-8), line separators and bidi overrides, and bytes that are not
// well-formed UTF-8. Values arrive
// from the network (an Origin header, a token's claims), so nothing in
// them may forge a log line or an escape sequence.
std::string format_log_value(std::string_view value) {
    std::string escaped;
    bool needs_quotes = value.empty();
    for (std::size_t i = 0; i < value.size();) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c < 0x80) {
            switch (c) {
                case '"':
                case '\\':
                    escaped += '\\';
                    escaped += static_cast<char>(c);
                    break;
                case '\n':
                    escaped += "\\n";
                    break;
                case '\r':
                    escaped += "\\r";
                    break;
                case '\t':
                    escaped += "\\t";
                    break;
                default:
                    if (c < 0x20 || c == 0x7F) {
                        append_hex_escape(escaped, c, "\\x", 2);
                    } else {
                        escaped += static_cast<char>(c);
                    }
            }
            needs_quotes = needs_quotes || c <= 0x20 || c == '"' || c == '=' || c == '\\' || c == 0x7F;
            ++i;
            continue;
        }
        const std::size_t length = utf8_length(value, i);
        if (length == 0) {
            append_hex_escape(escaped, c, "\\x", 2);
            needs_quotes = true;
            ++i;
        } else if (length == 2 && c == 0xC2 && static_cast<unsigned char>(value[i + 1]) < 0xA0) {
            append_hex_escape(escaped, static_cast<unsigned char>(value[i + 1]), "\\u00", 2);  // a C1 control
            needs_quotes = true;
            i += 2;
        } else if (const unsigned point = length == 3 ? code_point_of_3(value, i) : 0;
                   breaks_or_reorders(point)) {
            append_hex_escape(escaped, point, "\\u", 4);
            needs_quotes = true;
            i += 3;
        } else {
            escaped.append(value.substr(i, length));
            i += length;
        }
    }
    if (!needs_quotes) return escaped;
    return '"' + escaped + '"';
}

logger::logger(log_level min_level, std::ostream& out) : min_level_(min_level), out_(out) {}

void logger::write(log_level level, std::string_view event, const log_fields& fields) {
    if (!enabled(level)) return;
    std::string line = "ts=" + utc_timestamp() + " level=" + std::string(to_string(level)) +
                       " event=" + format_log_value(event);
    for (const auto& [key, value] : fields) {
        line += ' ';
        line += key;
        line += '=';
        line += format_log_value(value);
    }
    line += '\n';
    out_ << line << std::flush;
}

}  // namespace roomchat::relay
