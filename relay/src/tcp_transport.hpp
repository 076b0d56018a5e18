#pragma once
// A websocketpp transport policy for the plain endpoint: its TCP sockets on
// the relay's one io_context. websocketpp takes its transport as a template
// (a config's transport_type); its own asio transport serves clients,
// proxies, strands and TLS, and pays for them on every connection.
//
// What this one does not carry, measured in docs/benchmarks.md:
//   - two 1 KiB handler allocators inline in every connection (2 KiB of the
//     4.8 KiB websocketpp object), one of them never used by an idle one;
//   - copies of what websocketpp hands it: the stock transport copies the
//     write handler (a std::function, a heap allocation each) twice more
//     per write, each posted handler once more, and the write's vector of
//     buffers into asio's operation. Here what it passes is moved along,
//     and asio gets a view of the buffers: 8.6 mallocs per delivery -> 4.2;
//   - the socket in an allocation of its own, a timer per connection's
//     start and per shutdown (both are synchronous on a plain socket).
// What it keeps: every error the connection sees is translated as the asio
// transport translates it (end of stream -> transport::error::eof, any other
// -> pass_through, a cancelled accept -> error::operation_canceled), so
// websocketpp behaves the same over either. TLS stays on websocketpp's own
// transport (server_tls.cpp).

#include <cassert>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <websocketpp/common/connection_hdl.hpp>
#include <websocketpp/error.hpp>
#include <websocketpp/transport/base/connection.hpp>
#include <websocketpp/transport/base/endpoint.hpp>

namespace roomchat::relay::tcp_transport {

namespace asio = boost::asio;
namespace transport = websocketpp::transport;
using websocketpp::connection_hdl;
using websocketpp::lib::error_code;
using tcp_init_handler = std::function<void(connection_hdl)>;

// A timer's or an accept's outcome as websocketpp's asio transport hands it
// on: none, `cancelled` when the operation was cancelled (each caller
// expects its own code), pass_through for any other failure.
inline error_code translated(const boost::system::error_code& ec, error_code cancelled) {
    if (!ec) return {};
    if (ec == asio::error::operation_aborted) return cancelled;
    return make_error_code(transport::error::pass_through);
}

// The transport half of one websocketpp connection (websocketpp::connection
// derives from it). Its protected members are what websocketpp calls.
template <typename Config>
class connection : public std::enable_shared_from_this<connection<Config>> {
    static_assert(!Config::enable_multithreading, "no strands: one thread runs every handler");

public:
    using type = connection<Config>;
    using ptr = std::shared_ptr<type>;
    using timer_ptr = std::shared_ptr<asio::steady_timer>;
    using alog_type = typename Config::alog_type;
    using elog_type = typename Config::elog_type;

    // The relay logs through its own log, never websocketpp's: no logger kept.
    connection(bool /*is_server*/, const std::shared_ptr<alog_type>& /*alog*/,
               const std::shared_ptr<elog_type>& /*elog*/) {}

    ptr get_shared() { return this->shared_from_this(); }
    asio::ip::tcp::socket& get_raw_socket() { return *socket_; }
    bool is_secure() const { return false; }
    connection_hdl get_handle() const { return handle_; }

    // As asio's transport writes it ("[::1]:5000" too), for websocketpp's logs.
    std::string get_remote_endpoint() const {
        boost::system::error_code ec;
        const auto remote = socket_->remote_endpoint(ec);
        if (ec) return "Unknown";
        std::ostringstream out;
        out << remote;
        return out.str();
    }

    // Calls `callback` after `duration` ms, or with operation_aborted once the
    // returned timer is cancelled.
    timer_ptr set_timer(long duration, transport::timer_handler callback) {
        auto timer = std::make_shared<asio::steady_timer>(*io_, std::chrono::milliseconds(duration));
        timer->async_wait([self = get_shared(), timer,
                           callback = std::move(callback)](const boost::system::error_code& ec) {
            callback(translated(ec, make_error_code(transport::error::operation_aborted)));
        });
        return timer;
    }

    // The endpoint's, before the connection is accepted.
    void attach(asio::io_context& io, const tcp_init_handler& pre_init, const tcp_init_handler& post_init) {
        io_ = &io;
        socket_.emplace(io);
        pre_init_ = &pre_init;
        post_init_ = &post_init;
    }

protected:
    // Accepted: the endpoint's two handlers, then websocketpp reads.
    void init(const transport::init_handler& callback) {
        if (*pre_init_) (*pre_init_)(handle_);
        if (*post_init_) (*post_init_)(handle_);
        callback(error_code());
    }

    void async_read_at_least(std::size_t num_bytes, char* buf, std::size_t len,
                             transport::read_handler handler) {
        asio::async_read(*socket_, asio::buffer(buf, len), asio::transfer_at_least(num_bytes),
                         [self = get_shared(), handler = std::move(handler)](
                             const boost::system::error_code& ec, std::size_t bytes) {
                             if (handler)
                                 handler(translate(ec), bytes);  // as asio's transport: none, no call
                         });
    }

    void async_write(const char* buf, std::size_t len, transport::write_handler handler) {
        assert(buffers_.empty());  // one write at a time (write())
        buffers_.emplace_back(buf, len);
        write(std::move(handler));
    }

