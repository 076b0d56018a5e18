#include "origin.hpp"

#include <algorithm>
#include <cctype>

namespace roomchat::relay {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed) {
    if (origin.empty()) return true;
    if (!allowed.empty()) {
        return std::any_of(allowed.begin(), allowed.end(),
                           [&](const std::string& entry) { return entry == "*" || iequals(entry, origin); });
    }
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos || host.empty()) return false;
    const std::string_view authority = origin.substr(scheme_end + 3);
    return iequals(authority, host);
}

}  // namespace roomchat::relay
