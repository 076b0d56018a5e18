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

std::string format_log_value(std::string_view value) {
    const bool needs_quotes = value.empty() || value.find_first_of(" \"=\t\n\\") != std::string_view::npos;
    if (!needs_quotes) return std::string(value);
    std::string quoted = "\"";
    for (const char c : value) {
        if (c == '"' || c == '\\') {
            quoted += '\\';
            quoted += c;
        } else if (c == '\n') {
            quoted += "\\n";
        } else {
            quoted += c;
        }
    }
    quoted += '"';
    return quoted;
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
