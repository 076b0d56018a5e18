#include <benchmark/benchmark.h>

#include "roomchat/text_rules.hpp"

#include "sample_data.hpp"

namespace roomchat::bench {
namespace {

// The longest message the default limits accept.
void bm_normalize_text_500_code_points(benchmark::State& state) {
    const std::string text = text_of_code_points(500);
    const result<std::string> check = normalize_text(text);
    if (!check || count_code_points(*check) != 500) {
        state.SkipWithError("the sample text is not a valid 500 code point message");
        return;
    }
    for (auto _ : state) {
        result<std::string> normalized = normalize_text(text);
        benchmark::DoNotOptimize(normalized);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
    state.counters["text_bytes"] = static_cast<double>(text.size());
}

BENCHMARK(bm_normalize_text_500_code_points);

}  // namespace
}  // namespace roomchat::bench
