#pragma once
// The generator's websocketpp client configuration. The generator must cost
// less than the relay it measures, and it runs every connection on one thread:
// asio_client's locks (a mutex per connection, per log and per random draw)
// would be paid on every frame for nothing, so this config takes them out.

#include <cstddef>
#include <cstdint>

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/random/random_device.hpp>

namespace roomchat::load {

struct load_client_config : websocketpp::config::asio_client {
    using type = load_client_config;
    using base = websocketpp::config::asio_client;

    using concurrency_type = websocketpp::concurrency::none;
    using elog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::elevel>;
    using alog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::alevel>;
    // Masking keys are drawn only for what the generator sends (a few hundred
    // frames a second), never for what it receives.
    using rng_type = websocketpp::random::random_device::int_generator<std::uint32_t, concurrency_type>;
    static const bool enable_multithreading = false;

    struct transport_config : base::transport_config {
        using concurrency_type = type::concurrency_type;
        using elog_type = type::elog_type;
        using alog_type = type::alog_type;
        static const bool enable_multithreading = false;
    };
    using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

}  // namespace roomchat::load
