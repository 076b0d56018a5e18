// Batch frames through the real relay: a client whose auth asks for them gets
// what the relay has for it at one moment as one message, every frame once
// and in order; a client that did not ask never sees one. With
// --write-delay-ms, "one moment" stretches to the delay for deliveries, never
// for replies, and never reorders anything.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http_client.hpp"
#include "relay_process.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {
namespace {

bool is_batch(const std::string& text) { return text.rfind(R"({"type":"batch")", 0) == 0; }

// The frames of one message, batch or not; fails the test on any that does not decode.
std::vector<server_frame> frames_in(const std::string& text) {
    std::vector<server_frame> out;
    for (auto& decoded : decode_server_frames(text)) {
        if (auto* frame = (decoded ? &*decoded : nullptr)) {
            out.push_back(std::move(*frame));
        } else {
            ADD_FAILURE() << "undecodable: " << text;
        }
    }
    return out;
}

// Connected and authenticated with "batch": true; the welcome is read.
std::unique_ptr<ws_client> batching_client(const relay_process& relay, const std::string& token) {
    auto client = std::make_unique<ws_client>(relay.ws_url());
    if (!client->wait_open()) return nullptr;
    client->send(auth_frame{token, /*batch=*/true});
    const auto welcome = client->next_text();
    if (!welcome || frames_in(*welcome).size() != 1 ||
        !std::holds_alternative<welcome_frame>(frames_in(*welcome).front()))
        return nullptr;
    return client;
}

TEST(relay_batch, the_answers_to_a_join_arrive_as_one_batch) {
    relay_process relay;
    auto batching = batching_client(relay, token_for("ann", "lobby"));
    ASSERT_TRUE(batching);
    batching->send(join_frame{"lobby", std::nullopt, std::nullopt});
    const auto answer = batching->next_text();
    ASSERT_TRUE(answer);
    EXPECT_TRUE(is_batch(*answer)) << *answer;
    const auto frames = frames_in(*answer);
    ASSERT_EQ(frames.size(), 2U);
    EXPECT_TRUE(std::holds_alternative<joined_frame>(frames[0]));
    EXPECT_TRUE(std::holds_alternative<history_frame>(frames[1]));
    EXPECT_EQ(metric_value(relay.port(), "roomchat_batches_total"), 1U);
    EXPECT_EQ(metric_value(relay.port(), "roomchat_batched_frames_total"), 2U);

    auto plain = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(plain);
    plain->send(join_frame{"lobby", std::nullopt, std::nullopt});
    const auto first = plain->next_text();
    ASSERT_TRUE(first);
    EXPECT_FALSE(is_batch(*first));
    EXPECT_TRUE(decode_server_frame(*first).ok()) << *first;
}

TEST(relay_batch, a_burst_reaches_every_reader_once_and_in_order) {
    relay_process relay({"--rate-burst", "100000", "--rate-refill-ms", "1", "--user-rate-burst", "100000",
                         "--user-rate-refill-ms", "1", "--frame-burst", "100000", "--frame-refill-ms", "1"});
    auto writer = authed_client(relay.ws_url(), token_for("writer", "lobby"));
    auto batching = batching_client(relay, token_for("ann", "lobby"));
    auto plain = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(writer && batching && plain && join(*writer, "lobby") && join(*plain, "lobby"));
    batching->send(join_frame{"lobby", std::nullopt, std::nullopt});
    ASSERT_TRUE(batching->next_text());  // joined and history

    constexpr int burst = 500;
    for (int i = 0; i < burst; ++i)
        writer->send(send_frame{"lobby", test_message_id(), "m" + std::to_string(i)});

    const auto read_burst = [&](ws_client& reader, int& messages, bool& saw_batch) {
        std::vector<std::string> texts;
        while (static_cast<int>(texts.size()) < burst) {
            const auto text = reader.next_text();
            if (!text) break;
            // Only what carries the burst counts: a presence frame may still
            // be on its way from the joins, alone, under load.
            bool carries_messages = false;
            for (const auto& frame : frames_in(*text)) {
                if (const auto* message = std::get_if<message_frame>(&frame)) {
                    EXPECT_EQ(message->message.seq, texts.size() + 1);
                    texts.push_back(message->message.text);
                    carries_messages = true;
                }
            }
            if (carries_messages) {
                ++messages;
                saw_batch = saw_batch || is_batch(*text);
            }
        }
        return texts;
    };
    std::vector<std::string> expected;
    for (int i = 0; i < burst; ++i) expected.push_back("m" + std::to_string(i));

    int batching_messages = 0;
    bool batching_saw_batch = false;
    EXPECT_EQ(read_burst(*batching, batching_messages, batching_saw_batch), expected);
    // websocketpp writes what a client queued together, the relay reads it
    // 16 KiB at a time: far more than one frame per read.
    EXPECT_TRUE(batching_saw_batch);
    EXPECT_LT(batching_messages, burst);

    int plain_messages = 0;
    bool plain_saw_batch = false;
    EXPECT_EQ(read_burst(*plain, plain_messages, plain_saw_batch), expected);
    EXPECT_FALSE(plain_saw_batch);
    EXPECT_EQ(plain_messages, burst);
}

TEST(relay_batch, what_was_queued_before_a_close_arrives_before_it) {
    relay_process relay({"--token-grace-ms", "200"});
    auto claims = claims_for("lapsed", "lobby");
    claims["exp"] = unix_now() + 2;
    auto lapsed = batching_client(relay, mint(claims));
    ASSERT_TRUE(lapsed);
    lapsed->send(join_frame{"lobby", std::nullopt, std::nullopt});
    ASSERT_TRUE(lapsed->next_text());
    // At the end of the grace the relay says why and closes in one step: the
    // error waits in a batch that must leave before the close frame.
    std::optional<server_frame> last;
    while (const auto text = lapsed->next_text(4s)) {
        for (auto& frame : frames_in(*text)) last = std::move(frame);
    }
    ASSERT_TRUE(last);
    const auto* error = std::get_if<error_frame>(&*last);
    ASSERT_NE(error, nullptr) << "the last frame before the close";
    EXPECT_EQ(error->code, errc::token_expired);
    EXPECT_FALSE(error->room);
    const auto closed = lapsed->wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1008);
}

