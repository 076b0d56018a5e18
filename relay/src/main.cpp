// roomchat-relay: wires the configuration, the core's rooms and the
// WebSocket/HTTP listener together and runs them on one thread.

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "clock.hpp"
#include "config.hpp"
#include "dev_tokens.hpp"
#include "http_routes.hpp"
#include "hub.hpp"
#include "logging.hpp"
#include "memory_store.hpp"
#include "metrics.hpp"
#include "redis_client.hpp"
#include "redis_store.hpp"
#include "room_registry.hpp"
#include "secure_random.hpp"
#include "server.hpp"
#include "static_files.hpp"
#include "token_verifier.hpp"

namespace relay = roomchat::relay;

namespace {

// Connections that do not finish their close handshake are cut after this.
constexpr std::chrono::milliseconds shutdown_grace{1500};

int run(relay::relay_config config) {
    relay::logger log(config.level, std::cerr);
    if (config.dev_auth) {
        log.write(relay::log_level::warn, "dev_auth_enabled",
                  {{"warning",
                    "INSECURE: POST /api/dev/token mints a token for anyone who asks; never expose this "
                    "relay to other people"}});
        if (config.jwt_secret.empty()) config.jwt_secret = relay::generate_secret();
    }

    // Every handler runs on this thread, so the scheduler and the reactor
    // need no mutex. The hint holds only while nothing posts to `io` from
    // another thread, nothing resolves a name on it (an async_resolve fails
    // with operation_not_supported: Redis takes an address) and no second
    // io_context in the process uses a signal_set.
    boost::asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
    relay::relay_metrics metrics;
    // The rooms' logs: in this relay's memory, or in Redis, shared by every
    // relay pointed at it (one connection for commands, one to subscribe).
    std::unique_ptr<relay::redis::client> redis_commands;
    std::unique_ptr<relay::redis::client> redis_subscriber;
    std::unique_ptr<relay::store::room_store> store;
    relay::store::redis_store* shared = nullptr;
    if (config.redis) {
        redis_commands = std::make_unique<relay::redis::client>(io, *config.redis, relay::secure_random());
        redis_subscriber = std::make_unique<relay::redis::client>(io, *config.redis, relay::secure_random());
        auto made = std::make_unique<relay::store::redis_store>(
            io, *redis_commands, *redis_subscriber, config.room, config.user_send_rate,
            std::chrono::milliseconds(config.room_idle_ttl_ms),
            std::chrono::milliseconds(config.presence_lease_ms), relay::secure_random());
        shared = made.get();
        store = std::move(made);
    } else {
        store = std::make_unique<relay::store::memory_store>(config.room, config.user_send_rate,
                                                             relay::secure_random());
    }
    relay::room_registry rooms(io, config.room, config.max_rooms,
                               std::chrono::milliseconds(config.room_idle_ttl_ms), *store);
    const relay::token_verifier verifier(config.jwt_secret);
    relay::hub hub(config, rooms, *store, verifier, metrics, log);
    if (shared != nullptr) {
        shared->on_epoch_change(
            [&](const std::string& room_id) { hub.room_began_again(room_id, relay::now_millis()); });
        const std::string where = config.redis->host + ":" + std::to_string(config.redis->port);
        for (auto* client : {redis_commands.get(), redis_subscriber.get()}) {
            // Started once; the host was checked with the options. The
            // subscriber's own subscriptions catch up when confirmed.
            const bool commands = client == redis_commands.get();
            static_cast<void>(client->start([&log, where, shared, commands](bool up) {
                log.write(up ? relay::log_level::info : relay::log_level::warn,
                          up ? "redis_up" : "redis_down", {{"redis", where}});
                if (up && commands) shared->reconnected();
            }));
        }
    }
    const relay::static_files files(config.web_root);
    relay::http_routes routes(hub, files, metrics, rooms, verifier);
    const relay::server_context context{config, hub, routes, log};

    std::unique_ptr<relay::listener> server;
    if (config.tls()) {
        auto made = relay::make_tls_listener(io, context);
        if (!made) {
            log.write(relay::log_level::error, "startup_failed", {{"detail", made.error()}});
            return 1;
        }
        server = *std::move(made);
    } else {
        server = relay::make_plain_listener(io, context);
    }
    const auto bound = server->listen(config.host, config.port);
    if (!bound) {
        log.write(relay::log_level::error, "startup_failed", {{"detail", bound.error()}});
        return 1;
    }
    const std::uint16_t port = *bound;
    const std::string authority = config.host + ":" + std::to_string(port);
    const std::string http_url = (config.tls() ? "https://" : "http://") + authority + "/";
    const std::string ws_url = (config.tls() ? "wss://" : "ws://") + authority + "/ws";
    std::cout << "roomchat-relay listening on " << http_url << " (" << ws_url << ")" << std::endl;
    log.write(relay::log_level::info, "listening",
              {{"url", http_url}, {"ws", ws_url}, {"web_root", files.root().string()}});

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::steady_timer deadline(io);
    signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        log.write(relay::log_level::info, "shutting_down", {{"signal", std::to_string(signal_number)}});
        rooms.cancel_timers();
        deadline.expires_after(shutdown_grace);
        deadline.async_wait([&](const boost::system::error_code& timer_ec) {
            if (!timer_ec) io.stop();
        });
        server->shutdown([&] {
            const auto stop = [&] {
                deadline.cancel();
                io.stop();
            };
            // The members' leaving (presence) reaches Redis before the relay goes.
            if (shared != nullptr) {
                shared->drain(stop);
            } else {
                stop();
            }
        });
    });
    io.run();
    log.write(relay::log_level::info, "stopped");
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    auto outcome = relay::parse_config(argc, argv);
    if (const auto* print = std::get_if<relay::print_and_exit>(&outcome)) {
        std::cout << print->text;
        return 0;
    }
    if (const auto* error = std::get_if<relay::config_error>(&outcome)) {
        std::cerr << "roomchat-relay: " << error->message << "\n(see roomchat-relay --help)\n";
        return 2;
    }
    return run(std::get<relay::relay_config>(std::move(outcome)));
}
