#include "crypto_random.hpp"

#include <emscripten/emscripten.h>

// getRandomValues refuses requests over 65536 bytes, hence the chunks.
EM_JS(void, roomchat_fill_random, (std::uint8_t * data, std::size_t size), {
    for (let offset = 0; offset < size; offset += 65536) {
        crypto.getRandomValues(HEAPU8.subarray(data + offset, data + Math.min(size, offset + 65536)));
    }
});

namespace roomchat::wasm {

random_source crypto_random() {
    return [](std::uint8_t* data, std::size_t size) { roomchat_fill_random(data, size); };
}

}  // namespace roomchat::wasm
