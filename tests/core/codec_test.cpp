#include "roomchat/codec.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "roomchat/batch.hpp"

namespace roomchat {
namespace {

using json = nlohmann::ordered_json;

message_id id_of(std::uint8_t seed) {
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::uint8_t>(seed * 31 + i * 7 + 1);
    }
    return message_id(bytes);
}

const user_info ann{"u-ann", "Ann"};
const user_info bob{"bob.2", "Bob \xf0\x9f\x98\x80"};

chat_message message_of(seq_t seq, const user_info& from, std::string text) {
    return chat_message{seq, id_of(static_cast<std::uint8_t>(seq)), from, std::move(text),
                        1700000000000 + static_cast<millis>(seq)};
}

// ---- structural equality (the protocol structs only define it for values) ---

auto fields(const auth_frame& f) { return std::tie(f.token, f.batch, f.typing); }
auto fields(const join_frame& f) { return std::tie(f.room, f.since, f.epoch); }
auto fields(const leave_frame& f) { return std::tie(f.room); }
auto fields(const send_frame& f) { return std::tie(f.room, f.id, f.text, f.media_ms); }
auto fields(const history_request_frame& f) { return std::tie(f.room, f.before, f.after, f.limit); }
auto fields(const read_frame& f) { return std::tie(f.room, f.seq); }
auto fields(const typing_frame& f) { return std::tie(f.room, f.active); }
auto fields(const mute_frame& f) { return std::tie(f.room, f.user, f.minutes); }
auto fields(const welcome_frame& f) {
    return std::tie(f.user, f.max_text_code_points, f.rate, f.token_expires_at);
}
auto fields(const joined_frame& f) {
    return std::tie(f.room, f.epoch, f.members, f.member_count, f.read_seq, f.latest_seq, f.moderator);
}
auto fields(const history_frame& f) {
    return std::tie(f.room, f.epoch, f.mode, f.messages, f.truncated, f.has_more);
}
auto fields(const ack_frame& f) { return std::tie(f.room, f.epoch, f.id, f.seq, f.ts); }
auto fields(const nack_frame& f) { return std::tie(f.room, f.id, f.code, f.retry_after_ms); }
auto fields(const message_frame& f) { return std::tie(f.room, f.message); }
auto fields(const presence_frame& f) { return std::tie(f.room, f.event, f.user, f.member_count); }
auto fields(const read_marker_frame& f) { return std::tie(f.room, f.seq); }
auto fields(const typist_frame& f) { return std::tie(f.room, f.user, f.active); }
auto fields(const muted_frame& f) { return std::tie(f.room, f.user, f.until); }
auto fields(const error_frame& f) { return std::tie(f.code, f.message, f.room); }

template <typename Variant>
bool same(const Variant& a, const Variant& b) {
    if (a.index() != b.index()) {
        return false;
    }
    return std::visit(
        [&b](const auto& x) { return fields(x) == fields(std::get<std::decay_t<decltype(x)>>(b)); }, a);
}

// ---- sample frames: every type, with optional fields both set and unset -------

std::vector<client_frame> client_samples() {
    return {
        auth_frame{"eyJhbGciOiJIUzI1NiJ9.e30.sig"},
        auth_frame{"eyJhbGciOiJIUzI1NiJ9.e30.sig", true},
        auth_frame{"eyJhbGciOiJIUzI1NiJ9.e30.sig", true, true},
        join_frame{"lobby", std::nullopt, std::nullopt},
        join_frame{"lobby", seq_t{41}, std::string("0123456789abcdef")},
        join_frame{"lobby", seq_t{0}, std::nullopt},
        leave_frame{"lobby"},
        send_frame{"lobby", id_of(1), "hi \"there\"\n\ttab \xc3\xa9 \xf0\x9f\x98\x80"},
        send_frame{"lobby", id_of(2), "at the goal", millis{754'250}},
        history_request_frame{"lobby", seq_t{100}, std::nullopt, 50},
        history_request_frame{"lobby", std::nullopt, std::nullopt, 1},
        history_request_frame{"lobby", std::nullopt, seq_t{7}, std::numeric_limits<std::uint32_t>::max()},
        read_frame{"lobby", 12},
        read_frame{"lobby", std::numeric_limits<seq_t>::max()},
        typing_frame{"lobby", true},
        typing_frame{"lobby", false},
        mute_frame{"lobby", "bob.2", 10},
        mute_frame{"lobby", "bob.2", 0},
        mute_frame{"lobby", "u-ann", max_mute_minutes},
    };
}

std::vector<server_frame> server_samples() {
    return {
        welcome_frame{ann, 500, rate_limit_config{5, 1000}, 1700000600000},
        joined_frame{"lobby", "epoch-1", {ann, bob}, 2, 3, 9},
        joined_frame{"lobby", "epoch-1", {}, 0, 0, 0},
        history_frame{"lobby",
                      "epoch-1",
                      history_mode::latest,
                      {message_of(1, ann, "one"), message_of(2, bob, "two")},
                      false,
                      true},
        history_frame{"lobby", "epoch-1", history_mode::after, {}, true, false},
        history_frame{"lobby", "epoch-1", history_mode::before, {message_of(3, ann, "three")}, false, false},
        history_frame{"lobby", std::nullopt, history_mode::latest, {}, false, false},
        ack_frame{"lobby", "epoch-1", id_of(4), 4, std::numeric_limits<millis>::max()},
        nack_frame{"lobby", id_of(5), errc::rate_limited, std::uint32_t{750}},
        nack_frame{"lobby", id_of(6), errc::text_too_long, std::nullopt},
        message_frame{"lobby", message_of(7, bob, "seven")},
        message_frame{"lobby", chat_message{8, id_of(8), ann, "eight", 1700000000008, max_media_ms}},
        message_frame{"lobby",
                      chat_message{9, id_of(9), bob, "Bob joined", 1700000000009, std::nullopt, true}},
        presence_frame{"lobby", presence_event::join, bob, 2},
        presence_frame{"lobby", presence_event::leave, ann, 0},
        read_marker_frame{"lobby", 6},
        typist_frame{"lobby", bob, true},
        typist_frame{"lobby", ann, false},
        muted_frame{"lobby", "bob.2", 1700000600000},
        muted_frame{"lobby", "u-ann", 0},
        error_frame{errc::not_joined, "join the room first", std::string("kitchen")},
        error_frame{errc::malformed_json, "not valid JSON", std::nullopt},
        joined_frame{"lobby", "epoch-1", {ann}, 1, 0, 0, true},
    };
}

template <typename Frame>
Frame decode_ok(decoded<Frame> result) {
    if (!result) {
        ADD_FAILURE() << "decode failed: " << to_string(result.error().code) << " at "
                      << result.error().detail;
        return Frame{};
    }
    return *std::move(result);
}

decode_error decode_fails(const decoded<client_frame>& result) {
    if (!result) {
        return result.error();
    }
    ADD_FAILURE() << "decoded unexpectedly: " << encode(*result);
    return {};
}

decode_error decode_fails(const decoded<server_frame>& result) {
    if (!result) {
        return result.error();
    }
    ADD_FAILURE() << "decoded unexpectedly: " << encode(*result);
    return {};
}

decode_error client_error(std::string_view text, const codec_limits& limits = {}) {
    return decode_fails(decode_client_frame(text, limits));
}

decode_error server_error(std::string_view text, const codec_limits& limits = {}) {
    return decode_fails(decode_server_frame(text, limits));
}

#define EXPECT_DECODE_ERROR(error_expr, expected_code, expected_detail) \
    do {                                                                \
        const decode_error e_ = (error_expr);                           \
        EXPECT_EQ(to_string(e_.code), to_string(expected_code));        \
        EXPECT_EQ(e_.detail, expected_detail);                          \
    } while (false)

// ---- round trips and the JSON shape --------------------------------------------

TEST(codec, every_client_frame_round_trips) {
    for (const auto& frame : client_samples()) {
        const std::string text = encode(frame);
        const client_frame back = decode_ok(decode_client_frame(text));
        EXPECT_TRUE(same(back, frame)) << text;
        EXPECT_EQ(encode(back), text);
    }
}

TEST(codec, every_server_frame_round_trips) {
    for (const auto& frame : server_samples()) {
        const std::string text = encode(frame);
        const server_frame back = decode_ok(decode_server_frame(text));
        EXPECT_TRUE(same(back, frame)) << text;
        EXPECT_EQ(encode(back), text);
    }
}

TEST(codec, every_frame_type_is_covered_by_the_samples) {
    std::set<std::size_t> client_types;
    for (const auto& frame : client_samples()) {
        client_types.insert(frame.index());
    }
    EXPECT_EQ(client_types.size(), std::variant_size_v<client_frame>);
    std::set<std::size_t> server_types;
    for (const auto& frame : server_samples()) {
        server_types.insert(frame.index());
    }
    EXPECT_EQ(server_types.size(), std::variant_size_v<server_frame>);
}

TEST(codec, encodes_the_documented_json_shapes) {
    const std::string id = id_of(1).to_string();
    EXPECT_EQ(encode(client_frame{send_frame{"lobby", id_of(1), "hi"}}),
              R"({"type":"send","room":"lobby","id":")" + id + R"(","text":"hi"})");
    EXPECT_EQ(encode(client_frame{auth_frame{"t"}}), R"({"type":"auth","v":1,"token":"t"})");
    EXPECT_EQ(encode(client_frame{auth_frame{"t", true}}),
              R"({"type":"auth","v":1,"token":"t","batch":true})");
    EXPECT_EQ(encode(client_frame{join_frame{"lobby", std::nullopt, std::nullopt}}),
              R"({"type":"join","room":"lobby"})");
    EXPECT_EQ(encode(client_frame{join_frame{"lobby", seq_t{7}, std::string("e1")}}),
              R"({"type":"join","room":"lobby","since":7,"epoch":"e1"})");
    EXPECT_EQ(encode(client_frame{history_request_frame{"r", std::nullopt, seq_t{3}, 20}}),
              R"({"type":"history_request","room":"r","after":3,"limit":20})");
    const chat_message m{5, id_of(1), ann, "hi", 1700000000123};
    EXPECT_EQ(encode(server_frame{message_frame{"lobby", m}}),
              R"({"type":"message","room":"lobby","message":{"seq":5,"id":")" + id +
                  R"(","from":{"id":"u-ann","name":"Ann"},"text":"hi","ts":1700000000123}})");
    EXPECT_EQ(
        encode(server_frame{nack_frame{"r", id_of(1), errc::rate_limited, std::uint32_t{250}}}),
        R"({"type":"nack","room":"r","id":")" + id + R"(","code":"rate_limited","retry_after_ms":250})");
    EXPECT_EQ(encode(server_frame{history_frame{"r", "e1", history_mode::after, {}, true, false}}),
              R"({"type":"history","room":"r","epoch":"e1","mode":"after","messages":[],"truncated":true,)"
              R"("has_more":false})");
    EXPECT_EQ(encode(server_frame{joined_frame{"r", "e1", {ann}, 7, 2, 3}}),
              R"({"type":"joined","room":"r","epoch":"e1","members":[{"id":"u-ann","name":"Ann"}],)"
              R"("member_count":7,"read_seq":2,"latest_seq":3})");
    EXPECT_EQ(encode(server_frame{ack_frame{"r", "e1", id_of(1), 4, 5}}),
              R"({"type":"ack","room":"r","epoch":"e1","id":")" + id + R"(","seq":4,"ts":5})");
    EXPECT_EQ(encode(server_frame{presence_frame{"r", presence_event::leave, ann, 3}}),
              R"({"type":"presence","room":"r","event":"leave","user":{"id":"u-ann","name":"Ann"},)"
              R"("member_count":3})");
    EXPECT_EQ(encode(client_frame{typing_frame{"r", true}}), R"({"type":"typing","room":"r","active":true})");
    EXPECT_EQ(encode(server_frame{typist_frame{"r", ann, false}}),
              R"({"type":"typist","room":"r","user":{"id":"u-ann","name":"Ann"},"active":false})");
    EXPECT_EQ(encode(client_frame{mute_frame{"r", "bob", 10}}),
              R"({"type":"mute","room":"r","user":"bob","minutes":10})");
    EXPECT_EQ(encode(server_frame{muted_frame{"r", "bob", 7}}),
              R"({"type":"muted","room":"r","user":"bob","until":7})");
    EXPECT_EQ(encode(server_frame{joined_frame{"r", "e1", {}, 0, 0, 0, true}}),
              R"({"type":"joined","room":"r","epoch":"e1","members":[],"member_count":0,"read_seq":0,)"
              R"("latest_seq":0,"moderator":true})");
    EXPECT_EQ(encode(server_frame{welcome_frame{ann, 500, {5, 1000}, 9}}),
              R"({"type":"welcome","user":{"id":"u-ann","name":"Ann"},"max_text_code_points":500,)"
              R"("rate":{"burst":5,"refill_interval_ms":1000},"token_expires_at":9})");
}

