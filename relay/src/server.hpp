#pragma once
// The WebSocket + HTTP listener. Two endpoint types (plain ws/http and
// wss/https) share one implementation; only server_plain.cpp and
// server_tls.cpp include websocketpp.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "roomchat/result.hpp"

#include "config.hpp"
#include "http_routes.hpp"
#include "hub.hpp"
#include "logging.hpp"

namespace roomchat::relay {

class listener {
public:
    virtual ~listener() = default;
    // Binds and starts accepting; the bound port (useful with port 0) or an error.
    virtual result<std::uint16_t, std::string> listen(const std::string& host, std::uint16_t port) = 0;
    // Stops accepting and closes every connection, handshakes in progress
    // included, with 1001 "going away". `on_drained` runs once none is left.
    virtual void shutdown(std::function<void()> on_drained) = 0;
};

struct server_context {
    const relay_config& config;
    class hub& hub;
    http_routes& routes;
    logger& log;
};

std::unique_ptr<listener> make_plain_listener(boost::asio::io_context& io, const server_context& context);
// Loads the certificate and key up front; an error message when they do not load.
result<std::unique_ptr<listener>, std::string> make_tls_listener(boost::asio::io_context& io,
                                                                 const server_context& context);

}  // namespace roomchat::relay
