#pragma once
// Every simulated participant of a run: one WebSocket each, all on the
// caller's io_context (one thread, no locks). The pool opens them a window at
// a time (connect, auth, join, up to the history answer) and then hands each
// frame they receive to the run, already scanned (frame_scan.hpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "frame_scan.hpp"
#include "latency_recorder.hpp"
#include "stamp.hpp"

namespace roomchat::load {

struct client_spec {
    std::string user;
    std::string room;
    std::uint32_t seat = 0;  // its index among its room's members
};

// A frame for a client that has joined, and when it was read.
using frame_handler =
    std::function<void(std::size_t client, const scanned_frame& frame, clock::time_point at)>;

class client_pool {
public:
    // `urls`: the relays' ws:// addresses, a client connecting to the one at
    // its seat modulo their number (every room's members spread over them);
    // tokens are signed with `secret`; `batch`:
    // the auth asks for batch frames, whose frames are handed on one by one.
    client_pool(boost::asio::io_context& io, std::vector<std::string> urls, std::string secret, bool batch);
    ~client_pool();
    client_pool(const client_pool&) = delete;
    client_pool& operator=(const client_pool&) = delete;

    // Starts opening `specs` (added after any opened before), at most
    // `in_flight` between connect and history at once; the io_context does
    // the rest. Tokens are minted as each connection starts.
    void open(const std::vector<client_spec>& specs, std::size_t in_flight);
    std::size_t size() const { return clients_.size(); }
    std::size_t ready() const { return ready_; }
    std::size_t failed() const { return failed_; }
    bool settled() const { return ready_ + failed_ == clients_.size(); }
    const client_spec& spec(std::size_t client) const;

    void on_frame(frame_handler handler) { handler_ = std::move(handler); }
    void send(std::size_t client, const std::string& text);

    // From join sent to history received, per client.
    latency_recorder& join_latency() { return join_latency_; }
    // When the last frame (of any client, any kind) arrived.
    clock::time_point last_frame() const { return last_frame_; }
    // Joined connections the relay closed, and the first error frame or
    // failure to open seen.
    std::size_t closed_by_relay() const { return closed_by_relay_; }
    const std::string& first_error() const { return first_error_; }

    // Closes every connection and waits (the io_context runs) up to 3 s.
    void close_all();

    struct client;

private:
    class endpoint;
    void start(std::size_t client);
    void receive(std::size_t client, std::string_view frame, clock::time_point at);
    void finished_opening(std::size_t client, bool ok);
    void note_failure(std::size_t client, const std::string& what);

    boost::asio::io_context& io_;
    std::vector<std::string> urls_;
    std::string secret_;
    bool batch_;
    std::unique_ptr<endpoint> endpoint_;
    std::vector<std::unique_ptr<client>> clients_;
    std::size_t next_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t window_ = 1;
    std::size_t ready_ = 0;
    std::size_t failed_ = 0;
    std::size_t closed_by_relay_ = 0;
    bool closing_ = false;
    clock::time_point last_frame_;
    std::string first_error_;
    frame_handler handler_;
    latency_recorder join_latency_;
};

// Runs the io_context until `done` holds or the deadline passes; whether it held.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, clock::time_point deadline);

}  // namespace roomchat::load