TEST(codec, enum_names) {
    EXPECT_EQ(to_string(history_mode::latest), "latest");
    EXPECT_EQ(to_string(history_mode::after), "after");
    EXPECT_EQ(to_string(history_mode::before), "before");
    EXPECT_EQ(to_string(presence_event::join), "join");
    EXPECT_EQ(to_string(presence_event::leave), "leave");
    EXPECT_TRUE(to_string(static_cast<history_mode>(9)).empty());
    EXPECT_TRUE(to_string(static_cast<presence_event>(9)).empty());
}

TEST(codec, encoding_replaces_invalid_utf8_instead_of_throwing) {
    std::string text;
    EXPECT_NO_THROW(text = encode(client_frame{send_frame{"r", id_of(1),
                                                          "a\xff"
                                                          "b"}}));
    const auto frame = decode_ok(decode_client_frame(text));
    EXPECT_EQ(std::get<send_frame>(frame).text,
              "a\xef\xbf\xbd"
              "b");
}

TEST(codec, unknown_fields_and_surrounding_white_space_are_accepted) {
    const auto frame = decode_ok(decode_client_frame(
        R"(  {"type":"leave","room":"lobby","extra":{"nested":[1,2,{"x":null}]},"z":1.5}  )"));
    EXPECT_EQ(std::get<leave_frame>(frame).room, "lobby");
}

