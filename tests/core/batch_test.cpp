#include "roomchat/batch.hpp"

#include <string>

#include <gtest/gtest.h>

// How the relay joins frames; that clients read them back is codec_test's.

namespace roomchat {
namespace {

TEST(frame_batch, a_lone_frame_leaves_as_it_came) {
    frame_batch batch;
    EXPECT_TRUE(batch.empty());
    batch.add(R"({"type":"ack"})");
    EXPECT_EQ(batch.frames(), 1U);
    EXPECT_EQ(batch.take(), R"({"type":"ack"})");
    EXPECT_TRUE(batch.empty());
}

TEST(frame_batch, several_frames_leave_as_one_batch_in_order) {
    frame_batch batch;
    batch.add(R"({"type":"a"})");
    batch.add(R"({"type":"b"})");
    batch.add(R"({"type":"c"})");
    EXPECT_EQ(batch.frames(), 3U);
    EXPECT_EQ(batch.take(), R"({"type":"batch","frames":[{"type":"a"},{"type":"b"},{"type":"c"}]})");
    EXPECT_TRUE(batch.empty());
    batch.add(R"({"type":"d"})");
    EXPECT_EQ(batch.take(), R"({"type":"d"})") << "taking starts over";
}

// A frame of `size` bytes (the filler is not JSON: only the length counts here).
std::string frame_of(std::size_t size) { return std::string(size, 'x'); }

TEST(frame_batch, a_batch_grows_up_to_max_bytes_and_not_past_it) {
    const std::string envelope = R"({"type":"batch","frames":[]})";
    const std::size_t first = 1000;
    // What a second frame may have: the whole batch is then exactly max_bytes.
    const std::size_t second = frame_batch::max_bytes - envelope.size() - first - 1;
    frame_batch batch;
    batch.add(frame_of(first));
    EXPECT_TRUE(batch.fits(frame_of(second)));
    EXPECT_FALSE(batch.fits(frame_of(second + 1)));
    batch.add(frame_of(second));
    EXPECT_FALSE(batch.fits("")) << "a third frame costs a comma at least";
    EXPECT_EQ(batch.take().size(), frame_batch::max_bytes);
}

TEST(frame_batch, a_frame_larger_than_a_batch_fits_only_an_empty_one_and_leaves_alone) {
    const std::string large = frame_of(frame_batch::max_bytes + 1);
    frame_batch batch;
    EXPECT_TRUE(batch.fits(large));
    batch.add(R"({"type":"a"})");
    EXPECT_FALSE(batch.fits(large));
    EXPECT_EQ(batch.take(), R"({"type":"a"})");
    batch.add(large);
    EXPECT_FALSE(batch.fits(R"({"type":"b"})"));
    EXPECT_EQ(batch.take(), large);
}

}  // namespace
}  // namespace roomchat
