#pragma once
// One line per event on stderr in logfmt:
//   ts=2024-05-01T12:00:00.123Z level=info event=listening url=http://...
// so the lines are easy to grep and to feed to a log shipper.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roomchat::relay {

enum class log_level { debug, info, warn, error };

std::optional<log_level> log_level_from_string(std::string_view name);
std::string_view to_string(log_level level);

using log_fields = std::vector<std::pair<std::string_view, std::string>>;

class logger {
public:
    logger(log_level min_level, std::ostream& out);

    void write(log_level level, std::string_view event, const log_fields& fields = {});
    bool enabled(log_level level) const { return level >= min_level_; }

private:
    log_level min_level_;
    std::ostream& out_;
};

// Values with spaces, quotes, '=' or anything escaped are quoted so a line
// splits unambiguously; control characters and bytes that are not UTF-8 are
// escaped (\n, \r, \t, \x1b, \u0085), so one value is always one line.
std::string format_log_value(std::string_view value);

}  // namespace roomchat::relay
