#pragma once
// The websocketpp configurations of the relay's two endpoints (plain and
// TLS), sized for a single-threaded chat relay; included only by
// server_plain.cpp and server_tls.cpp.

#include <cstddef>

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/logger/basic.hpp>
#include <websocketpp/transport/asio/endpoint.hpp>

namespace roomchat::relay {

// `Base` is websocketpp::config::asio or asio_tls, whose socket type is kept.
template <typename Base>
struct relay_ws_config : Base {
    using type = relay_ws_config;
    // One thread runs the io_context and every handler (main.cpp; signals
    // arrive through an asio::signal_set), so websocketpp's per-operation
    // mutexes and per-connection strands would only cost time.
    using concurrency_type = websocketpp::concurrency::none;
    using elog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::elevel>;
    using alog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::alevel>;
    static constexpr bool enable_multithreading = false;

    // Every connection carries its read buffer inline: 16 KiB by default,
    // in a 20 KiB object. A chat frame is a few hundred bytes (about 2 KiB at
    // most); a larger one, up to --max-frame-bytes, is read in more than one
    // go. Only the start of the buffer is ever written, so a smaller buffer
    // saves resident memory only once the whole object is small: 5 KiB here.
    static constexpr std::size_t connection_read_buffer_size = 1024;

    struct transport_config : Base::transport_config {
        using concurrency_type = relay_ws_config::concurrency_type;
        using elog_type = relay_ws_config::elog_type;
        using alog_type = relay_ws_config::alog_type;
        static constexpr bool enable_multithreading = false;
    };
    using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

}  // namespace roomchat::relay
