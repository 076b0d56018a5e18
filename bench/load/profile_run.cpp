#include "profile_run.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "chat_window.hpp"
#include "client_pool.hpp"
#include "redis_server.hpp"
#include "relay_process.hpp"

namespace roomchat::load {
namespace {

using namespace std::chrono_literals;

std::vector<client_spec> seat(const std::string& user_prefix, std::uint32_t clients, std::uint32_t rooms,
                              const std::string& room_prefix) {
    std::vector<client_spec> specs;
    for (std::uint32_t i = 0; i < clients; ++i) {
        specs.push_back(
            {user_prefix + std::to_string(i), room_prefix + std::to_string(i % rooms), i / rooms});
    }
    return specs;
}

// Opens the clients and waits until every one has joined and the relay has
// gone quiet (the presence frames of the last joins sent): false if any failed.
bool open_and_settle(boost::asio::io_context& io, client_pool& pool, const std::vector<client_spec>& specs,
                     std::size_t window, profile_result& result) {
    pool.open(specs, window);
    run_until(
        io, [&] { return pool.settled(); }, clock::now() + 180s);
    result.opened += pool.ready();
    if (pool.ready() != pool.size()) {
        result.problems.push_back(std::to_string(pool.size() - pool.ready()) + " of " +
                                  std::to_string(pool.size()) + " clients did not join" +
                                  (pool.first_error().empty() ? "" : "; first error: " + pool.first_error()));
        return false;
    }
    run_until(
        io, [&] { return clock::now() - pool.last_frame() > 500ms; }, clock::now() + 20s);
    return true;
}

// The share of a window from which a process counts as the bottleneck.
constexpr double always_busy = 0.9;

// The share of the window a process had work: on a CPU or waiting for one.
double busy_share(const schedule_times& t, double seconds) {
    return seconds > 0 ? t.busy_ms() / (seconds * 1000) : 0;
}

double running_share(const schedule_times& t, double seconds) {
    return seconds > 0 ? t.running_ms / (seconds * 1000) : 0;
}

// Steps until one is not clean; the highest clean one and what ran out first.
void saturate(boost::asio::io_context& io, client_pool& pool, const profile& p, std::uint64_t seed,
              const server_pids& servers, profile_result& result) {
    std::uint64_t window_seed = seed;
    for (const double rate : p.steps) {
        // A step that breaks runs once more: on a machine shared with other
        // work, one slow spell should not end the climb.
        bool clean = false;
        for (int attempt = 0; attempt < 2 && !clean; ++attempt) {
            const window_plan plan{rate, false, p.seconds, window_seed++};
            result.windows.push_back(run_chat_window(io, pool, plan, servers));
            const window_result& w = result.windows.back();
            std::printf("  step %.1f msg/s per client: %.0f deliveries/s, p99 %.1f ms, lost %llu\n", w.rate,
                        w.deliveries_per_s, w.delivery.p99_ms,
                        static_cast<unsigned long long>(w.totals.lost));
            std::fflush(stdout);
            clean = w.clean && w.delivery.p99_ms <= saturation_p99_ms;
        }
        const window_result& w = result.windows.back();
        if (clean) {
            result.highest_clean_deliveries_per_s = w.deliveries_per_s;
            continue;
        }
        // Every process runs one thread. The one that had work all the time
        // (on a CPU, or waiting for one while other work on the machine ran)
        // is the one the rate outran.
        const double relay = busy_share(w.relay_schedule, w.sampled_seconds);
        const double redis = busy_share(w.redis_schedule, w.sampled_seconds);
        const double generator = busy_share(w.generator_schedule, w.sampled_seconds);
        const double busiest = std::max({relay, redis, generator});
        const char* first = busiest < always_busy ? "neither process was busy all the time"
                            : busiest == relay    ? "the relay first"
                            : busiest == redis    ? "Redis first"
                                                  : "the generator first";
        char redis_share[64] = "";
        if (!servers.redis.empty()) {
            std::snprintf(redis_share, sizeof redis_share, "Redis %.0f%% (%.0f%%), ", 100 * redis,
                          100 * running_share(w.redis_schedule, w.sampled_seconds));
        }
        char text[400];
        std::snprintf(text, sizeof text,
                      "at %.1f msg/s per client: the %s had work %.0f%% of the time (on a CPU %.0f%%), %s"
                      "the generator %.0f%% (%.0f%%): %s",
                      w.rate, servers.relays.size() > 1 ? "busier relay" : "relay", 100 * relay,
                      100 * running_share(w.relay_schedule, w.sampled_seconds), redis_share, 100 * generator,
                      100 * running_share(w.generator_schedule, w.sampled_seconds), first);
        result.saturated = text;
        return;
    }
    result.saturated = "nothing, up to the last step";
}

}  // namespace

profile_result run_profile(const profile& p, std::uint64_t seed) {
    profile_result result;
    result.name = p.name;
    result.summary = p.summary;
    result.clients = p.clients + p.joiners;
    result.rooms = p.rooms;
    result.batch = p.batch;
    for (const relay_flag& flag : relay_flags(p)) {
        result.relay_args.insert(result.relay_args.end(), flag.args.begin(), flag.args.end());
        std::string shown;
        for (const auto& arg : flag.args) shown += (shown.empty() ? "" : " ") + arg;
        result.relay_flag_reasons.push_back(shown + ": " + flag.why);
    }

    // One relay, or two sharing the rooms through a Redis of their own.
    std::unique_ptr<relay_test::redis_server> redis;
    server_pids servers;
    std::vector<std::unique_ptr<relay_test::relay_process>> relays;
    std::vector<std::string> urls;
    std::vector<std::string> args = result.relay_args;
    if (p.redis) {
        redis = std::make_unique<relay_test::redis_server>();
        servers.redis = std::to_string(redis->pid());
        args.insert(args.end(), {"--redis", "redis://127.0.0.1:" + std::to_string(redis->port())});
        result.relay_flag_reasons.push_back(
            args.end()[-2] + " " + args.back() +
            ": asked for: two relays share the rooms through this Redis, each "
            "room's members alternating between them");
        result.redis = true;
    }
    for (int i = 0; i < (p.redis ? 2 : 1); ++i) {
        relays.push_back(std::make_unique<relay_test::relay_process>(args));
        servers.relays.push_back(std::to_string(relays.back()->pid()));
        urls.push_back(relays.back()->ws_url());
    }
    const auto relay_memory = [&servers] {
        memory_use sum;
        for (const std::string& pid : servers.relays) {
            const memory_use one = read_memory(pid);
            sum.rss_kb += one.rss_kb;
            sum.peak_kb += one.peak_kb;
        }
        return sum;
    };
    boost::asio::io_context io;
    client_pool pool(io, urls, relay_test::test_secret, p.batch);
    result.relay_rss_before_kb = relay_memory().rss_kb;
    result.load_average_before = read_load_average();

    const std::string room_prefix = p.kind == workload::join ? "film" : "room";
    const bool opened =
        open_and_settle(io, pool, seat("u", p.clients, p.rooms, room_prefix), p.opening_window, result);
    if (opened) {
        switch (p.kind) {
            case workload::chat:
                result.windows.push_back(run_chat_window(
                    io, pool, window_plan{p.rate, p.one_message_each, p.seconds, seed}, servers));
                break;
            case workload::saturation:
                saturate(io, pool, p, seed, servers, result);
                break;
            case workload::idle: {
                run_until(
                    io, [] { return false; },
                    clock::now() + std::chrono::duration_cast<clock::duration>(
                                       std::chrono::duration<double>(p.seconds)));
                const long grown = relay_memory().rss_kb - result.relay_rss_before_kb;
                result.per_connection_kb = static_cast<double>(grown) / static_cast<double>(p.clients);
                break;
            }
            case workload::join: {
                // The members write the history (one message each, the room's
                // whole page), then newcomers join one at a time.
                result.windows.push_back(run_chat_window(io, pool, window_plan{0, true, 1, seed}, servers));
                client_pool joiners(io, urls, relay_test::test_secret, p.batch);
                if (open_and_settle(io, joiners, seat("j", p.joiners, 1, room_prefix), 1, result)) {
                    result.join = joiners.join_latency().summary();
                }
                joiners.close_all();
                break;
            }
        }
    }
    result.relay_memory = relay_memory();
    result.load_average_after = read_load_average();
    for (const window_result& w : result.windows) {
        // Loss and refusals under saturation are what it looks for; a
        // duplicate or a stray frame is never the load's doing.
        const bool wrong =
            p.kind == workload::saturation ? w.totals.duplicated > 0 || w.totals.unknown > 0 : !w.clean;
        if (wrong) {
            result.problems.push_back("lost " + std::to_string(w.totals.lost) + ", duplicated " +
                                      std::to_string(w.totals.duplicated) + ", refused " +
                                      std::to_string(w.totals.nacked) + ", unanswered " +
                                      std::to_string(w.totals.messages - w.totals.acked - w.totals.nacked) +
                                      ", unknown " + std::to_string(w.totals.unknown) +
                                      ", closed by the relay " + std::to_string(w.closed_by_relay));
        }
    }
    if (opened && !pool.first_error().empty())
        result.problems.push_back("error frame: " + pool.first_error());
    pool.close_all();
    return result;
}

}  // namespace roomchat::load
