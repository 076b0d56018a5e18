#pragma once
// The listener shared by the plain and TLS endpoints; included only by
// server_plain.cpp and server_tls.cpp (websocketpp is heavy to compile).
// One thread runs the io_context, so there are no locks; every asynchronous
// handler looks its connection up by id, so one firing after close is a no-op.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <websocketpp/server.hpp>

#include "roomchat/batch.hpp"

#include "clock.hpp"
#include "origin.hpp"
#include "prepared_frame.hpp"
#include "server.hpp"
#include "transport.hpp"

namespace roomchat::relay {

template <typename Config>
class ws_server final : public listener, public transport {
public:
    using endpoint_type = websocketpp::server<Config>;
    using connection_ptr = typename endpoint_type::connection_ptr;
    using message_ptr = typename endpoint_type::message_ptr;
    using message_type = typename Config::message_type;

    ws_server(boost::asio::io_context& io, const server_context& context)
        : io_(io),
          config_(context.config),
          hub_(context.hub),
          routes_(context.routes),
          log_(context.log),
          write_delay_(io) {
        endpoint_.clear_access_channels(websocketpp::log::alevel::all);
        endpoint_.clear_error_channels(websocketpp::log::elevel::all);
        endpoint_.init_asio(&io_);
        endpoint_.set_reuse_addr(true);
        // No "Server: WebSocket++/0.8.2": a version banner only helps attackers.
        endpoint_.set_user_agent("");
        endpoint_.set_max_message_size(config_.max_frame_bytes);
        endpoint_.set_max_http_body_size(config_.max_http_body_bytes);
        endpoint_.set_open_handshake_timeout(static_cast<long>(config_.handshake_timeout_ms));
        endpoint_.set_close_handshake_timeout(close_handshake_timeout_ms);
        endpoint_.set_pong_timeout(static_cast<long>(config_.pong_timeout_ms));

        using websocketpp::connection_hdl;
        endpoint_.set_tcp_pre_init_handler([this](const connection_hdl& hdl) { track(hdl); });
        // Chat frames are small and latency-bound: without TCP_NODELAY, Nagle's
        // algorithm meeting delayed ACKs holds a broadcast back ~40 ms. (The
        // socket init handler runs before accept, too early to set options.)
        endpoint_.set_tcp_post_init_handler([this](const connection_hdl& hdl) {
            session* s = find(hdl);
            if (s == nullptr) return;
            boost::system::error_code ignored;
            // Sockets of every kind (handshakes and plain HTTP requests too)
            // are capped per address, so a client that opens connections and
            // never finishes a request cannot hold more than this many.
            if (sockets_per_ip_[s->peer] > 2 * config_.max_connections_per_ip) {
                if (hub_.may_log(s->peer, now_millis())) {
                    log_.write(log_level::warn, "too_many_sockets", {{"peer", s->peer}});
                }
                s->con->get_raw_socket().close(ignored);
                return;
            }
            s->con->get_raw_socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        });
        endpoint_.set_validate_handler([this](const connection_hdl& hdl) { return validate(hdl); });
        endpoint_.set_open_handler([this](const connection_hdl& hdl) { on_open(hdl); });
        endpoint_.set_message_handler(
            [this](const connection_hdl& hdl, const message_ptr& message) { on_message(hdl, message); });
        // websocketpp answers every ping by itself, queueing the pong outside
        // any limit: a peer that pings and never reads would grow the relay
        // without bound. The hub decides which pings get a pong (on_ping).
        endpoint_.set_ping_handler([this](const connection_hdl& hdl, const std::string& payload) {
            on_ping(hdl, payload);
            return false;
        });
        endpoint_.set_pong_handler([this](const connection_hdl& hdl, const std::string&) { on_pong(hdl); });
        endpoint_.set_pong_timeout_handler([this](const connection_hdl& hdl, const std::string&) {
            close_hdl(hdl, close_code::normal, "pong_timeout");
        });
        endpoint_.set_http_handler([this](const connection_hdl& hdl) { on_http(hdl); });
        hub_.set_transport(this);
    }

    ~ws_server() override { hub_.set_transport(nullptr); }

    endpoint_type& endpoint() { return endpoint_; }

