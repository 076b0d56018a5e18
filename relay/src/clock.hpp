#pragma once
// The relay's one source of wall-clock time for the core (which never reads a clock).

#include "roomchat/protocol.hpp"

namespace roomchat::relay {

millis now_millis();

}  // namespace roomchat::relay
