#pragma once
// The Origin check that stops other sites' pages from opening WebSockets to
// the relay with the user's cookies or network position (cross-site
// WebSocket hijacking).

#include <string>
#include <string_view>
#include <vector>

namespace roomchat::relay {

// Allowed when there is no Origin (not a browser: such clients can send any
// header anyway), when `allowed` lists it or "*", or, with an empty list,
// when the Origin's host[:port] is the Host the browser connected to.
bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed);

}  // namespace roomchat::relay