TEST(codec, decoding_ignores_key_order) {
    const auto frame = decode_ok(decode_client_frame(R"({"text":"hi","room":"r","type":"send","id":")" +
                                                     id_of(2).to_string() + R"("})"));
    EXPECT_TRUE(same(frame, client_frame{send_frame{"r", id_of(2), "hi"}}));
}

// Of a name given twice, the last value is read, with what it holds; the
// repeat need not be the object's last member.
TEST(codec, a_repeated_member_reads_as_its_last_value) {
    const auto message = [](int seq, const char* user, const char* text) {
        return R"({"seq":)" + std::to_string(seq) + R"(,"id":")" + id_of(seq).to_string() +
               R"(","from":{"id":")" + user + R"(","name":"x"},"text":")" + text + R"(","ts":)" +
               std::to_string(seq) + "}";
    };
    const auto frame =
        decode_ok(decode_server_frame(R"({"type":"message","message":)" + message(1, "ann", "first") +
                                      R"(,"message":)" + message(2, "bob", "last") + R"(,"room":"r"})"));
    const auto& decoded = std::get<message_frame>(frame);
    EXPECT_EQ(decoded.room, "r");
    EXPECT_EQ(decoded.message.seq, 2u);
    EXPECT_EQ(decoded.message.from.id, "bob");
    EXPECT_EQ(decoded.message.text, "last");
}

TEST(codec, json_escapes_decode_to_their_characters) {
    const auto frame =
        decode_ok(decode_client_frame(R"({"type":"send","room":"r","id":")" + id_of(2).to_string() +
                                      R"(","text":"\u00e9\ud83d\ude00\n"})"));
    EXPECT_EQ(std::get<send_frame>(frame).text, "\xc3\xa9\xf0\x9f\x98\x80\n");
}

// ---- whole-frame errors ---------------------------------------------------------

TEST(codec, non_objects_are_malformed) {
    for (const char* text : {"[]", "[1,2]", "\"send\"", "1", "null", "true", "-0.5"}) {
        EXPECT_DECODE_ERROR(client_error(text), errc::malformed_json, "not a JSON object");
        EXPECT_DECODE_ERROR(server_error(text), errc::malformed_json, "not a JSON object");
    }
}

