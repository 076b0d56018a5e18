#pragma once
// Driving the Redis client from a test: what runs on the io_context (the
// client, a store) answers only while the test runs the loop.

#include <chrono>
#include <cstdint>

#include <boost/asio/io_context.hpp>

#include "redis_client.hpp"
#include "redis_server.hpp"

namespace roomchat::relay_test {

// Runs `io` until `done()` holds or `limit` has passed; whether it held.
template <class Done>
bool run_io_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds limit) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < give_up) {
        io.run_one_for(std::chrono::milliseconds(2));
        io.restart();
    }
    return done();
}

// A client of `server` that reconnects within 200 ms and gives up on an
// answer after `timeout_ms`.
inline relay::redis::client_config client_config_for(const redis_server& server,
                                                     std::uint32_t timeout_ms = 1'000) {
    relay::redis::client_config config;
    config.port = server.port();
    config.timeout_ms = timeout_ms;
    config.reconnect = {20, 200, 2, 20};
    return config;
}

}  // namespace roomchat::relay_test
