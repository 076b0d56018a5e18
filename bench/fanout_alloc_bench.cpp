// Heap allocations on the relay's delivery path: a member's send frame goes
// through the hub as the relay runs it (decode, room decision, encode, one
// prepared frame per broadcast) to a room of N members, counting
// allocations (counting_allocator.hpp) around hub::text only. The figure
// that matters is allocations per delivery: the work per send is the same
// whatever the room's size, so it falls as the room grows. websocketpp's own
// queueing and writing per recipient is not here (it needs sockets). Its own
// program, so that the counting allocator slows no other benchmark.

#include <cstddef>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <websocketpp/config/core.hpp>

#include "counting_allocator.hpp"
#include "hub_harness.hpp"
#include "prepared_frame.hpp"
#include "sample_data.hpp"

namespace roomchat::bench {
namespace {

using relay_test::hub_harness;

// The relay's transport without websocketpp's queue and socket: each frame
// is prepared once, as the relay's listener does, and its recipients counted.
class preparing_transport final : public relay::transport {
public:
    void send(connection_id, std::string payload) override { deliver(1, std::move(payload)); }
    void broadcast(const std::vector<connection_id>& to, std::string payload) override {
        deliver(to.size(), std::move(payload));
    }
    void allow_batches(connection_id, bool) override {}
    void close(connection_id, std::uint16_t, const std::string&) override {}
    void wake_at(connection_id, millis) override {}
    void answer_http(connection_id, const relay::api_answer&) override {}

    std::size_t deliveries = 0;

private:
    void deliver(std::size_t recipients, std::string payload) {
        auto framed = relay::prepare_text_frame<websocketpp::config::core::message_type>(std::move(payload));
        benchmark::DoNotOptimize(framed);
        deliveries += recipients;
    }
};

relay::relay_config unlimited() {
    relay::relay_config config = relay_test::unit_config();
    config.level = relay::log_level::warn;  // a debug line per frame would be the log's cost
    config.room.rate = {1'000'000'000, 1};
    config.user_send_rate = {1'000'000'000, 1};
    config.frame_rate = {1'000'000'000, 1};
    return config;
}

void bm_send_to_room(benchmark::State& state) {
    const auto members = static_cast<connection_id>(state.range(0));
    hub_harness h(unlimited());
    for (connection_id conn = 1; conn <= members; ++conn) {
        h.connect(conn, "user-" + std::to_string(conn));
        h.join(conn, "lobby");
    }
    preparing_transport out;
    h.hub.set_transport(&out);
    std::size_t counted = 0;
    std::uint32_t n = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const connection_id sender = 1 + n % members;
        const std::string wire = R"({"type":"send","room":"lobby","id":")" + relay_test::message_id_hex(++n) +
                                 R"(","text":")" + chat_line() + R"("})";
        state.ResumeTiming();
        const std::size_t before = allocations_so_far();
        h.hub.text(sender, wire, h.now);
        counted += allocations_so_far() - before;
    }
    h.hub.set_transport(&h.out);
    const auto sends = static_cast<double>(state.iterations());
    if (out.deliveries != static_cast<std::size_t>(state.iterations()) * members) {
        state.SkipWithError("not every member got exactly one frame per send (the ack or the message)");
    }
    state.counters["allocs_per_send"] = static_cast<double>(counted) / sends;
    state.counters["allocs_per_delivery"] =
        static_cast<double>(counted) / static_cast<double>(out.deliveries);
}

BENCHMARK(bm_send_to_room)->Arg(10)->Arg(200)->Arg(1000);

}  // namespace
}  // namespace roomchat::bench