TEST(codec, invalid_json_is_malformed) {
    for (const char* text : {"", " ", "{", "}", "{\"type\":}", "{'type':'leave'}", "{\"type\":\"leave\",}",
                             "{\"type\":\"leave\"} {}", "{\"type\":\"leave\"}x", "{\"type\":\"le\\x\"}",
                             "{\"type\":\"\\ud800\"}", "{\"type\":\"\xc0\xae\"}", "{\"a\":NaN}", "{\"a\":01}",
                             "/*c*/{\"type\":\"leave\"}"}) {
        EXPECT_DECODE_ERROR(client_error(text), errc::malformed_json, "not valid JSON");
        EXPECT_DECODE_ERROR(server_error(text), errc::malformed_json, "not valid JSON");
    }
}

TEST(codec, every_truncation_of_a_valid_frame_is_malformed) {
    for (const auto& frame : client_samples()) {
        const std::string text = encode(frame);
        for (std::size_t length = 0; length < text.size(); ++length) {
            EXPECT_DECODE_ERROR(client_error(text.substr(0, length)), errc::malformed_json, "not valid JSON");
        }
    }
    for (const auto& frame : server_samples()) {
        const std::string text = encode(frame);
        for (std::size_t length = 0; length < text.size(); ++length) {
            EXPECT_DECODE_ERROR(server_error(text.substr(0, length)), errc::malformed_json, "not valid JSON");
        }
    }
}

TEST(codec, size_limit_is_checked_before_parsing) {
    const std::string frame = R"({"type":"leave","room":"lobby","pad":")";
    const codec_limits limits{64, 8};
    std::string exact = frame + std::string(limits.max_frame_bytes - frame.size() - 2, 'x') + "\"}";
    ASSERT_EQ(exact.size(), limits.max_frame_bytes);
    decode_ok(decode_client_frame(exact, limits));
    const std::string over = frame + std::string(limits.max_frame_bytes - frame.size() - 1, 'x') + "\"}";
    EXPECT_DECODE_ERROR(client_error(over, limits), errc::frame_too_large, "65 bytes, limit 64");
    // Not even valid JSON, but its size is the first thing refused.
    EXPECT_EQ(server_error(std::string(65, '{'), limits).code, errc::frame_too_large);
}

TEST(codec, default_size_limit_is_sixteen_kib) {
    const std::string head = R"({"type":"leave","room":"lobby","pad":")";
    std::string text = head + std::string(16 * 1024 - head.size() - 2, 'x') + "\"}";
    decode_ok(decode_client_frame(text));
    text.insert(head.size(), "x");
    EXPECT_EQ(client_error(text).code, errc::frame_too_large);
}

TEST(codec, server_frames_may_be_larger_than_client_frames) {
    history_frame page;
    page.room = "lobby";
    for (seq_t seq = 1; seq <= 200; ++seq) {
        page.messages.push_back(chat_message{
            seq, id_of(static_cast<std::uint8_t>(seq)), {"ann", "Ann"}, std::string(500, 'x'), 1});
    }
    const std::string text = encode(server_frame{page});
    ASSERT_GT(text.size(), 16U * 1024U);
    ASSERT_LT(text.size(), server_frame_limits.max_frame_bytes);
    decode_ok(decode_server_frame(text));
    EXPECT_EQ(client_error(text).code, errc::frame_too_large);
}

std::string nested(std::size_t depth, bool arrays) {
    std::string open;
    std::string close;
    for (std::size_t i = 0; i < depth; ++i) {
        open += arrays ? "[" : "{\"k\":";
        close += arrays ? "]" : "}";
    }
    return open + "1" + close;
}

TEST(codec, depth_limit_counts_the_frame_itself) {
    // The frame object is level 1, so an extra field may nest max_depth - 1.
    for (const bool arrays : {true, false}) {
        const std::string ok = R"({"type":"leave","room":"r","x":)" + nested(7, arrays) + "}";
        decode_ok(decode_client_frame(ok));
        const std::string deep = R"({"type":"leave","room":"r","x":)" + nested(8, arrays) + "}";
        EXPECT_DECODE_ERROR(client_error(deep), errc::too_deep, "nesting deeper than 8");
        EXPECT_DECODE_ERROR(server_error(deep), errc::too_deep, "nesting deeper than 8");
    }
}

TEST(codec, depth_is_counted_along_each_branch_not_over_siblings) {
    // Ten fields each nested to the limit: each closes before the next opens.
    for (const bool arrays : {true, false}) {
        std::string frame = R"({"type":"leave","room":"r")";
        for (int i = 0; i < 10; ++i) frame += ",\"x" + std::to_string(i) + "\":" + nested(7, arrays);
        decode_ok(decode_client_frame(frame + "}"));
        frame += ",\"deep\":" + nested(8, arrays);
        EXPECT_EQ(client_error(frame + "}").code, errc::too_deep);
    }
}

TEST(codec, depth_limit_is_configurable_and_applies_to_real_frames) {
    const std::string history = encode(server_samples()[3]);  // frame > messages > message > from
    decode_ok(decode_server_frame(history, codec_limits{16 * 1024, 4}));
    EXPECT_EQ(server_error(history, codec_limits{16 * 1024, 3}).code, errc::too_deep);
    EXPECT_EQ(server_error("{}", codec_limits{16 * 1024, 0}).code, errc::too_deep);
    EXPECT_EQ(server_error("[]", codec_limits{16 * 1024, 1}).code, errc::malformed_json);
}

TEST(codec, deep_input_within_the_size_limit_is_refused_without_harm) {
    std::string deep = R"({"type":"leave","room":"r","x":)" + nested(8000, true) + "}";
    EXPECT_EQ(client_error(deep).code, errc::too_deep);
    // Too deep and also broken: depth is met first.
    deep.pop_back();
    EXPECT_EQ(client_error(deep).code, errc::too_deep);
}

