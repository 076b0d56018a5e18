#include "secure_random.hpp"

#include <climits>
#include <cstdio>
#include <cstdlib>

#include <openssl/rand.h>

namespace roomchat::relay {

void secure_random_bytes(std::uint8_t* data, std::size_t size) {
    while (size > 0) {
        const int chunk = size > INT_MAX ? INT_MAX : static_cast<int>(size);
        if (RAND_bytes(data, chunk) != 1) {
            std::fputs("roomchat-relay: OpenSSL's random generator failed; stopping\n", stderr);
            std::abort();
        }
        data += chunk;
        size -= static_cast<std::size_t>(chunk);
    }
}

}  // namespace roomchat::relay