    result<std::uint16_t, std::string> listen(const std::string& host, std::uint16_t port) override {
        boost::system::error_code address_ec;
        const auto address = boost::asio::ip::make_address(host, address_ec);
        if (address_ec) return "bad --host '" + host + "': " + address_ec.message();
        websocketpp::lib::error_code ec;
        endpoint_.listen(boost::asio::ip::tcp::endpoint(address, port), ec);
        if (!ec) endpoint_.start_accept(ec);
        if (ec) return "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
        boost::system::error_code bound_ec;
        const auto bound = endpoint_.get_local_endpoint(bound_ec);
        if (bound_ec) return "cannot read the bound port: " + bound_ec.message();
        return bound.port();
    }

    void shutdown(std::function<void()> on_drained) override {
        on_drained_ = std::move(on_drained);
        shutting_down_ = true;
        websocketpp::lib::error_code ec;
        endpoint_.stop_listening(ec);
        hub_.shutdown();  // held polls are answered (503), not cut
        // Copy the ids: closing may terminate connections synchronously.
        std::vector<connection_id> ids;
        for (const auto& [id, session] : sessions_) ids.push_back(id);
        for (const connection_id id : ids) {
            const auto it = sessions_.find(id);
            if (it == sessions_.end()) continue;
            if (it->second->open) {
                release(id, *it->second);
                it->second->con->close(close_code::going_away, "going away", ec);
            } else if (!it->second->answered) {
                // Handshakes and plain HTTP requests in progress: cut them.
                it->second->con->terminate(websocketpp::lib::error_code());
            }
        }
        drained_check();
    }

    // ---- transport
    void send(connection_id conn, std::string payload) override {
        last_reply_ = conn;
        session* s = writable(conn);
        if (s == nullptr) return;
        if (s->batches) {
            add_to_batch(conn, *s, payload);  // after the deliveries held in it
        } else {
            release(conn, *s);  // the deliveries held come first
            write(conn, *s, prepare_text_frame<message_type>(std::move(payload)));
        }
    }

    void broadcast(const std::vector<connection_id>& to, std::string payload) override {
        put_on_wire(std::exchange(last_reply_, 0));
        const message_ptr framed = prepare_text_frame<message_type>(std::move(payload));
        for (const connection_id conn : to) {
            session* s = writable(conn);
            if (s == nullptr) continue;
            if (config_.write_delay_ms > 0) {
                hold(conn, *s, framed);
            } else if (s->batches) {
                add_to_batch(conn, *s, framed->get_payload());
            } else {
                write(conn, *s, framed);
            }
        }
    }

    void allow_batches(connection_id conn, bool allowed) override {
        const auto it = sessions_.find(conn);
        if (it == sessions_.end()) return;
        release(conn, *it->second);
        it->second->batches = allowed;
    }

    void close(connection_id conn, std::uint16_t code, const std::string& reason) override {
        const auto it = sessions_.find(conn);
        if (it == sessions_.end() || !it->second->open) return;
        release(conn, *it->second);  // the frames before the close frame
        websocketpp::lib::error_code ec;
        it->second->con->close(code, reason, ec);
    }

    void wake_at(connection_id conn, millis at) override {
        const auto it = sessions_.find(conn);
        if (it == sessions_.end()) return;
        // A day at most: a later deadline is asked for again when this one fires.
        const millis delay = std::clamp<millis>(at - now_millis(), 0, max_wake_delay_ms);
        auto& timer = it->second->deadline;
        timer.expires_after(std::chrono::milliseconds(delay));
        timer.async_wait([this, conn](const boost::system::error_code& ec) {
            if (!ec && sessions_.count(conn) != 0) hub_.deadline(conn, now_millis());
        });
    }

    void answer_http(connection_id conn, const api_answer& answer) override {
        const auto it = sessions_.find(conn);
        if (it == sessions_.end() || !it->second->held) return;
        session& s = *it->second;
        s.held = false;
        s.answered = true;
        const http_response response = routes_.answer_response(request_of(s, conn), answer);
        respond(s, response);
        websocketpp::lib::error_code ec;
        // A client gone meanwhile fails the write; the termination handler cleans up.
        s.con->send_http_response(ec);
        log_.write(log_level::debug, "http_answered",
                   {{"conn", std::to_string(conn)}, {"status", std::to_string(response.status)}});
    }

private:
    static constexpr long close_handshake_timeout_ms = 1000;
    static constexpr millis max_wake_delay_ms = 24LL * 3'600'000;

