#pragma once
// Turns a violated invariant into a crash libFuzzer reports (with the input
// that caused it), saying which invariant it was.

#include <cstdio>
#include <cstdlib>

namespace roomchat::fuzz {

inline void check(bool holds, const char* invariant) {
    if (!holds) {
        std::fprintf(stderr, "invariant violated: %s\n", invariant);
        std::abort();
    }
}

}  // namespace roomchat::fuzz
