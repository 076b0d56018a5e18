#include "latency_recorder.hpp"

#include <gtest/gtest.h>

namespace roomchat::load {
namespace {

using std::chrono::microseconds;

TEST(LatencyRecorder, QuantilesAreNearestRank) {
    latency_recorder recorder;
    for (int i = 100; i >= 1; --i) recorder.add(microseconds(i * 1000));
    const auto s = recorder.summary();
    EXPECT_EQ(s.count, 100U);
    EXPECT_DOUBLE_EQ(s.p50_ms, 50);
    EXPECT_DOUBLE_EQ(s.p95_ms, 95);
    EXPECT_DOUBLE_EQ(s.p99_ms, 99);
    EXPECT_DOUBLE_EQ(s.max_ms, 100);
}

TEST(LatencyRecorder, NothingRecordedIsAllZeroAndNegativeIsZero) {
    latency_recorder recorder;
    EXPECT_EQ(recorder.summary().count, 0U);
    recorder.add(microseconds(-5));
    EXPECT_DOUBLE_EQ(recorder.summary().max_ms, 0);
}

}  // namespace
}  // namespace roomchat::load