TEST(codec, type_must_be_a_known_string) {
    EXPECT_DECODE_ERROR(client_error(R"({"room":"r"})"), errc::missing_field, "type");
    EXPECT_DECODE_ERROR(server_error(R"({"room":"r"})"), errc::missing_field, "type");
    EXPECT_DECODE_ERROR(client_error(R"({"type":1,"room":"r"})"), errc::wrong_type, "type");
    EXPECT_DECODE_ERROR(client_error(R"({"type":null})"), errc::wrong_type, "type");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"shout","room":"r"})"), errc::unknown_type, "type");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"Leave","room":"r"})"), errc::unknown_type, "type");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"","room":"r"})"), errc::unknown_type, "type");
    EXPECT_DECODE_ERROR(server_error(R"({"type":"shout","room":"r"})"), errc::unknown_type, "type");
}

TEST(codec, each_side_only_accepts_its_peers_frames) {
    for (const auto& frame : client_samples()) {
        EXPECT_DECODE_ERROR(server_error(encode(frame)), errc::unknown_type, "type");
    }
    for (const auto& frame : server_samples()) {
        EXPECT_DECODE_ERROR(client_error(encode(frame)), errc::unknown_type, "type");
    }
}

TEST(codec, auth_requires_the_protocol_version) {
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","token":"t"})"), errc::missing_field, "v");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","v":2,"token":"t"})"), errc::unsupported_version, "v");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","v":0,"token":"t"})"), errc::unsupported_version, "v");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","v":"1","token":"t"})"), errc::wrong_type, "v");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","v":1.0,"token":"t"})"), errc::wrong_type, "v");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","v":1})"), errc::missing_field, "token");
    const auto frame = decode_ok(decode_client_frame(R"({"token":"t","v":1,"type":"auth"})"));
    EXPECT_EQ(std::get<auth_frame>(frame).token, "t");
}

TEST(codec, batch_in_auth_is_an_optional_flag) {
    EXPECT_FALSE(
        std::get<auth_frame>(decode_ok(decode_client_frame(R"({"type":"auth","v":1,"token":"t"})"))).batch);
    EXPECT_TRUE(std::get<auth_frame>(
                    decode_ok(decode_client_frame(R"({"type":"auth","v":1,"token":"t","batch":true})")))
                    .batch);
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","v":1,"token":"t","batch":1})"), errc::wrong_type,
                        "batch");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"auth","v":1,"token":"t","batch":null})"), errc::wrong_type,
                        "batch");
}

// ---- batch frames (batch.hpp) -------------------------------------------------

std::vector<decoded<server_frame>> frames_of(std::string_view text) { return decode_server_frames(text); }

TEST(codec, a_batch_decodes_to_its_frames_in_order) {
    const auto samples = server_samples();
    frame_batch batch;
    for (const auto& sample : samples) {
        batch.add(encode(sample));
    }
    const auto frames = frames_of(batch.take());
    ASSERT_EQ(frames.size(), samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        EXPECT_TRUE(same(decode_ok(frames[i]), samples[i])) << i;
    }
}

TEST(codec, a_frame_that_is_no_batch_decodes_alone) {
    const server_frame ack = ack_frame{"r", "e1", id_of(1), 4, 5};
    const auto frames = frames_of(encode(ack));
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_TRUE(same(decode_ok(frames[0]), ack));
    const auto broken = frames_of(R"({"type":"ack"})");
    ASSERT_EQ(broken.size(), 1U);
    EXPECT_DECODE_ERROR(decode_fails(broken[0]), errc::missing_field, "room");
}

TEST(codec, each_frame_of_a_batch_fails_or_passes_on_its_own) {
    const std::string ack = encode(server_frame{ack_frame{"r", "e1", id_of(1), 4, 5}});
    const auto frames =
        frames_of(R"({"type":"batch","frames":[)" + ack + R"(,{"type":"ack"},7,{"type":"batch","frames":[)" +
                  ack + R"(]},)" + ack + "]}");
    ASSERT_EQ(frames.size(), 5U);
    decode_ok(frames[0]);
    EXPECT_DECODE_ERROR(decode_fails(frames[1]), errc::missing_field, "frames[1].room");
    EXPECT_DECODE_ERROR(decode_fails(frames[2]), errc::wrong_type, "frames[2]");
    // No batch in a batch.
    EXPECT_DECODE_ERROR(decode_fails(frames[3]), errc::unknown_type, "frames[3].type");
    decode_ok(frames[4]);
}

TEST(codec, a_batch_without_frames_is_one_error) {
    for (const char* text : {R"({"type":"batch"})", R"({"type":"batch","frames":[]})",
                             R"({"type":"batch","frames":{}})", R"({"type":"batch","frames":"x"})"}) {
        SCOPED_TRACE(text);
        const auto frames = frames_of(text);
        ASSERT_EQ(frames.size(), 1U);
        EXPECT_DECODE_ERROR(decode_fails(frames[0]), errc::wrong_type, "frames");
    }
}

TEST(codec, a_batch_is_held_to_the_same_size_and_depth_limits) {
    const auto too_large = frames_of(std::string(server_frame_limits.max_frame_bytes + 1, ' '));
    ASSERT_EQ(too_large.size(), 1U);
    EXPECT_EQ(decode_fails(too_large[0]).code, errc::frame_too_large);
    // The deepest frame (a history page: frame, messages, message, from) fits
    // in a batch with room to spare.
    const server_frame page =
        history_frame{"r", "e1", history_mode::latest, {message_of(1, ann, "hi")}, false, false};
    frame_batch batch;
    batch.add(encode(page));
    batch.add(encode(page));
    const auto frames = frames_of(batch.take());
    ASSERT_EQ(frames.size(), 2U);
    EXPECT_TRUE(same(decode_ok(frames[1]), page));
    const auto deep = frames_of(R"({"type":"batch","frames":[{"type":"x","a":[[[[[[[]]]]]]]}]})");
    ASSERT_EQ(deep.size(), 1U);
    EXPECT_EQ(decode_fails(deep[0]).code, errc::too_deep);
}

