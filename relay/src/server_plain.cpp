#include <websocketpp/config/asio_no_tls.hpp>

#include "server_impl.hpp"
#include "tcp_transport.hpp"
#include "ws_config.hpp"

namespace roomchat::relay {

std::unique_ptr<listener> make_plain_listener(boost::asio::io_context& io, const server_context& context) {
    return std::make_unique<ws_server<relay_ws_config<websocketpp::config::asio, tcp_transport::endpoint>>>(
        io, context);
}

}  // namespace roomchat::relay
