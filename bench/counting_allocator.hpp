#pragma once
// A program that links counting_allocator.cpp has its global operator new
// replaced by one that counts; a benchmark reads the count before and after
// the code it measures. One thread: the count is a plain integer.

#include <cstddef>

namespace roomchat::bench {

// Allocations through operator new since the program started.
std::size_t allocations_so_far() noexcept;

}  // namespace roomchat::bench
