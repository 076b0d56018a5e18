#include <benchmark/benchmark.h>

#include "roomchat/rate_limiter.hpp"

namespace roomchat::bench {
namespace {

// One call per simulated ms against the default 5 / 1000 ms bucket, so most
// calls are refusals that still refill, as under a flood.
void bm_rate_limiter_try_acquire(benchmark::State& state) {
    rate_limiter limiter;
    millis now = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(limiter.try_acquire(++now));
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(bm_rate_limiter_try_acquire);

}  // namespace
}  // namespace roomchat::bench