    struct session {
        session(boost::asio::io_context& io, connection_ptr connection)
            : con(std::move(connection)), deadline(io), heartbeat(io) {}
        connection_ptr con;
        std::string peer;
        bool counted_for_ip = false;
        bool open = false;
        bool slow = false;
        bool held = false;                 // an HTTP long poll waiting for the hub's answer
        bool answered = false;             // a held poll's answer is being written
        bool batches = false;              // the client reads batch frames
        bool flushing = false;             // listed in batching_
        bool delayed = false;              // listed in delayed_
        frame_batch batch;                 // frames waiting for flush_batches or the write delay
        std::vector<message_ptr> waiting;  // deliveries waiting for the write delay, unbatched
        std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
        boost::asio::steady_timer deadline;  // the hub's wake-up (wake_at)
        boost::asio::steady_timer heartbeat;
    };

    session* writable(connection_id conn) {
        const auto it = sessions_.find(conn);
        if (it == sessions_.end() || !it->second->open || it->second->slow) return nullptr;
        return it->second.get();
    }

    void write(connection_id conn, session& s, const message_ptr& framed) {
        if (s.slow) return;
        // A failed send means the connection is closing; its close handler cleans up.
        static_cast<void>(s.con->send(framed));
        check_backlog(conn, s);
    }

    // What is sent to a connection while one handler runs (every frame of
    // one read, each broadcast and ack they cause) leaves together when it
    // returns: one message instead of many, and no later.
    void add_to_batch(connection_id conn, session& s, const std::string& payload) {
        append_to_batch(conn, s, payload);
        if (!s.flushing) {
            s.flushing = true;
            batching_.push_back(conn);
        }
        if (!flush_posted_) {
            flush_posted_ = true;
            boost::asio::post(io_, [this] { flush_batches(); });
        }
    }

    // A batch that is full leaves first, and `payload` starts the next.
    void append_to_batch(connection_id conn, session& s, const std::string& payload) {
        if (!s.batch.fits(payload)) write_batch(conn, s);
        s.batch.add(payload);
    }

    void write_batch(connection_id conn, session& s) {
        if (s.batch.empty()) return;
        if (s.batch.frames() > 1) hub_.count_batch(s.batch.frames());
        write(conn, s, prepare_text_frame<message_type>(s.batch.take()));
    }

    // Writes what is queued for `conn` now rather than when the running
    // handler returns: websocketpp only posts each write, so a reply queued
    // before a fan-out to a thousand members would leave after all of it.
    void put_on_wire(connection_id conn) {
        session* s = writable(conn);
        if (s == nullptr) return;
        write_batch(conn, *s);
        s->con->write_frame();
    }

    void flush_batches() {
        flush_posted_ = false;
        for_each_queued(batching_, &session::flushing,
                        [this](connection_id conn, session& s) { write_batch(conn, s); });
    }

    // The connections `queue` holds for a write to come (a batch's flush, the
    // write delay's tick): each is marked out of it (`queued`), and those
    // still open get `write`.
    template <class Write>
    void for_each_queued(std::vector<connection_id>& queue, bool session::*queued, Write write) {
        for (const connection_id conn : std::exchange(queue, {})) {
            const auto it = sessions_.find(conn);
            if (it == sessions_.end()) continue;
            it->second.get()->*queued = false;
            if (it->second->open) write(conn, *it->second);
        }
    }

