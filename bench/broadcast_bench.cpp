#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include <benchmark/benchmark.h>

#include "roomchat/codec.hpp"
#include "roomchat/local_room.hpp"

#include "sample_data.hpp"

namespace roomchat::bench {
namespace {

constexpr connection_id clients = 20;

// One full round for 20 clients: the sender's client encodes its send, the
// relay decodes it, decides, encodes each resulting frame once, and every
// client decodes what reaches it (the sender its ack, 19 others the message).
void bm_send_round_20_clients(benchmark::State& state) {
    room_config config;
    config.rate = {5, 1};
    local_room r("lobby", "bench", config);
    for (connection_id conn = 1; conn <= clients; ++conn) {
        (void)r.join(conn, member(conn), join_frame{"lobby", std::nullopt, std::nullopt}, 0);
    }
    millis now = 0;
    std::uint64_t n = 0;
    std::int64_t deliveries = 0;
    for (auto _ : state) {
        const connection_id sender = 1 + n % clients;
        const std::string wire = encode(client_frame{send_frame{"lobby", id_for(n), chat_line()}});
        ++n;
        const auto received = decode_client_frame(wire);
        const auto* frame = (received ? &*received : nullptr);
        const auto* send = frame == nullptr ? nullptr : std::get_if<send_frame>(frame);
        if (send == nullptr) {
            state.SkipWithError("the send frame did not decode");
            return;
        }
        for (const room_action& action : r.send(sender, send->id, send->text, ++now).actions) {
            const std::string out = encode(action.frame);
            for (std::size_t i = 0; i < action.to.size(); ++i) {
                auto decoded = decode_server_frame(out);
                benchmark::DoNotOptimize(decoded);
                ++deliveries;
            }
        }
    }
    if (deliveries != state.iterations() * static_cast<std::int64_t>(clients)) {
        state.SkipWithError("not every client received exactly one frame per send");
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["deliveries_per_send"] =
        benchmark::Counter(static_cast<double>(deliveries), benchmark::Counter::kAvgIterations);
}

BENCHMARK(bm_send_round_20_clients);

}  // namespace
}  // namespace roomchat::bench
