#pragma once
// The relay's chat logic wired as main.cpp wires it (config, memory store,
// room registry, token verifier, metrics, logger, hub) around a fake_transport, on a clock
// the test moves by hand. Room timers still run on a real io_context: the
// harness's clock starts a minute in the past, so a presence timer is due at
// once and poll() fires it.

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "config.hpp"
#include "fake_transport.hpp"
#include "hub.hpp"
#include "logging.hpp"
#include "memory_store.hpp"
#include "metrics.hpp"
#include "room_registry.hpp"
#include "token_verifier.hpp"

namespace roomchat::relay_test {

inline const std::string unit_secret = "unit-test-secret-0123456789abcdefghijkl";

// The documented defaults, but room timers that fire as soon as polled.
roomchat::relay::relay_config unit_config();

// Epochs "0000000000000001", "0000000000000002"... in the order rooms are created.
roomchat::random_source counting_random();

struct hub_harness {
    explicit hub_harness(roomchat::relay::relay_config settings = unit_config());

    // A token for `user` (named after it) admitting `rooms`, valid `ttl_ms` from now.
    std::string token(const std::string& user, const std::vector<std::string>& rooms = {"*"},
                      roomchat::millis ttl_ms = 3'600'000) const;
    // Opens `conn` and authenticates it as `user`; expects the welcome and clears it.
    void connect(roomchat::connection_id conn, const std::string& user,
                 const std::vector<std::string>& rooms = {"*"});
    // Sends one client frame as text.
    void text(roomchat::connection_id conn, const nlohmann::json& frame) {
        hub.text(conn, frame.dump(), now);
    }
    // Joins `room`; expects joined + history and returns the joined frame.
    nlohmann::json join(roomchat::connection_id conn, const std::string& room);
    void send(roomchat::connection_id conn, const std::string& room, const std::string& id,
              const std::string& text);
    // Runs the room timers that are due (presence).
    void poll();

    roomchat::relay::relay_config config;
    boost::asio::io_context io;
    roomchat::relay::relay_metrics metrics;
    std::ostringstream log_text;
    roomchat::relay::logger log;
    roomchat::relay::store::memory_store store;
    roomchat::relay::room_registry rooms;
    roomchat::relay::token_verifier verifier;
    roomchat::relay::hub hub;
    fake_transport out;
    roomchat::millis now;
};

// A valid message id: 32 hex digits ending in `n`.
std::string message_id_hex(std::uint32_t n);

}  // namespace roomchat::relay_test