    // --write-delay-ms: a delivery waits for the delay's next tick with
    // whatever else the connection gets until then, and they leave in one
    // write (websocketpp writes every frame queued at once with one writev),
    // to a client reading batches in one message. One timer serves every
    // connection: the first delivery held starts it, so none waits longer
    // than the delay, and an idle relay has none running.
    void hold(connection_id conn, session& s, const message_ptr& framed) {
        if (s.batches) {
            append_to_batch(conn, s, framed->get_payload());
        } else {
            s.waiting.push_back(framed);
        }
        if (s.delayed) return;
        s.delayed = true;
        if (delayed_.empty()) {
            write_delay_.expires_after(std::chrono::milliseconds(config_.write_delay_ms));
            write_delay_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) release_delayed();
            });
        }
        delayed_.push_back(conn);
    }

    void release_delayed() {
        for_each_queued(delayed_, &session::delayed,
                        [this](connection_id conn, session& s) { release(conn, s); });
    }

    // Everything waiting for `conn` goes out now, in the order it came.
    void release(connection_id conn, session& s) {
        for (const message_ptr& framed : s.waiting) write(conn, s, framed);
        s.waiting.clear();  // keeps its capacity: no allocation per tick
        write_batch(conn, s);
    }

    // websocketpp queues without limit; the queue is polled after every data
    // frame and pong the relay sends (its own pings carry no payload).
    void check_backlog(connection_id conn, session& s) {
        if (s.slow || s.con->get_buffered_amount() <= config_.max_buffered_bytes) return;
        s.slow = true;
        boost::asio::post(io_, [this, conn] {
            hub_.drop(conn, errc::slow_consumer, close_code::try_again_later, now_millis());
        });
    }

    session* find(const websocketpp::connection_hdl& hdl) {
        const auto id = ids_.find(hdl);
        if (id == ids_.end()) return nullptr;
        const auto it = sessions_.find(id->second);
        return it == sessions_.end() ? nullptr : it->second.get();
    }

    void track(const websocketpp::connection_hdl& hdl) {
        websocketpp::lib::error_code ec;
        connection_ptr con = endpoint_.get_con_from_hdl(hdl, ec);
        if (ec) return;
        const connection_id id = next_id_++;
        auto s = std::make_unique<session>(io_, con);
        boost::system::error_code peer_ec;
        s->peer = con->get_raw_socket().remote_endpoint(peer_ec).address().to_string();
        con->set_termination_handler([this, id](connection_ptr) { forget(id); });
        ++sockets_per_ip_[s->peer];
        ids_.emplace(hdl, id);
        sessions_.emplace(id, std::move(s));
    }

    bool validate(const websocketpp::connection_hdl& hdl) {
        session* s = find(hdl);
        if (s == nullptr) return false;
        const auto& con = s->con;
        // Refusals end the connection: say so, or a keep-alive client reuses it.
        con->replace_header("Connection", "close");
        const millis now = now_millis();
        if (shutting_down_) {
            con->set_status(websocketpp::http::status_code::service_unavailable);
            return false;
        }
        const std::string resource = con->get_resource();
        if (resource != "/ws" && resource.rfind("/ws?", 0) != 0) {
            con->set_status(websocketpp::http::status_code::not_found);
            return false;
        }
        // Messages are framed once for every connection as RFC 6455 frames
        // (prepared_frame.hpp). websocketpp also speaks the draft before it
        // (hixie-76, the one without Sec-WebSocket-Version), which frames
        // them differently and no browser has used since 2012.
        if (con->get_request_header("Sec-WebSocket-Version").empty()) {
            con->set_status(websocketpp::http::status_code::bad_request);
            return false;
        }
        // First, so that even refusals (and their log lines) are rate-limited per address.
        if (!hub_.admit_address(s->peer, now)) {
            if (hub_.may_log(s->peer, now))
                log_.write(log_level::warn, "address_rate_limited", {{"peer", s->peer}});
            con->set_status(websocketpp::http::status_code::too_many_requests);
            return false;
        }
        if (!origin_allowed(con->get_origin(), con->get_request_header("Host"), config_.allowed_origins)) {
            if (hub_.may_log(s->peer, now)) {
                log_.write(log_level::warn, "origin_rejected",
                           {{"peer", s->peer}, {"origin", con->get_origin()}});
            }
            con->set_status(websocketpp::http::status_code::forbidden);
            return false;
        }
        std::size_t& count = connections_per_ip_[s->peer];
        if (count >= config_.max_connections_per_ip) {
            if (count == 0) connections_per_ip_.erase(s->peer);
            if (hub_.may_log(s->peer, now))
                log_.write(log_level::warn, "too_many_connections", {{"peer", s->peer}});
            con->set_status(websocketpp::http::status_code::too_many_requests);
            return false;
        }
        ++count;
        s->counted_for_ip = true;
        con->remove_header("Connection");  // the upgrade's own Connection header follows
        return true;
    }

    void on_open(const websocketpp::connection_hdl& hdl) {
        const auto id = ids_.find(hdl);
        session* s = find(hdl);
        if (s == nullptr) return;
        s->open = true;
        s->last_activity = std::chrono::steady_clock::now();
        const connection_id conn = id->second;
        hub_.opened(conn, s->peer, now_millis());
        log_.write(log_level::debug, "connection_open", {{"conn", std::to_string(conn)}, {"peer", s->peer}});
        release_handshake(*s->con);
        arm_heartbeat(conn, *s);
    }

    // websocketpp keeps the opening handshake's request and response (their
    // header maps and strings) and its parsed URI for the connection's whole
    // life, and never reads them once it is open: about 1 KB per connection
    // (heaptrack, docs/benchmarks.md "idle"). Its accessors are const; the
    // objects are not, so assigning through const_cast is well-defined.
    static void release_handshake(typename endpoint_type::connection_type& con) {
        using request_type = typename Config::request_type;
        using response_type = typename Config::response_type;
        const_cast<request_type&>(con.get_request()) = request_type();     // NOLINT(*-const-cast)
        const_cast<response_type&>(con.get_response()) = response_type();  // NOLINT(*-const-cast)
        con.set_uri(nullptr);
    }

    void arm_heartbeat(connection_id conn, session& s) {
        s.heartbeat.expires_after(std::chrono::milliseconds(config_.ping_interval_ms));
        s.heartbeat.async_wait([this, conn](const boost::system::error_code& ec) {
            if (ec) return;
            const auto it = sessions_.find(conn);
            if (it == sessions_.end() || !it->second->open) return;
            session& live = *it->second;
            const auto silent = std::chrono::steady_clock::now() - live.last_activity;
            if (silent >= std::chrono::milliseconds(config_.idle_timeout_ms)) {
                close(conn, close_code::normal, "idle_timeout");
                return;
            }
            websocketpp::lib::error_code ping_ec;
            live.con->ping("", ping_ec);
            arm_heartbeat(conn, live);
        });
    }

    void on_ping(const websocketpp::connection_hdl& hdl, const std::string& payload) {
        const auto id = ids_.find(hdl);
        session* s = find(hdl);
        if (s == nullptr || !s->open) return;
        s->last_activity = std::chrono::steady_clock::now();
        if (!hub_.ping(id->second, now_millis())) return;
        websocketpp::lib::error_code ec;
        s->con->pong(payload, ec);
        check_backlog(id->second, *s);
    }

    void on_pong(const websocketpp::connection_hdl& hdl) {
        const auto id = ids_.find(hdl);
        session* s = find(hdl);
        if (s == nullptr || !s->open) return;
        s->last_activity = std::chrono::steady_clock::now();
        hub_.pong(id->second, now_millis());
    }

    void on_message(const websocketpp::connection_hdl& hdl, const message_ptr& message) {
        const auto id = ids_.find(hdl);
        session* s = find(hdl);
        if (s == nullptr || !s->open) return;
        s->last_activity = std::chrono::steady_clock::now();
        if (message->get_opcode() == websocketpp::frame::opcode::text) {
            hub_.text(id->second, message->get_payload(), now_millis());
        } else {
            hub_.binary(id->second, now_millis());
        }
    }

    void close_hdl(const websocketpp::connection_hdl& hdl, std::uint16_t code, const std::string& reason) {
        const auto id = ids_.find(hdl);
        if (id != ids_.end()) close(id->second, code, reason);
    }

    http_request request_of(const session& s, connection_id conn) const {
        const auto& request = s.con->get_request();
        return http_request{request.get_method(),
                            request.get_uri(),
                            request.get_header("Authorization"),
                            request.get_body(),
                            s.peer,
                            conn,
                            request.get_header("Origin"),
                            request.get_header("Host")};
    }

    void on_http(const websocketpp::connection_hdl& hdl) {
        const auto id = ids_.find(hdl);
        session* s = find(hdl);
        if (s == nullptr) return;
        const http_request parsed = request_of(*s, id->second);
        const auto response = routes_.handle(parsed, now_millis());
        log_.write(log_level::debug, "http",
                   {{"method", parsed.method},
                    {"target", parsed.target},
                    {"status", response ? std::to_string(response->status) : "held"}});
        if (response) {
            respond(*s, *response);
            return;
        }
        // A long poll, or an answer the store gives later: the hub answers
        // it through answer_http.
        s->con->defer_http_response();
        s->held = true;
        watch_held(id->second, *s);
    }

    void respond(session& s, const http_response& response) {
        const auto& con = s.con;
        con->set_status(static_cast<websocketpp::http::status_code::value>(response.status));
        con->replace_header("Content-Type", response.content_type);
        // websocketpp serves one request per connection and then closes it;
        // a client or proxy told nothing would reuse it and race the close.
        con->replace_header("Connection", "close");
        for (const auto& [name, value] : response.headers) con->append_header(name, value);
        con->set_body(response.body);
    }

    // websocketpp reads nothing more from a deferred request's socket, so a
    // client that gives up on its poll would be noticed only when the answer
    // is written, up to the whole wait later, holding its place under the
    // caps meanwhile. The socket turning readable with nothing to read is
    // the client's FIN. Bytes after the request (a TLS close_notify, a
    // pipelined request) are left unread: that poll ends with its answer.
    void watch_held(connection_id conn, session& s) {
        s.con->get_raw_socket().async_wait(
            boost::asio::socket_base::wait_read, [this, conn](const boost::system::error_code& ec) {
                if (ec) return;
                const auto it = sessions_.find(conn);
                if (it == sessions_.end() || !it->second->held) return;
                session& held = *it->second;
                char byte = 0;
                // Not through asio: a TLS socket's lowest layer offers no receive.
                const auto peeked =
                    ::recv(held.con->get_raw_socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    watch_held(conn, held);  // a spurious wake-up
                } else if (peeked <= 0) {
                    held.con->terminate(websocketpp::lib::error_code());
                }
            });
    }

    void forget(connection_id conn) {
        const auto it = sessions_.find(conn);
        if (it == sessions_.end()) return;
        std::unique_ptr<session> s = std::move(it->second);
        sessions_.erase(it);
        ids_.erase(s->con->get_handle());
        if (s->counted_for_ip) {
            const auto ip = connections_per_ip_.find(s->peer);
            if (ip != connections_per_ip_.end() && --ip->second == 0) connections_per_ip_.erase(ip);
        }
        const auto sockets = sockets_per_ip_.find(s->peer);
        if (sockets != sockets_per_ip_.end() && --sockets->second == 0) sockets_per_ip_.erase(sockets);
        if (s->held) hub_.poll_closed(conn);
        if (s->open) {
            hub_.closed(conn, now_millis());
            log_.write(log_level::debug, "connection_closed",
                       {{"conn", std::to_string(conn)},
                        {"code", std::to_string(s->con->get_remote_close_code())},
                        {"reason", s->con->get_remote_close_reason()}});
        }
        // Destroying the timers cancels them; their handlers find no session.
        drained_check();
    }

    void drained_check() {
        if (shutting_down_ && sessions_.empty() && on_drained_) {
            auto done = std::move(on_drained_);
            on_drained_ = nullptr;
            boost::asio::post(io_, std::move(done));
        }
    }

    boost::asio::io_context& io_;
    const relay_config& config_;
    hub& hub_;
    http_routes& routes_;
    logger& log_;
    endpoint_type endpoint_;
    connection_id next_id_ = 1;
    bool shutting_down_ = false;
    bool flush_posted_ = false;              // flush_batches will run
    connection_id last_reply_ = 0;           // where send went last, since the last broadcast (0: none)
    std::vector<connection_id> batching_;    // connections with a batch to flush
    boost::asio::steady_timer write_delay_;  // releases delayed_ (--write-delay-ms)
    std::vector<connection_id> delayed_;     // connections holding deliveries for it
    std::function<void()> on_drained_;
    // Looked up once per delivery: hashed, not a tree walk.
    std::unordered_map<connection_id, std::unique_ptr<session>> sessions_;
    std::map<websocketpp::connection_hdl, connection_id, std::owner_less<websocketpp::connection_hdl>> ids_;
    std::unordered_map<std::string, std::size_t> connections_per_ip_;  // WebSocket upgrades accepted
    std::unordered_map<std::string, std::size_t> sockets_per_ip_;      // every accepted socket
};

}  // namespace roomchat::relay
