#include <string>
#include <string_view>
#include <variant>

#include <benchmark/benchmark.h>

#include "roomchat/codec.hpp"

#include "sample_data.hpp"

namespace roomchat::bench {
namespace {

server_frame message_sample() { return message_frame{"lobby", sample_message(1234)}; }

server_frame history_sample() {
    history_frame page;
    page.room = "lobby";
    page.mode = history_mode::latest;
    page.has_more = true;
    for (seq_t seq = 1; seq <= 50; ++seq) {
        page.messages.push_back(sample_message(seq));
    }
    return page;
}

void encode_server(benchmark::State& state, const server_frame& frame) {
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string text = encode(frame);
        bytes = text.size();
        benchmark::DoNotOptimize(text.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
    state.counters["frame_bytes"] = static_cast<double>(bytes);
}

// Decodes `text` with `decode` (one of the codec's decode functions).
template <typename Decode>
void decode_text(benchmark::State& state, const std::string& text, Decode decode) {
    if (!decode(text).ok()) {
        state.SkipWithError("the sample frame does not decode");
        return;
    }
    for (auto _ : state) {
        auto decoded = decode(text);
        benchmark::DoNotOptimize(decoded);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
    state.counters["frame_bytes"] = static_cast<double>(text.size());
}

void decode_server(benchmark::State& state, const server_frame& frame) {
    decode_text(state, encode(frame), [](std::string_view wire) { return decode_server_frame(wire); });
}

void decode_client(benchmark::State& state, const std::string& text) {
    decode_text(state, text, [](std::string_view wire) { return decode_client_frame(wire); });
}

void bm_encode_message_frame(benchmark::State& state) { encode_server(state, message_sample()); }
void bm_decode_message_frame(benchmark::State& state) { decode_server(state, message_sample()); }
void bm_encode_history_frame_50(benchmark::State& state) { encode_server(state, history_sample()); }
void bm_decode_history_frame_50(benchmark::State& state) { decode_server(state, history_sample()); }

// What the relay does for every incoming message.
void bm_decode_send_frame(benchmark::State& state) {
    decode_client(state, encode(client_frame{send_frame{"lobby", id_for(7), chat_line()}}));
}

// What one client can make the relay parse for a frame: a send frame
// padded to the 16 KiB limit. The decoder's reads walk past each unknown
// member; an array's values cost a node each and are never read. The frame
// without its closing brace, for the padding:
std::string open_send_frame() {
    std::string text = encode(client_frame{send_frame{"lobby", id_for(7), chat_line()}});
    text.pop_back();
    return text;
}

// Members named m0, m1, ...: the padding of the most members.
void bm_decode_send_frame_of_many_members(benchmark::State& state) {
    std::string text = open_send_frame();
    for (int i = 0; text.size() + 16 < codec_limits{}.max_frame_bytes; ++i) {
        text += ",\"m" + std::to_string(i) + "\":0";
    }
    decode_client(state, text + '}');
}

// One unknown member holding [0,0,...]: the padding of the most values.
void bm_decode_send_frame_of_many_values(benchmark::State& state) {
    std::string text = open_send_frame() + ",\"x\":[0";
    while (text.size() + 4 < codec_limits{}.max_frame_bytes) {
        text += ",0";
    }
    decode_client(state, text + "]}");
}

BENCHMARK(bm_encode_message_frame);
BENCHMARK(bm_decode_message_frame);
BENCHMARK(bm_encode_history_frame_50);
BENCHMARK(bm_decode_history_frame_50);
BENCHMARK(bm_decode_send_frame);
BENCHMARK(bm_decode_send_frame_of_many_members);
BENCHMARK(bm_decode_send_frame_of_many_values);

}  // namespace
}  // namespace roomchat::bench
