#include "frame_scan.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roomchat/batch.hpp"
#include "roomchat/codec.hpp"

namespace roomchat::load {
namespace {

const message_id some_id = *message_id::parse("0123456789abcdef0123456789abcdef");

TEST(FrameScan, FindsTheMessageIdAndTextInAnEncodedMessage) {
    message_frame frame{"lobby", chat_message{}};
    frame.message.seq = 7;
    frame.message.id = some_id;
    // A sender whose id and name look like the keys the scan looks for.
    frame.message.from = user_info{"id", "\"id\":\"text"};
    frame.message.text = "12345 hello";
    frame.message.ts = 1;
    const std::string payload = encode(server_frame{frame});
    const scanned_frame scanned = scan_frame(payload);
    EXPECT_EQ(scanned.kind, frame_kind::message);
    EXPECT_EQ(scanned.id, some_id.to_string());
    EXPECT_EQ(scanned.text.substr(0, 11), "12345 hello");
}

TEST(FrameScan, FindsTheIdOfAnAckAndANack) {
    const std::string ack = encode(server_frame{ack_frame{"lobby", "5c0f3a9e2b7d41e8", some_id, 3, 4}});
    EXPECT_EQ(scan_frame(ack).kind, frame_kind::ack);
    EXPECT_EQ(scan_frame(ack).id, some_id.to_string());
    const std::string nack = encode(server_frame{nack_frame{"lobby", some_id, errc::rate_limited, 750}});
    EXPECT_EQ(scan_frame(nack).kind, frame_kind::nack);
    EXPECT_EQ(scan_frame(nack).id, some_id.to_string());
}

TEST(FrameScan, NamesTheOtherKindsAndNothingElse) {
    EXPECT_EQ(scan_frame(encode(server_frame{welcome_frame{}})).kind, frame_kind::welcome);
    EXPECT_EQ(scan_frame(encode(server_frame{error_frame{errc::not_joined, "no", "lobby"}})).kind,
              frame_kind::error);
    EXPECT_EQ(scan_frame(R"({"type":"read_marker","room":"a","seq":1})").kind, frame_kind::other);
    EXPECT_EQ(scan_frame(R"( {"type":"ack"})").kind, frame_kind::other);
    EXPECT_EQ(scan_frame("").kind, frame_kind::other);
    EXPECT_TRUE(scan_frame(R"({"type":"ack")").id.empty());
}

TEST(FrameScan, SplitsABatchIntoItsFramesInOrder) {
    message_frame tricky{"lobby", chat_message{}};
    tricky.message.seq = 8;
    tricky.message.id = some_id;
    tricky.message.from = user_info{"u", "n"};
    tricky.message.text = R"(}{ "\" },{"type":"ack"})";  // braces, quotes and escapes in a string
    const std::vector<std::string> frames{
        encode(server_frame{tricky}),
        encode(server_frame{ack_frame{"lobby", "5c0f3a9e2b7d41e8", some_id, 3, 4}}),
        encode(server_frame{welcome_frame{}}),
    };
    frame_batch batch;
    for (const auto& frame : frames) batch.add(frame);
    const std::string payload = batch.take();
    std::vector<std::string> seen;
    for_each_frame(payload, [&](std::string_view frame) { seen.emplace_back(frame); });
    EXPECT_EQ(seen, frames);

    std::vector<std::string> alone;
    for_each_frame(frames[1], [&](std::string_view frame) { alone.emplace_back(frame); });
    EXPECT_EQ(alone, std::vector<std::string>{frames[1]});

    std::vector<std::string> cut;
    const std::size_t inside_first = payload.find(frames[0]) + frames[0].size() / 2;
    for_each_frame(payload.substr(0, inside_first), [&](std::string_view frame) { cut.emplace_back(frame); });
    EXPECT_TRUE(cut.empty()) << "a batch cut inside its first frame yields nothing";
}

}  // namespace
}  // namespace roomchat::load
