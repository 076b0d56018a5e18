#include <benchmark/benchmark.h>

#include "roomchat/history.hpp"

#include "sample_data.hpp"

namespace roomchat::bench {
namespace {

// Appending to a full ring: each append evicts the oldest message. The copy
// of the sample message is part of the figure, as the room makes one too.
void bm_history_append_at_cap(benchmark::State& state) {
    const history_limits limits;
    history_ring ring(limits);
    seq_t seq = 1;
    for (; seq <= limits.max_messages; ++seq) {
        ring.append(sample_message(seq));
    }
    const chat_message sample = sample_message(0);
    for (auto _ : state) {
        chat_message message = sample;
        message.seq = seq++;
        ring.append(std::move(message));
    }
    if (ring.size() != limits.max_messages) {
        state.SkipWithError("the ring was not at its cap");
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(bm_history_append_at_cap);

}  // namespace
}  // namespace roomchat::bench