TEST(codec, the_deepest_frame_the_relay_sends_reads_a_page_in_a_batch_with_reactions) {
    chat_message reacted = message_of(1, ann, "hi");
    reacted.reactions = {reaction_tally{"😂", {ann}}};
    reacted.reactions_seq = 2;
    const history_frame page{"r", "e1", history_mode::latest, {reacted}, false, false};
    frame_batch batch;
    batch.add(encode(joined_frame{"r", "e1", {ann}, 1, 0, 2}));
    batch.add(encode(page));
    const auto frames = decode_server_frames(batch.take());
    ASSERT_EQ(frames.size(), 2U);
    ASSERT_TRUE(frames[1]) << frames[1].error().detail;
    EXPECT_TRUE(same(*frames[1], server_frame{page}));
}

TEST(codec, a_client_that_did_not_ask_for_batches_does_not_read_one) {
    frame_batch batch;
    batch.add(encode(server_frame{ack_frame{"r", "e1", id_of(1), 4, 5}}));
    batch.add(encode(server_frame{ack_frame{"r", "e1", id_of(2), 5, 6}}));
    EXPECT_DECODE_ERROR(server_error(batch.take()), errc::unknown_type, "type");
}

TEST(codec, history_request_takes_at_most_one_of_before_and_after) {
    const auto latest = decode_ok(decode_client_frame(R"({"type":"history_request","room":"r","limit":5})"));
    EXPECT_FALSE(std::get<history_request_frame>(latest).before);
    EXPECT_FALSE(std::get<history_request_frame>(latest).after);
    EXPECT_DECODE_ERROR(
        client_error(R"({"type":"history_request","room":"r","before":9,"after":2,"limit":5})"),
        errc::wrong_type, "after");
    EXPECT_DECODE_ERROR(client_error(R"({"type":"history_request","room":"r","before":9,"limit":0})"),
                        errc::wrong_type, "limit");
}

TEST(codec, media_ms_is_a_whole_number_of_milliseconds_up_to_a_week) {
    const auto send_with = [](const std::string& media) {
        return R"({"type":"send","room":"r","id":")" + id_of(1).to_string() + R"(","text":"x","media_ms":)" +
               media + "}";
    };
    EXPECT_EQ(std::get<send_frame>(decode_ok(decode_client_frame(send_with(std::to_string(max_media_ms)))))
                  .media_ms,
              max_media_ms);
    EXPECT_EQ(std::get<send_frame>(decode_ok(decode_client_frame(send_with("0")))).media_ms, millis{0});
    for (const std::string& bad : {std::to_string(max_media_ms + 1), std::string("-1"), std::string("1.5"),
                                   std::string("\"12\""), std::string("null")}) {
        EXPECT_DECODE_ERROR(client_error(send_with(bad)), errc::wrong_type, "media_ms");
    }
    json message = json::parse(encode(server_frame{message_frame{"r", message_of(1, ann, "x")}}));
    EXPECT_FALSE(message["message"].contains("media_ms")) << "absent when not stamped";
    message["message"]["media_ms"] = max_media_ms + 1;
    EXPECT_DECODE_ERROR(server_error(message.dump()), errc::wrong_type, "message.media_ms");
}

