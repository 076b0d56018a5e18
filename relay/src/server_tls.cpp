#include <boost/asio/ssl/context.hpp>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/transport/asio/endpoint.hpp>

#include "server_impl.hpp"
#include "ws_config.hpp"

namespace roomchat::relay {

result<std::unique_ptr<listener>, std::string> make_tls_listener(boost::asio::io_context& io,
                                                                 const server_context& context) {
    namespace ssl = boost::asio::ssl;
    auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    if (!ec) tls->use_certificate_chain_file(context.config.tls_cert, ec);
    if (ec) return "cannot load --tls-cert " + context.config.tls_cert + ": " + ec.message();
    tls->use_private_key_file(context.config.tls_key, ssl::context::pem, ec);
    if (ec) return "cannot load --tls-key " + context.config.tls_key + ": " + ec.message();

    auto server = std::make_unique<
        ws_server<relay_ws_config<websocketpp::config::asio_tls, websocketpp::transport::asio::endpoint>>>(
        io, context);
    // One context for every connection: the certificate is loaded once.
    server->endpoint().set_tls_init_handler([tls](const websocketpp::connection_hdl&) { return tls; });
    return std::unique_ptr<listener>(std::move(server));
}

}  // namespace roomchat::relay
