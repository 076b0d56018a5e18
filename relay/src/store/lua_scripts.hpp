#pragma once
// The Lua scripts beside this file, as the relay sends them to Redis
// (pages.lua's functions prepended to the scripts that page). Embedded at
// build time (lua_scripts.cpp.in), so the relay needs no files to find.

#include <string_view>

namespace roomchat::relay::store::lua {

extern const std::string_view accept;
extern const std::string_view view;
extern const std::string_view page;
extern const std::string_view mark_read;
extern const std::string_view touch;
extern const std::string_view presence;

}  // namespace roomchat::relay::store::lua