TEST(media_time, a_players_position_becomes_whole_milliseconds_or_nothing) {
    EXPECT_EQ(media_ms_of_seconds(754.2509), millis{754'250});
    EXPECT_EQ(media_ms_of_seconds(0.0), millis{0});
    EXPECT_EQ(media_ms_of_seconds(static_cast<double>(max_media_ms) / 1000), max_media_ms);
    EXPECT_EQ(media_ms_of_seconds(static_cast<double>(max_media_ms) / 1000 + 1), std::nullopt);
    EXPECT_EQ(media_ms_of_seconds(-0.5), std::nullopt);
    EXPECT_EQ(media_ms_of_seconds(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
    EXPECT_EQ(media_ms_of_seconds(std::numeric_limits<double>::infinity()), std::nullopt);
}

TEST(codec, integers_accept_negative_zero_as_zero) {
    const auto frame = decode_ok(decode_client_frame(R"({"type":"read","room":"r","seq":-0})"));
    EXPECT_EQ(std::get<read_frame>(frame).seq, 0U);
}

TEST(codec, errors_name_nested_fields_by_path) {
    json history = json::parse(encode(server_samples()[3]));
    history["messages"][1]["from"]["id"] = "no spaces";
    EXPECT_DECODE_ERROR(server_error(history.dump()), errc::invalid_user_id, "messages[1].from.id");
    // The same in a batch: the frame's place, then the field's.
    const auto in_batch = frames_of(R"({"type":"batch","frames":[)" + encode(server_samples()[3]) + "," +
                                    history.dump() + "]}");
    ASSERT_EQ(in_batch.size(), 2U);
    decode_ok(in_batch[0]);
    EXPECT_DECODE_ERROR(decode_fails(in_batch[1]), errc::invalid_user_id, "frames[1].messages[1].from.id");
    history["messages"][1] = "x";
    EXPECT_DECODE_ERROR(server_error(history.dump()), errc::wrong_type, "messages[1]");
}

// ---- every field of every frame: missing, mistyped, out of range, invalid ----

// Optional fields, by frame type; history_request's before/after are handled
// by the one-of rule instead.
bool is_optional(const std::string& type, const std::string& path) {
    return (type == "auth" && (path == "batch" || path == "typing")) ||
           (type == "joined" && path == "moderator") ||
           (type == "history_request" && (path == "before" || path == "after")) ||
           (type == "join" && (path == "since" || path == "epoch")) ||
           (type == "history" && path == "epoch") || (type == "nack" && path == "retry_after_ms") ||
           (type == "error" && path == "room") || path == "media_ms" ||
           (path.size() > 9 && path.compare(path.size() - 9, 9, ".media_ms") == 0) ||
           (path.size() > 7 && path.compare(path.size() - 7, 7, ".system") == 0);
}

// Expected error when a field of the given path is removed.
std::pair<errc, std::string> missing_error(const std::string& type, const std::string& path) {
    if (type == "auth" && path == "v") {
        return {errc::missing_field, "v"};
    }
    return {errc::missing_field, path};
}

// Field name without its parents or array index.
std::string leaf(const std::string& path) {
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? path : path.substr(dot + 1);
}

// Values of every JSON kind and every integer edge; those a field should refuse
// are worked out from the field's own value and its range.
std::vector<json> replacements() {
    return {json(nullptr),
            json(true),
            json("text"),
            json(1.5),
            json::parse("1e2"),
            json(-1),
            json(std::numeric_limits<std::int64_t>::min()),
            json::parse("18446744073709551616"),
            json(std::uint64_t{4294967296}),
            json(std::uint64_t{9223372036854775808ULL}),
            json::object(),
            json::array(),
            json::array({1})};
}

std::uint64_t max_for(const std::string& name) {
    if (name == "limit" || name == "retry_after_ms" || name == "burst" || name == "refill_interval_ms" ||
        name == "max_text_code_points" || name == "member_count") {
        return std::numeric_limits<std::uint32_t>::max();
    }
    if (name == "media_ms") {
        return static_cast<std::uint64_t>(max_media_ms);
    }
    if (name == "minutes") {
        return max_mute_minutes;
    }
    if (name == "ts" || name == "token_expires_at" || name == "until") {
        return static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    }
    return std::numeric_limits<std::uint64_t>::max();
}

// Whether `candidate` is acceptable where `original` stood, by JSON kind and range.
bool acceptable(const json& original, const json& candidate, const std::string& name) {
    if (original.is_number_unsigned()) {
        return candidate.is_number_unsigned() && candidate.get<std::uint64_t>() <= max_for(name);
    }
    if (original.is_array()) {
        return candidate.is_array() && candidate.empty();
    }
    return !original.is_object() && original.type() == candidate.type();
}

// The error for an unacceptable replacement: the field itself is mistyped,
// except that a container of the right kind fails on its first content.
std::pair<errc, std::string> replacement_error(const json& original, const json& candidate,
                                               const std::string& path) {
    if (original.is_object() && candidate.is_object()) {
        return {errc::missing_field, path + "." + original.begin().key()};
    }
    if (original.is_array() && candidate.is_array()) {
        return {errc::wrong_type, path + "[0]"};
    }
    return {errc::wrong_type, path};
}

using json_visitor = std::function<void(const std::string& path, json& value)>;

// Calls `visit` for every field below `value`, depth first, with its path.
void for_each_field(json& value, const std::string& prefix, const json_visitor& visit) {
    if (value.is_object()) {
        for (auto& [key, child] : value.items()) {
            const std::string path = prefix + key;
            visit(path, child);
            for_each_field(child, path + ".", visit);
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            const std::string path = prefix.substr(0, prefix.size() - 1) + "[" + std::to_string(i) + "]";
            for_each_field(value[i], path + ".", visit);
        }
    }
}

std::vector<std::string> field_paths(const json& frame) {
    std::vector<std::string> paths;
    json copy = frame;
    for_each_field(copy, "", [&paths](const std::string& path, json&) { paths.push_back(path); });
    return paths;
}

// Applies `change` to the field at `path` of a copy of `frame`.
json with_field(const json& frame, const std::string& target, const std::function<void(json&)>& change) {
    json copy = frame;
    for_each_field(copy, "", [&](const std::string& path, json& value) {
        if (path == target) {
            change(value);
        }
    });
    return copy;
}

// Removes the field at `path` from a copy of `frame`.
json without_field(const json& frame, const std::string& target) {
    json copy = frame;
    std::function<void(json&, const std::string&)> strip = [&](json& value, const std::string& prefix) {
        if (value.is_object()) {
            for (auto it = value.begin(); it != value.end();) {
                if (prefix + it.key() == target) {
                    it = value.erase(it);
                    continue;
                }
                strip(it.value(), prefix + it.key() + ".");
                ++it;
            }
        } else if (value.is_array()) {
            for (std::size_t i = 0; i < value.size(); ++i) {
                strip(value[i], prefix.substr(0, prefix.size() - 1) + "[" + std::to_string(i) + "].");
            }
        }
    };
    strip(copy, "");
    return copy;
}

template <typename Frame, typename Decode>
void check_every_field(const std::vector<Frame>& samples, Decode decode) {
    for (const auto& sample : samples) {
        const json frame = json::parse(encode(sample));
        const std::string type = frame["type"];
        for (const auto& path : field_paths(frame)) {
            if (path == "type") {
                continue;
            }
            SCOPED_TRACE(type + " " + path);
            const auto without = decode(without_field(frame, path).dump());
            if (is_optional(type, path)) {
                EXPECT_TRUE(without.ok());
            } else {
                const auto [code, detail] = missing_error(type, path);
                EXPECT_DECODE_ERROR(decode_fails(without), code, detail);
            }
            json original;
            for (const auto& candidate : replacements()) {
                const json changed = with_field(frame, path, [&](json& value) {
                    original = value;
                    value = candidate;
                });
                if (acceptable(original, candidate, leaf(path))) {
                    continue;
                }
                SCOPED_TRACE(candidate.dump());
                const auto [code, detail] = replacement_error(original, candidate, path);
                EXPECT_DECODE_ERROR(decode_fails(decode(changed.dump())), code, detail);
            }
        }
    }
}

TEST(codec, every_client_field_missing_or_mistyped_is_reported) {
    check_every_field(client_samples(), [](std::string_view text) { return decode_client_frame(text); });
}

TEST(codec, every_server_field_missing_or_mistyped_is_reported) {
    check_every_field(server_samples(), [](std::string_view text) { return decode_server_frame(text); });
}

// Invalid values of the right JSON type: ids, names of enumerators.
template <typename Frame, typename Decode>
void check_invalid_values(const std::vector<Frame>& samples, Decode decode) {
    const std::vector<std::string> bad_ids = {"", "has space", std::string(65, 'a'), "caf\xc3\xa9", "a/b"};
    const std::vector<std::string> bad_message_ids = {"", "0123456789ABCDEF0123456789ABCDEF",
                                                      "0123456789abcdef0123456789abcde",
                                                      "0123456789abcdef0123456789abcdef0", "not-an-id"};
    int checked = 0;
    for (const auto& sample : samples) {
        const json frame = json::parse(encode(sample));
        for (const auto& path : field_paths(frame)) {
            SCOPED_TRACE(path);
            const std::string name = leaf(path);
            std::vector<std::string> values;
            errc expected = errc::wrong_type;
            if (name == "room") {
                values = bad_ids;
                expected = errc::invalid_room_id;
            } else if (name == "epoch") {
                values = bad_ids;
                expected = errc::invalid_epoch;
            } else if (name == "id" && path.find("from.") == std::string::npos &&
                       path.find("user.") == std::string::npos &&
                       path.find("members[") == std::string::npos) {
                values = bad_message_ids;
                expected = errc::invalid_message_id;
            } else if (name == "id" || (path == "user" && frame["user"].is_string())) {
                values = bad_ids;
                expected = errc::invalid_user_id;
            } else if (name == "code" || name == "mode" || name == "event") {
                values = {"", "nope", "Rate_limited", "LATEST", "joined"};
            } else {
                continue;
            }
            for (const auto& value : values) {
                const json changed = with_field(frame, path, [&](json& v) { v = value; });
                EXPECT_DECODE_ERROR(decode_fails(decode(changed.dump())), expected, path);
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 0);
}

TEST(codec, invalid_ids_and_enumerator_names_in_client_frames) {
    check_invalid_values(client_samples(), [](std::string_view text) { return decode_client_frame(text); });
}

TEST(codec, invalid_ids_and_enumerator_names_in_server_frames) {
    check_invalid_values(server_samples(), [](std::string_view text) { return decode_server_frame(text); });
}

// ---- robustness -------------------------------------------------------------------

// Mutates valid frames thousands of times with a fixed seed: decoding must
// always return a frame or an error, never throw or crash (the sanitizers
// watch memory), and whatever it accepts must survive a re-encode unchanged.
TEST(codec, seeded_mutations_never_escape) {
    std::vector<std::string> corpus;
    for (const auto& frame : client_samples()) {
        corpus.push_back(encode(frame));
    }
    for (const auto& frame : server_samples()) {
        corpus.push_back(encode(frame));
    }
    const std::string interesting = "{}[]\":,\\0123456789-.eEtrufalsn \x80\xc3\xed\xf4\xff";
    std::mt19937 rng(20240611);
    const codec_limits limits{512, 8};
    int accepted = 0;
    int refused = 0;
    for (int round = 0; round < 10000; ++round) {
        std::string text = corpus[rng() % corpus.size()];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            const std::size_t at = rng() % text.size();
            switch (rng() % 5) {
                case 0:
                    text[at] = static_cast<char>(text[at] ^ (1 << (rng() % 8)));
                    break;
                case 1:
                    text.insert(at, 1, static_cast<char>(rng() % 256));
                    break;
                case 2:
                    text.erase(at, 1 + rng() % 4);
                    break;
                case 3:
                    text.insert(at, 1, interesting[rng() % interesting.size()]);
                    break;
                default:
                    text.insert(at, text.substr(at, rng() % 16));
                    break;
            }
        }
        ASSERT_NO_THROW({
            const auto client = decode_client_frame(text, limits);
            const auto server = decode_server_frame(text, limits);
            if (client) {
                ++accepted;
                const auto again = decode_client_frame(encode(*client), limits);
                ASSERT_TRUE(again.ok()) << text;
                EXPECT_TRUE(same(*again, *client)) << text;
            } else {
                ++refused;
            }
            if (server) {
                ++accepted;
                const auto again = decode_server_frame(encode(*server), limits);
                ASSERT_TRUE(again.ok()) << text;
                EXPECT_TRUE(same(*again, *server)) << text;
            } else {
                ++refused;
            }
        }) << text;
    }
    // Both outcomes must actually occur, or the mutations are too weak or too strong.
    EXPECT_GT(accepted, 100);
    EXPECT_GT(refused, 5000);
}

TEST(codec, random_bytes_never_escape) {
    std::mt19937 rng(99);
    for (int round = 0; round < 5000; ++round) {
        std::string text(rng() % 64, '\0');
        for (auto& c : text) {
            c = static_cast<char>(rng() % 256);
        }
        EXPECT_NO_THROW({
            const auto client = decode_client_frame(text);
            const auto server = decode_server_frame(text);
            EXPECT_FALSE(client.ok());
            EXPECT_FALSE(server.ok());
        });
    }
}

}  // namespace
}  // namespace roomchat
