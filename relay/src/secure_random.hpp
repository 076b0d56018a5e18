#pragma once
// The relay's randomness, from OpenSSL's CSPRNG: room epochs, dev tokens'
// user ids and secrets. A process whose CSPRNG fails cannot continue safely,
// so a failure aborts with a message instead of returning weak bytes.

#include "roomchat/ids.hpp"

namespace roomchat::relay {

void secure_random_bytes(std::uint8_t* data, std::size_t size);

// secure_random_bytes as the core's random_source.
inline random_source secure_random() { return secure_random_bytes; }

}  // namespace roomchat::relay