    void async_write(const std::vector<transport::buffer>& bufs, transport::write_handler handler) {
        assert(buffers_.empty());
        for (const auto& buffer : bufs) buffers_.emplace_back(buffer.buf, buffer.len);
        write(std::move(handler));
    }

    void set_handle(connection_hdl handle) { handle_ = std::move(handle); }

    error_code dispatch(transport::dispatch_handler handler) {
        asio::post(*io_, std::move(handler));
        return {};
    }

    // A plain socket shuts down at once; one already closed is not an error.
    void async_shutdown(const transport::shutdown_handler& callback) {
        boost::system::error_code ec;
        socket_->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        callback(ec == asio::error::not_connected ? error_code() : translate(ec));
    }

private:
    // asio copies the buffer sequence it is given into the write operation: a
    // std::vector would be copied (an allocation per write), this is two
    // pointers into `buffers_`, which holds them until the write completes
    // (websocketpp starts the next write only then: its write flag).
    struct buffers_view {
        const asio::const_buffer* first;
        const asio::const_buffer* last;
        const asio::const_buffer* begin() const { return first; }
        const asio::const_buffer* end() const { return last; }
    };

    void write(transport::write_handler handler) {
        const buffers_view view{buffers_.data(), buffers_.data() + buffers_.size()};
        asio::async_write(
            *socket_, view,
            [self = get_shared(), handler = std::move(handler)](const boost::system::error_code& ec,
                                                                std::size_t /*bytes*/) {
                self->buffers_.clear();
                if (handler) handler(ec ? make_error_code(transport::error::pass_through) : error_code());
            });
    }

    static error_code translate(const boost::system::error_code& ec) {
        if (!ec) return {};
        if (ec == asio::error::eof) return make_error_code(transport::error::eof);
        return make_error_code(transport::error::pass_through);
    }

    asio::io_context* io_ = nullptr;
    std::optional<asio::ip::tcp::socket> socket_;  // made by attach()
    std::vector<asio::const_buffer> buffers_;      // the write in flight (its capacity kept)
    connection_hdl handle_;
    const tcp_init_handler* pre_init_ = nullptr;  // the endpoint's, which outlives it
    const tcp_init_handler* post_init_ = nullptr;
};

// The listening half: websocketpp::server derives from it and calls
// init, is_listening and async_accept; the relay calls the rest.
template <typename Config>
class endpoint {
public:
    using type = endpoint<Config>;
    using transport_con_type = connection<Config>;
    using transport_con_ptr = typename transport_con_type::ptr;
    using alog_type = typename Config::alog_type;
    using elog_type = typename Config::elog_type;

    void init_asio(asio::io_context* io) { io_ = io; }
    void set_reuse_addr(bool reuse) { reuse_address_ = reuse; }
    void set_tcp_pre_init_handler(tcp_init_handler handler) { pre_init_ = std::move(handler); }
    void set_tcp_post_init_handler(tcp_init_handler handler) { post_init_ = std::move(handler); }

    void listen(const asio::ip::tcp::endpoint& at, error_code& ec) {
        boost::system::error_code asio_ec;
        asio::ip::tcp::acceptor acceptor(*io_);
        acceptor.open(at.protocol(), asio_ec);
        if (!asio_ec) acceptor.set_option(asio::socket_base::reuse_address(reuse_address_), asio_ec);
        if (!asio_ec) acceptor.bind(at, asio_ec);
        if (!asio_ec) acceptor.listen(asio::socket_base::max_listen_connections, asio_ec);
        if (asio_ec) {
            ec = asio_ec;  // "Address already in use", not asio's transport's "Underlying Transport Error"
            return;
        }
        acceptor_.emplace(std::move(acceptor));
        ec = {};
    }

    // Pending accepts end with operation_canceled; stopping twice is no error.
    void stop_listening(error_code& ec) {
        acceptor_.reset();
        ec = {};
    }

    bool is_listening() const { return acceptor_.has_value(); }

    asio::ip::tcp::endpoint get_local_endpoint(boost::system::error_code& ec) const {
        if (!acceptor_) {
            ec = asio::error::not_connected;
            return {};
        }
        return acceptor_->local_endpoint(ec);
    }

protected:
    void init_logging(const std::shared_ptr<alog_type>& /*alog*/,
                      const std::shared_ptr<elog_type>& /*elog*/) {}

    error_code init(transport_con_ptr connection) {
        connection->attach(*io_, pre_init_, post_init_);
        return {};
    }

    void async_accept(transport_con_ptr connection, transport::accept_handler callback, error_code& ec) {
        if (!acceptor_) {
            ec = make_error_code(websocketpp::error::async_accept_not_listening);
            return;
        }
        acceptor_->async_accept(connection->get_raw_socket(), [callback = std::move(callback)](
                                                                  const boost::system::error_code& asio_ec) {
            callback(translated(asio_ec, make_error_code(websocketpp::error::operation_canceled)));
        });
    }

private:
    asio::io_context* io_ = nullptr;
    std::optional<asio::ip::tcp::acceptor> acceptor_;  // while listening
    bool reuse_address_ = false;
    tcp_init_handler pre_init_;
    tcp_init_handler post_init_;
};

}  // namespace roomchat::relay::tcp_transport
