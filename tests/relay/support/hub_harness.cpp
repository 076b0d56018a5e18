#include "hub_harness.hpp"

#include <cstdio>

#include <gtest/gtest.h>

#include "clock.hpp"

namespace roomchat::relay_test {

using roomchat::relay::relay_config;

relay_config unit_config() {
    relay_config config;
    config.jwt_secret = unit_secret;
    config.level = roomchat::relay::log_level::debug;
    return config;
}

roomchat::random_source counting_random() {
    return [next = std::uint64_t{0}](std::uint8_t* data, std::size_t size) mutable {
        ++next;
        for (std::size_t i = 0; i < size; ++i) {
            const std::size_t shift = 8 * (size - 1 - i);
            data[i] = shift < 64 ? static_cast<std::uint8_t>(next >> shift) : 0;
        }
    };
}

hub_harness::hub_harness(relay_config settings)
    : config(std::move(settings)),
      log(config.level, log_text),
      store(config.room, config.user_send_rate, counting_random()),
      rooms(io, config.room, config.max_rooms, std::chrono::milliseconds(config.room_idle_ttl_ms), store),
      verifier(config.jwt_secret),
      hub(config, rooms, store, verifier, metrics, log),
      now(roomchat::relay::now_millis() - 60'000) {
    hub.set_transport(&out);
}

std::string hub_harness::token(const std::string& user, const std::vector<std::string>& rooms_admitted,
                               roomchat::millis ttl_ms) const {
    // Tokens count in whole seconds.
    const roomchat::millis expiry = (now + ttl_ms) / 1000 * 1000;
    return roomchat::relay::mint_token(config.jwt_secret, {user, user}, rooms_admitted, expiry);
}

void hub_harness::connect(roomchat::connection_id conn, const std::string& user,
                          const std::vector<std::string>& rooms_admitted) {
    hub.opened(conn, "10.0.0." + std::to_string(conn % 250), now);
    text(conn, {{"type", "auth"}, {"v", 1}, {"token", token(user, rooms_admitted)}});
    const auto welcome = out.take_one(conn);
    EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome.dump();
}

nlohmann::json hub_harness::join(roomchat::connection_id conn, const std::string& room) {
    text(conn, {{"type", "join"}, {"room", room}});
    const auto frames = out.take(conn);
    EXPECT_EQ(frames.size(), 2U) << nlohmann::json(frames).dump();
    if (frames.size() != 2) return {};
    EXPECT_EQ(frames[0]["type"], "joined") << frames[0].dump();
    EXPECT_EQ(frames[1]["type"], "history") << frames[1].dump();
    return frames[0];
}

void hub_harness::send(roomchat::connection_id conn, const std::string& room, const std::string& id,
                       const std::string& text_sent) {
    text(conn, {{"type", "send"}, {"room", room}, {"id", id}, {"text", text_sent}});
}

void hub_harness::poll() {
    io.restart();
    io.poll();
}

std::string message_id_hex(std::uint32_t n) {
    char hex[33];
    std::snprintf(hex, sizeof hex, "00000000000000000000000a%08x", n);
    return hex;
}

}  // namespace roomchat::relay_test
