#include "redis_client.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdint>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <optional>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "asio_events.hpp"

namespace roomchat::relay::redis {
namespace {

// hiredis's callbacks reach the client through the context's data, which the
// destructor clears: a context freed later (hiredis defers a free asked for
// inside its own callback) calls back into nothing.
client* owner(const redisAsyncContext* context) { return static_cast<client*>(context->data); }

// Commands whose replies hiredis routes to subscription callbacks, not to the
// reply queue: only subscribe() may send them.
bool changes_subscriptions(const std::string& name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower == "subscribe" || lower == "psubscribe" || lower == "unsubscribe" ||
           lower == "punsubscribe" || lower == "monitor";
}

}  // namespace

client::client(boost::asio::io_context& io, client_config config, random_source random)
    : io_(io),
      config_(std::move(config)),
      random_(std::move(random)),
      timer_(io),
      reconnect_(io),
      alive_(std::make_shared<bool>(true)) {
    // hiredis writes with write(2): to a Redis that went away, that raises
    // SIGPIPE, which would end the process. Ignored, the write fails EPIPE
    // and the connection is dropped and made again like any other loss.
    // (Asio's own sockets never raise it.)
    std::signal(SIGPIPE, SIG_IGN);
}

client::~client() {
    // Nobody is told: the owner is going away with its handlers.
    if (context_ != nullptr) {
        auto* context = std::exchange(context_, nullptr);
        context->data = nullptr;
        context->onDisconnect = nullptr;
        redisAsyncFree(context);
    }
}

bool client::start(std::function<void(bool up)> on_change) {
    boost::system::error_code not_an_address;
    boost::asio::ip::make_address(config_.host, not_an_address);
    if (not_an_address) return false;
    on_change_ = std::move(on_change);
    running_ = true;
    attempt_ = 0;
    connect();
    return true;
}

void client::stop() {
    running_ = false;
    reconnect_.cancel();
    if (context_ != nullptr) drop(failure::disconnected);
}

void client::connect() {
    if (!running_ || context_ != nullptr) return;
    redisAsyncContext* context = redisAsyncConnect(config_.host.c_str(), config_.port);
    if (context == nullptr || context->err != 0) {
        if (context != nullptr) redisAsyncFree(context);
        schedule_reconnect();
        return;
    }
    context->data = this;
    attach(*context, io_);
    redisAsyncSetConnectCallback(context, [](const redisAsyncContext* c, int status) {
        if (auto* self = owner(c)) self->on_connect(status);
    });
    redisAsyncSetDisconnectCallback(context, [](const redisAsyncContext* c, int) {
        if (auto* self = owner(c)) self->on_disconnect();
    });
    context_ = context;
    ending_ = failure::disconnected;
    connect_deadline_ = clock::now() + std::chrono::milliseconds(config_.timeout_ms);
    arm_timer();
}

void client::on_connect(int status) {
    if (status != REDIS_OK) {
        // hiredis frees a context that failed to connect, without a disconnect callback.
        context_ = nullptr;
        schedule_reconnect();
        return;
    }
    // A half-open connection to a subscriber (which sends nothing that could
    // time out) is found by the kernel's keepalive probes.
    redisEnableKeepAlive(&context_->c);
    prepare();
}

// AUTH and SELECT before anything else, then a PING: the connection is ready
// when Redis has answered all three (a stopped Redis still accepts
// connections). A refusal is retried like a lost connection: the operator may
// fix the password while the relay waits.
void client::prepare() {
    std::vector<std::vector<std::string>> steps;
    if (!config_.password.empty()) steps.push_back({"AUTH", config_.password});
    if (config_.db != 0) steps.push_back({"SELECT", std::to_string(config_.db)});
    steps.push_back({"PING"});
    auto remaining = std::make_shared<std::size_t>(steps.size());
    for (const auto& step : steps) {
        send(step, [this, remaining](result<reply, failure> answer) {
            if (!answer) return;  // the connection ended: reconnecting already
            const bool last = --*remaining == 0;
            if (answer->is_error() || (last && answer->text != "PONG")) {
                drop(failure::disconnected);
                return;
            }
            if (!last) return;
            ready_ = true;
            attempt_ = 0;
            ++connects_;
            unsubscribing_.clear();  // a new connection subscribes to nothing yet
            for (auto& subscribed : subscriptions_) subscribed.second.sent = false;
            send_waiting_subscriptions();
            if (on_change_) on_change_(true);  // last: it may destroy the client
        });
    }
}

void client::on_disconnect() {
    // hiredis frees the context after this; commands still waiting have
    // had their callbacks (with no reply) just before.
    context_ = nullptr;
    const bool was_ready = std::exchange(ready_, false);
    timer_.cancel();
    schedule_reconnect();
    if (was_ready && on_change_) on_change_(false);  // last: it may destroy the client
}

void client::command(const std::vector<std::string>& args, reply_handler handler) {
    std::optional<failure> refused;
    if (args.empty() || changes_subscriptions(args.front()) || !subscriptions_.empty()) {
        refused = failure::not_allowed;
    } else if (!ready_) {
        refused = failure::not_connected;
    }
    if (refused) {
        if (*refused == failure::not_connected) ++stats_.failures;
        boost::asio::post(io_, [handler = std::move(handler), why = *refused] { handler(why); });
        return;
    }
    send(args, std::move(handler));
}

void client::send(const std::vector<std::string>& args, reply_handler handler) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    const auto on_reply = [](redisAsyncContext* c, void* raw, void*) {
        if (auto* self = owner(c)) self->replied(raw);
    };
    if (redisAsyncCommandArgv(context_, on_reply, nullptr, static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
        ++stats_.failures;
        boost::asio::post(io_, [handler = std::move(handler)] { handler(failure::disconnected); });
        return;
    }
    const auto now = clock::now();
    pending_.push_back({std::move(handler), now, now + std::chrono::milliseconds(config_.timeout_ms)});
    if (pending_.size() == 1) arm_timer();
}

// Redis answers in order, and hiredis calls back in order, with no reply for
// each command still waiting when a connection ends: the oldest is this one.
void client::replied(const void* raw) {
    auto handler = std::move(pending_.front().handler);
    const clock::time_point sent = pending_.front().sent;
    pending_.pop_front();
    if (raw == nullptr) {
        ++stats_.failures;
        handler(ending_);
    } else {
        ++stats_.round_trips;
        stats_.round_trip_seconds += std::chrono::duration<double>(clock::now() - sent).count();
        handler(reply::from(*static_cast<const redisReply*>(raw)));
    }
}

void client::subscribe(const std::string& channel, message_handler on_message,
                       subscribed_handler on_subscribed) {
    subscription& entry = subscriptions_[channel];
    entry.on_message = std::move(on_message);
    entry.on_subscribed = std::move(on_subscribed);
    send_waiting_subscriptions();
}

void client::send_waiting_subscriptions() {
    if (!ready_ || !unsubscribing_.empty()) return;
    for (auto& [channel, entry] : subscriptions_) {
        if (entry.sent) continue;
        entry.sent = true;
        send_subscribe(channel);
    }
}

void client::unsubscribe(const std::string& channel) {
    const auto it = subscriptions_.find(channel);
    if (it == subscriptions_.end()) return;
    const bool sent = it->second.sent;
    subscriptions_.erase(it);
    if (!sent || !ready_ || !unsubscribing_.insert(channel).second) return;
    const char* argv[] = {"UNSUBSCRIBE", channel.data()};
    const std::size_t lengths[] = {11, channel.size()};
    // Confirmed through the channel's SUBSCRIBE callback (subscription_message).
    redisAsyncCommandArgv(context_, nullptr, nullptr, 2, argv, lengths);
}

void client::send_subscribe(const std::string& channel) {
    const char* argv[] = {"SUBSCRIBE", channel.data()};
    const std::size_t lengths[] = {9, channel.size()};
    // hiredis calls this for the confirmation and for every message after it.
    redisAsyncCommandArgv(
        context_,
        [](redisAsyncContext* c, void* raw, void*) {
            if (auto* self = owner(c)) self->subscription_message(raw);
        },
        nullptr, 2, argv, lengths);
}

void client::subscription_message(const void* raw) {
    if (raw == nullptr) return;
    const auto message = reply::from(*static_cast<const redisReply*>(raw));
    if (message.type != reply::kind::array || message.elements.size() != 3) return;
    const std::string& kind = message.elements[0].text;
    const std::string channel = message.elements[1].text;
    const auto it = subscriptions_.find(channel);
    if (kind == "unsubscribe") {
        unsubscribing_.erase(channel);
        send_waiting_subscriptions();  // what was subscribed meanwhile
    } else if (it == subscriptions_.end()) {
        return;  // unsubscribing
    } else if (kind == "subscribe") {
        // The confirmation of a subscription being ended is not the new one's.
        if (unsubscribing_.count(channel) != 0) return;
        // Copied: the handler may unsubscribe, which destroys the stored one.
        const subscribed_handler handler = it->second.on_subscribed;
        if (handler) handler(channel);
    } else if (kind == "message") {
        const message_handler handler = it->second.on_message;
        handler(channel, message.elements[2].text);
    }
}

void client::arm_timer() {
    if (context_ == nullptr) return;
    clock::time_point deadline;
    if (!ready_ && pending_.empty()) {
        deadline = connect_deadline_;
    } else if (!pending_.empty()) {
        deadline = pending_.front().deadline;
    } else {
        timer_.cancel();
        return;
    }
    timer_.expires_at(deadline);
    timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || context_ == nullptr) return;
        const bool connecting = !ready_ && pending_.empty();
        const bool late = !pending_.empty() && pending_.front().deadline <= clock::now();
        if ((connecting && connect_deadline_ <= clock::now()) || late) {
            drop(failure::timed_out);
        } else {
            arm_timer();
        }
    });
}

// Ends the connection now: commands waiting fail `why`, and unless stopped
// the client connects again after its backoff. The state is settled before
// anyone is told, since what they do (start() again) must not be undone here.
void client::drop(failure why) {
    ending_ = why;
    auto* context = std::exchange(context_, nullptr);
    const bool was_ready = std::exchange(ready_, false);
    timer_.cancel();
    schedule_reconnect();
    context->onDisconnect = nullptr;  // told here instead
    const std::weak_ptr<bool> alive = alive_;
    redisAsyncFree(context);                         // calls the waiting commands' handlers with no reply
    if (alive.expired()) return;                     // one of them destroyed the client
    if (was_ready && on_change_) on_change_(false);  // last: it may destroy the client
}

void client::schedule_reconnect() {
    if (!running_) return;
    const millis delay = backoff_delay(config_.reconnect, attempt_++, random_);
    reconnect_.expires_after(std::chrono::milliseconds(delay));
    reconnect_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (!ec && !alive.expired()) connect();
    });
}

}  // namespace roomchat::relay::redis
