#pragma once
// Runs one profile from start to end: a relay of this build started with the
// profile's flags on a loopback port, the clients opened, the workload, the
// relay's memory read, everything closed again.

#include <cstdint>

#include "profile.hpp"
#include "results.hpp"

namespace roomchat::load {

profile_result run_profile(const profile& p, std::uint64_t seed);

// A saturation step is clean only with nothing lost and p99 delivery at most
// this (a step that is not runs once more before the climb ends there).
inline constexpr double saturation_p99_ms = 100;

}  // namespace roomchat::load
