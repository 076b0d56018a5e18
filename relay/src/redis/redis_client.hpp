#pragma once
// One connection to Redis on the relay's Boost.Asio loop (hiredis's async API
// through asio_events.hpp): commands go out pipelined and their replies come
// back in order to their handlers. It keeps itself connected: after a failed
// connect, a dropped connection or a command that took too long, it connects
// again with backoff, and every command still waiting is failed at once so
// its caller can answer (a send refused `unavailable`), never left hanging.
//
// A connection that subscribes only subscribes (Redis allows nothing else on
// it): use one client for commands and another for subscriptions. Its
// subscriptions are made again on every reconnect.
//
// Single-threaded like the rest of the relay: every call and every handler on
// the loop's thread. Handlers may call back into the client, and may destroy
// it (then handlers not yet called are not called).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "roomchat/backoff.hpp"
#include "roomchat/ids.hpp"
#include "roomchat/result.hpp"

#include "redis_reply.hpp"

struct redisAsyncContext;

namespace roomchat::relay::redis {

struct client_config {
    // An IP address, not a name: hiredis 0.14 resolves names with a blocking
    // getaddrinfo, which would stall the relay's loop at every reconnect.
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string password;  // AUTH first when set
    std::uint32_t db = 0;  // SELECT first when not 0
    // A connect or a command unanswered this long counts as Redis gone: the
    // connection is dropped and made again.
    millis timeout_ms = 2'000;
    backoff_policy reconnect{100, 5'000, 2, 20};
};

// Why a command got no reply. A Redis error reply (wrong type, a script's
// error) is a reply (reply::kind::error), not a failure.
enum class failure {
    not_allowed,    // no arguments, a subscription command (subscribe() does those), or any
                    // command on a client that subscribes (Redis allows none there)
    not_connected,  // no connection at the time of the call
    disconnected,   // the connection ended before the reply came
    timed_out,      // no reply within timeout_ms: the connection was dropped
};

using reply_handler = std::function<void(result<reply, failure>)>;

// What the commands met, for the relay's /metrics.
struct client_stats {
    std::uint64_t round_trips = 0;  // commands Redis answered
    double round_trip_seconds = 0;  // their time from sent to answered, summed
    std::uint64_t failures = 0;     // commands that got no answer (not connected, disconnected, timed out)
};
using message_handler = std::function<void(const std::string& channel, const std::string& payload)>;
using subscribed_handler = std::function<void(const std::string& channel)>;

class client {
public:
    // Makes the process ignore SIGPIPE: hiredis writes with write(2), and a
    // Redis gone away would otherwise end it.
    client(boost::asio::io_context& io, client_config config, random_source random);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // Connects, and keeps connecting. `on_change(true)` once the connection
    // is ready (Redis answered AUTH, SELECT and a PING), `on_change(false)`
    // when it is lost. False, doing nothing, when the host is not an IP address.
    [[nodiscard]] bool start(std::function<void(bool up)> on_change = {});
    // Drops the connection (commands waiting fail `disconnected`) and stops reconnecting.
    void stop();

    bool connected() const noexcept { return ready_; }
    // Connections that became ready since start, the first included.
    std::uint64_t connects() const noexcept { return connects_; }
    const client_stats& stats() const noexcept { return stats_; }

    // One command as its arguments ("SET", key, value): binary-safe, no
    // formatting. The handler gets the reply or the failure, exactly once.
    void command(const std::vector<std::string>& args, reply_handler handler);

    // Messages published on `channel` go to `on_message` (replacing an
    // earlier handler of it), on this connection and on every one after a
    // reconnect; `on_subscribed` is called each time Redis confirms the
    // subscription, from when on nothing published is missed (what came
    // before is its owner's to fetch). Nothing here notices a Redis that
    // stops publishing: its owner checks with messages of its own (TCP
    // keepalive finds a peer gone).
    void subscribe(const std::string& channel, message_handler on_message,
                   subscribed_handler on_subscribed = {});
    // No more messages of `channel`. Subscribing again at once (to it or to
    // another channel) is safe: it is sent once Redis has confirmed this.
    void unsubscribe(const std::string& channel);

private:
    using clock = std::chrono::steady_clock;
    struct pending {
        reply_handler handler;
        clock::time_point sent;
        clock::time_point deadline;
    };

    void connect();
    void on_connect(int status);
    void on_disconnect();
    void prepare();
    void send(const std::vector<std::string>& args, reply_handler handler);
    void send_subscribe(const std::string& channel);
    // Sends the SUBSCRIBEs not sent yet, once no UNSUBSCRIBE waits.
    void send_waiting_subscriptions();
    void replied(const void* raw);
    void subscription_message(const void* raw);
    void arm_timer();
    void drop(failure why);
    void schedule_reconnect();

    boost::asio::io_context& io_;
    client_config config_;
    random_source random_;
    std::function<void(bool)> on_change_;
    redisAsyncContext* context_ = nullptr;
    bool running_ = false;
    bool ready_ = false;
    // What the commands still waiting are told when the connection ends.
    failure ending_ = failure::disconnected;
    std::uint32_t attempt_ = 0;
    std::uint64_t connects_ = 0;
    client_stats stats_;
    clock::time_point connect_deadline_;
    std::deque<pending> pending_;  // commands sent, oldest first
    struct subscription {
        message_handler on_message;
        subscribed_handler on_subscribed;
        bool sent = false;  // SUBSCRIBE sent on this connection
    };
    std::map<std::string, subscription> subscriptions_;
    // UNSUBSCRIBEs sent and not confirmed. Every SUBSCRIBE waits for them:
    // hiredis 0.14 forgets a channel's handler at its confirmation, and once
    // the last channel is confirmed ended it is no longer in subscriber mode
    // and aborts on the next subscription's reply.
    std::set<std::string> unsubscribing_;
    boost::asio::steady_timer timer_;  // the nearest deadline: the connect's or the oldest command's
    boost::asio::steady_timer reconnect_;
    // Expires with the client: a timer's handler already queued, or code
    // after a handler that may have destroyed it, checks it first.
    std::shared_ptr<bool> alive_;
};

}  // namespace roomchat::relay::redis
