#pragma once
// The websocketpp configurations of the relay's two endpoints (plain and
// TLS), sized for a single-threaded chat relay; included only by
// server_plain.cpp and server_tls.cpp.

#include <cstddef>

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/logger/basic.hpp>

namespace roomchat::relay {

// `Base` is websocketpp::config::asio or asio_tls; `Transport` the endpoint
// of a transport policy: tcp_transport::endpoint for the plain endpoint,
// websocketpp::transport::asio::endpoint (with Base's TLS socket) for TLS.
template <typename Base, template <typename> class Transport>
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
    // in a 20 KiB object. What a client sends is small (a send frame with a
    // typical text, or an auth frame with a token of a few claims, under 300
    // bytes; the longest text about 2 KiB); a larger frame, up to
    // --max-frame-bytes, is read in more than one go, as is a browser's
    // upgrade request with long headers (once per connection). Only the start of the buffer is ever
    // written, so a smaller one saves resident memory only once the whole
    // object is small: over tcp_transport, 512 bytes instead of 1 KiB took
    // 0.4 KB off an idle connection (docs/benchmarks.md, "Idle connections").
    static constexpr std::size_t connection_read_buffer_size = 512;

    struct transport_config : Base::transport_config {
        using concurrency_type = relay_ws_config::concurrency_type;
        using elog_type = relay_ws_config::elog_type;
        using alog_type = relay_ws_config::alog_type;
        static constexpr bool enable_multithreading = false;
    };
    using transport_type = Transport<transport_config>;
};

}  // namespace roomchat::relay