// ---- --write-delay-ms ------------------------------------------------------------------

TEST(relay_write_delay, is_at_most_a_tenth_of_a_second) {
    relay_process longest({"--write-delay-ms", "100"});  // starts
    EXPECT_EQ(run_relay_to_exit({"--write-delay-ms", "101", "--dev-auth"}).status, 2);
    EXPECT_EQ(run_relay_to_exit({"--write-delay-ms", "-1", "--dev-auth"}).status, 2);
}

TEST(relay_write_delay, deliveries_sent_apart_reach_a_batch_reader_together_once_and_in_order) {
    relay_process relay({"--write-delay-ms", "100"});
    auto writer = authed_client(relay.ws_url(), token_for("writer", "lobby"));
    auto batching = batching_client(relay, token_for("ann", "lobby"));
    ASSERT_TRUE(writer && batching && join(*writer, "lobby"));
    batching->send(join_frame{"lobby", std::nullopt, std::nullopt});
    ASSERT_TRUE(batching->next_text());  // joined and history

    // Separate reads for the relay: without the delay, five messages.
    constexpr int sends = 5;
    for (int i = 0; i < sends; ++i) {
        writer->send(send_frame{"lobby", test_message_id(), "m" + std::to_string(i)});
        ASSERT_TRUE(writer->wait_for<ack_frame>());
        std::this_thread::sleep_for(5ms);
    }
    std::vector<std::string> texts;
    int messages = 0;
    while (static_cast<int>(texts.size()) < sends) {
        const auto text = batching->next_text();
        ASSERT_TRUE(text) << texts.size() << " of " << sends << " arrived";
        bool carries_messages = false;
        for (const auto& frame : frames_in(*text)) {
            if (const auto* message = std::get_if<message_frame>(&frame)) {
                texts.push_back(message->message.text);
                carries_messages = true;
            }
        }
        messages += carries_messages ? 1 : 0;
    }
    EXPECT_EQ(texts, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
    EXPECT_LT(messages, sends) << "the delay held nothing back for the others";
    EXPECT_FALSE(batching->next_text(300ms)) << "something came twice";
}

TEST(relay_write_delay, a_reply_is_not_held_and_leaves_after_the_deliveries_held_before_it) {
    relay_process relay({"--write-delay-ms", "100"});
    auto writer = authed_client(relay.ws_url(), token_for("writer", "lobby"));
    auto plain = authed_client(relay.ws_url(), token_for("bob", "lobby"));
    ASSERT_TRUE(writer && plain && join(*writer, "lobby") && join(*plain, "lobby"));

    writer->send(send_frame{"lobby", test_message_id(), "first"});
    ASSERT_TRUE(writer->wait_for<ack_frame>());
    // Asked while "first" waits for the delay: the page answering it (which
    // holds "first") must not overtake the delivery.
    plain->send(history_request_frame{"lobby", std::nullopt, seq_t{0}, 10});
    std::vector<std::string> kinds;
    while (kinds.empty() || kinds.back() != "history") {
        const auto text = plain->next_text();
        ASSERT_TRUE(text);
        const auto frame = decode_server_frame(*text);
        ASSERT_TRUE(frame.ok()) << *text;
        if (std::holds_alternative<message_frame>(frame.value())) kinds.emplace_back("message");
        if (std::holds_alternative<history_frame>(frame.value())) kinds.emplace_back("history");
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"message", "history"}));
}

}  // namespace
}  // namespace roomchat::relay_test
