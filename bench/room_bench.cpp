#include <cstdint>

#include <benchmark/benchmark.h>

#include "roomchat/local_room.hpp"

#include "sample_data.hpp"

namespace roomchat::bench {
namespace {

constexpr connection_id members_in_room = 20;

// One accepted send in a room of 20 members whose history is already at its
// cap, so every send also evicts one message and one dedupe entry.
void bm_room_send_20_members(benchmark::State& state) {
    room_config config;
    config.rate = {5, 1};  // one token per ms of simulated time: never limited
    config.dedupe_capacity = config.history.max_messages;
    local_room r("lobby", "bench", config);
    for (connection_id conn = 1; conn <= members_in_room; ++conn) {
        (void)r.join(conn, member(conn), join_frame{"lobby", std::nullopt, std::nullopt}, 0);
    }
    millis now = 0;
    std::uint64_t n = 0;
    for (; n < config.history.max_messages; ++n) {
        (void)r.send(1 + n % members_in_room, id_for(n), chat_line(), ++now);
    }
    for (auto _ : state) {
        send_result sent = r.send(1 + n % members_in_room, id_for(n), chat_line(), ++now);
        ++n;
        benchmark::DoNotOptimize(sent.actions.data());
    }
    if (r.latest_seq() != n) {
        state.SkipWithError("a send was refused");
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(bm_room_send_20_members);

}  // namespace
}  // namespace roomchat::bench
