#pragma once
// Randomness for message ids and backoff jitter in the browser.

#include "roomchat/ids.hpp"

namespace roomchat::wasm {

// Draws from crypto.getRandomValues (browsers and Node 20's globalThis.crypto).
random_source crypto_random();

}  // namespace roomchat::wasm
