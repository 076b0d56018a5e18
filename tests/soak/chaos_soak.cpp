// The chaos soak: real client sessions chat in several rooms through a
// fault-injecting proxy (cuts, stalls, delays, frames split at odd bytes)
// while the relay is killed and restarted, with SIGKILL and with SIGTERM.
// Then the faults stop, everything settles and the promises are checked:
//  - every member of a room holds the same timeline as the relay for the
//    room's current epoch: contiguous, in seq order, each message once;
//  - every message a client sent was acknowledged exactly once or reported
//    failed with a reason, and nothing is left pending;
//  - every message acknowledged in the current epoch is in the room;
//  - the relay's memory stayed within its caps.
// It prints the counts and exits non-zero on any violation.
//
// With --redis, two relays share the rooms through one Redis (Debian's
// redis-server on a free port), each behind its own proxy with half the
// clients: the relays are killed and restarted in turn (not an epoch change:
// the rooms are Redis's), and Redis once, halfway, which loses every room (an
// epoch change, as a relay's restart is for a relay on its own).
//
//   chaos_soak [--seconds N] [--seed S] [--clients C] [--rooms R] [--redis]

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos_proxy.hpp"
#include "cli_number.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"
#include "relay_process.hpp"
#include "soak_client.hpp"
#include "tokens.hpp"

namespace rt = roomchat::relay_test;
using namespace std::chrono_literals;
using roomchat::soak::chaos_faults;
using roomchat::soak::chaos_proxy;
using roomchat::soak::soak_client;
using steady = std::chrono::steady_clock;

namespace {

struct options {
    int seconds = 45;
    std::uint64_t seed = 1;
    int clients = 12;
    int rooms = 3;
    bool redis = false;
};

// The options, or nothing after saying on stderr which argument is refused.
std::optional<options> parse(int argc, char* argv[]) {
    options o;
    for (int i = 1; i < argc; i += 2) {
        const std::string name = argv[i];
        if (name == "--redis") {
            o.redis = true;
            --i;  // no value
            continue;
        }
        const std::string value = i + 1 < argc ? argv[i + 1] : "";
        std::optional<int> whole;
        std::optional<std::uint64_t> seed;
        if (name == "--seed") {
            seed = rt::cli_number(value, std::uint64_t{0}, UINT64_MAX);
        } else {
            whole = rt::cli_number(value, 1, 86'400);
        }
        if (name == "--seed" && seed) {
            o.seed = *seed;
        } else if (name == "--seconds" && whole) {
            o.seconds = *whole;
        } else if (name == "--clients" && whole) {
            o.clients = *whole;
        } else if (name == "--rooms" && whole) {
            o.rooms = *whole;
        } else {
            std::fprintf(
                stderr,
                "chaos_soak: cannot use '%s %s'\n"
                "usage: chaos_soak [--seconds N] [--seed S] [--clients C] [--rooms R] [--redis] (whole "
                "numbers, N, C and R at least 1)\n",
                name.c_str(), value.c_str());
            return std::nullopt;
        }
    }
    return o;
}

// The relay as the soak runs it: on a fixed port so the proxy can always
// find it, with the default limits except those one address (every client
// here is 127.0.0.1) would hit.
// With `redis`, the relay keeps the rooms there.
std::unique_ptr<rt::relay_process> start_relay(std::uint16_t port, const rt::redis_server* redis) {
    std::vector<std::string> args{"--ip-rate-burst",          "100000", "--log-level", "warn",
                                  "--max-connections-per-ip", "1000"};
    if (port != 0) args.insert(args.end(), {"--port", std::to_string(port)});
    if (redis != nullptr)
        args.insert(args.end(), {"--redis", "redis://127.0.0.1:" + std::to_string(redis->port())});
    return std::make_unique<rt::relay_process>(args, rt::test_secret,
                                               std::vector<std::string>{"ASAN_OPTIONS=quarantine_size_mb=8"});
}

int failures = 0;

void fail(const std::string& what) {
    ++failures;
    if (failures <= 40) std::printf("  FAIL: %s\n", what.c_str());
}

// The room's current history from the relay's HTTP API, by seq.
std::map<roomchat::seq_t, nlohmann::json> relay_history(std::uint16_t port, const std::string& room) {
    std::map<roomchat::seq_t, nlohmann::json> messages;
    const auto auth = rt::bearer(rt::token_for("soak-checker", room));
    roomchat::seq_t after = 0;
    for (;;) {
        const auto reply = rt::http_request(
            port, "GET", "/api/rooms/" + room + "/messages?after=" + std::to_string(after) + "&limit=200", "",
            auth);
        const auto page = nlohmann::json::parse(reply.body, nullptr, false);
        if (reply.status != 200 || !page.is_object() || page["messages"].empty()) break;
        for (const auto& message : page["messages"]) {
            after = message["seq"].get<roomchat::seq_t>();
            messages[after] = message;
        }
    }
    return messages;
}

}  // namespace

int main(int argc, char* argv[]) {
    const auto parsed = parse(argc, argv);
    if (!parsed) return 2;
    const options& o = *parsed;
    std::mt19937_64 rng(o.seed);
    const auto chance = [&](int per_mille) { return static_cast<int>(rng() % 1000) < per_mille; };

    // One relay, or two sharing the rooms through Redis; each behind its proxy.
    const std::unique_ptr<rt::redis_server> redis = o.redis ? std::make_unique<rt::redis_server>() : nullptr;
    const std::size_t relay_count = o.redis ? 2 : 1;
    std::vector<std::unique_ptr<rt::relay_process>> relays;
    std::vector<std::uint16_t> relay_ports;
    std::vector<std::unique_ptr<chaos_proxy>> proxies;
    for (std::size_t r = 0; r < relay_count; ++r) {
        relays.push_back(start_relay(0, redis.get()));
        relay_ports.push_back(relays.back()->port());
        proxies.push_back(std::make_unique<chaos_proxy>(relay_ports.back(), o.seed + r));
        std::printf("relay %zu at 127.0.0.1:%u behind proxy :%u\n", r, relay_ports.back(),
                    proxies.back()->port());
    }
    std::printf("chaos soak: %d s, seed %llu, %d clients in %d rooms, %s\n", o.seconds,
                static_cast<unsigned long long>(o.seed), o.clients, o.rooms,
                redis ? ("two relays sharing them through Redis :" + std::to_string(redis->port())).c_str()
                      : "one relay");

    std::vector<std::unique_ptr<soak_client>> clients;
    std::vector<std::string> room_of;
    for (int i = 0; i < o.clients; ++i) {
        const std::string room = "soak" + std::to_string(i % o.rooms);
        roomchat::client_config config;
        config.room = room;
        config.token = rt::token_for("user" + std::to_string(i), room);
        // Each room's members spread over the relays.
        const std::size_t relay = static_cast<std::size_t>(i / o.rooms) % relay_count;
        const std::string url = "ws://127.0.0.1:" + std::to_string(proxies[relay]->port()) + "/ws";
        clients.push_back(std::make_unique<soak_client>(url, config, static_cast<std::uint32_t>(rng())));
        room_of.push_back(room);
    }

    chaos_faults faults;
    // Per chunk: a third split, a tenth delayed; a stall now and then long
    // enough for resends (2 s) and a cut often enough to lose acks in flight.
    faults.split = 300;
    faults.delay = 100;
    faults.stall = 8;
    faults.stall_ms = 3000;
    faults.cut = 12;
    for (auto& proxy : proxies) proxy->set_faults(faults);

    // Restarts at even intervals, alternating SIGTERM (a deploy) and SIGKILL
    // (a crash), and taking the relays in turn; Redis's once, halfway.
    const int restarts_planned = std::max(2, o.seconds / 15);
    bool redis_restarted = false;
    std::vector<steady::duration> restart_at;
    for (int r = 1; r <= restarts_planned; ++r)
        restart_at.push_back(std::chrono::seconds(o.seconds) * r / (restarts_planned + 1));
    std::vector<steady::time_point> next_type(clients.size(), steady::now());
    int restarts = 0;
    std::uint64_t deduped = 0;
    std::vector<std::uint64_t> dedupe_seen_this_life(relay_count, 0);  // per relay, since it started
    long start_rss_kb = 0;
    for (const auto& relay : relays) start_rss_kb = std::max(start_rss_kb, relay->rss_kb());
    long peak_rss_kb = start_rss_kb;
    auto next_scrape = steady::now();

    const auto started = steady::now();
    const auto pump_all = [&] {
        for (auto& client : clients) client->poll();
    };
    while (steady::now() - started < std::chrono::seconds(o.seconds)) {
        pump_all();
        const auto now = steady::now();
        for (std::size_t i = 0; i < clients.size(); ++i) {
            if (now < next_type[i]) continue;
            clients[i]->type("message " + std::to_string(clients[i]->record().sent.size()) + " from client " +
                             std::to_string(i) + (chance(100) ? " \xf0\x9f\x8e\xac" : ""));
            if (chance(300)) clients[i]->read_all();
            next_type[i] = now + std::chrono::milliseconds(500 + rng() % 2500);
        }
        if (restarts < restarts_planned && now - started >= restart_at[static_cast<std::size_t>(restarts)]) {
            const std::size_t r = static_cast<std::size_t>(restarts + restarts / 2) % relay_count;
            deduped += dedupe_seen_this_life[r];
            dedupe_seen_this_life[r] = 0;
            const int signal = restarts % 2 == 0 ? SIGTERM : SIGKILL;
            relays[r]->stop(signal, 5s);
            std::printf("  t=%4.1f s: relay %zu stopped with %s, restarting\n",
                        std::chrono::duration<double>(now - started).count(), r,
                        signal == SIGTERM ? "SIGTERM" : "SIGKILL");
            relays[r] = start_relay(relay_ports[r], redis.get());
            ++restarts;
        }
        if (redis && !redis_restarted && now - started >= std::chrono::seconds(o.seconds) / 2) {
            std::printf("  t=%4.1f s: Redis killed and started again, empty\n",
                        std::chrono::duration<double>(now - started).count());
            redis->stop();
            redis->start();
            redis_restarted = true;
        }
        if (now >= next_scrape) {
            for (std::size_t r = 0; r < relay_count; ++r) {
                dedupe_seen_this_life[r] = std::max(
                    dedupe_seen_this_life[r], rt::metric_value(relay_ports[r], "roomchat_dedupe_hits_total"));
                peak_rss_kb = std::max(peak_rss_kb, relays[r]->rss_kb());
            }
            next_scrape = now + 500ms;
        }
        std::this_thread::sleep_for(2ms);
    }

    // Settle: a clean network, every client online with nothing pending.
    for (auto& proxy : proxies) proxy->set_faults({});
    const auto failures_so_far = [&] {
        int total = 0;
        for (const auto& client : clients) {
            for (const auto& [code, count] : client->record().failures) total += count;
        }
        return total;
    };
    const int failed_under_faults = failures_so_far();
    const auto settled = [&] {
        return std::all_of(clients.begin(), clients.end(), [](const auto& c) {
            const auto pending = c->session().pending();
            return c->session().state() == roomchat::connection_state::online &&
                   std::all_of(pending.begin(), pending.end(),
                               [](const auto& p) { return p.failure.has_value(); });
        });
    };
    const auto settle_until = steady::now() + 90s;
    while (!settled() && steady::now() < settle_until) {
        pump_all();
        std::this_thread::sleep_for(2ms);
    }
    if (!settled()) fail("not settled 90 s after the faults stopped");
    // A last word from everyone: anyone who missed a message on a connection
    // that looked alive sees the gap and fills it.
    for (std::size_t i = 0; i < clients.size(); ++i)
        clients[i]->type("last word from client " + std::to_string(i));
    const auto final_until = steady::now() + 60s;
    while ((!settled() || std::any_of(clients.begin(), clients.end(),
                                      [](const auto& c) {
                                          const auto rows = c->session().timeline();
                                          return rows.empty() || rows.back().seq == 0;
                                      })) &&
           steady::now() < final_until) {
        pump_all();
        std::this_thread::sleep_for(2ms);
    }
    for (int i = 0; i < 200; ++i) {  // the last words' echoes reach everyone
        pump_all();
        std::this_thread::sleep_for(5ms);
    }
    for (std::size_t r = 0; r < relay_count; ++r) {
        deduped += std::max(dedupe_seen_this_life[r],
                            rt::metric_value(relay_ports[r], "roomchat_dedupe_hits_total"));
        peak_rss_kb = std::max(peak_rss_kb, relays[r]->rss_kb());
    }

    // ---- checks
    std::map<std::string, std::map<roomchat::seq_t, nlohmann::json>> truth;
    for (int r = 0; r < o.rooms; ++r) {
        const std::string room = "soak" + std::to_string(r);
        truth[room] = relay_history(relay_ports[0], room);
        std::set<std::string> ids;
        for (const auto& [seq, message] : truth[room]) {
            if (!ids.insert(message["id"].get<std::string>()).second)
                fail(room + ": the relay holds an id twice");
        }
    }
    // Failing is allowed while the network misbehaves (five attempts can all
    // meet cuts and stalls), never once it is clean, and rarely at all.
    if (failures_so_far() != failed_under_faults) fail("messages failed after the faults stopped");
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t connections = 0;
    std::map<roomchat::errc, int> failed;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        const auto& client = *clients[i];
        const auto& record = client.record();
        const auto& room = truth[room_of[i]];
        const std::string who = "client " + std::to_string(i) + " (" + client.user() + ")";
        sent += record.sent.size();
        delivered += static_cast<std::uint64_t>(record.delivered);
        connections += static_cast<std::uint64_t>(record.connections);
        for (const auto& [code, count] : record.failures) failed[code] += count;

        // The timeline: contiguous from its first seq to the room's latest, each as the relay holds it.
        const auto rows = client.session().timeline();
        std::set<roomchat::message_id> ids;
        roomchat::seq_t previous = 0;
        for (const auto& row : rows) {
            if (!ids.insert(row.id).second) fail(who + ": shows an id twice");
            if (row.seq == 0) {
                if (row.state != roomchat::delivery_state::failed) fail(who + ": a message still pending");
                continue;
            }
            if (previous != 0 && row.seq != previous + 1) {
                fail(who + ": a gap after seq " + std::to_string(previous));
            }
            previous = row.seq;
            const auto held = room.find(row.seq);
            if (held == room.end()) {
                fail(who + ": seq " + std::to_string(row.seq) + " is not in the relay's room");
            } else if (held->second["id"] != row.id.to_string() || held->second["text"] != row.text) {
                fail(who + ": seq " + std::to_string(row.seq) + " differs from the relay's");
            }
        }
        if (!room.empty() && previous != room.rbegin()->first) {
            fail(who + ": ends at seq " + std::to_string(previous) + ", the room at " +
                 std::to_string(room.rbegin()->first));
        }
        // Every message sent: acknowledged exactly once, or failed with a reason.
        std::set<std::string> in_room;
        for (const auto& [seq, message] : room) in_room.insert(message["id"].get<std::string>());
        for (const auto& id : record.sent) {
            const auto acked = record.acks.find(id);
            const std::size_t acks = acked == record.acks.end() ? 0 : acked->second.size();
            const auto row =
                std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.id == id; });
            if (acks > 1)
                fail(who + ": " + id.to_string() + " acknowledged " + std::to_string(acks) + " times");
            if (acks == 0 &&
                (row == rows.end() || row->state != roomchat::delivery_state::failed || !row->failure)) {
                fail(who + ": " + id.to_string() + " neither acknowledged nor failed");
            }
            const bool acked_now = acks == 1 && acked->second.front() == record.epoch_changes;
            if (acked_now && in_room.count(id.to_string()) == 0) {
                fail(who + ": " + id.to_string() + " acknowledged in the current epoch but not in the room");
            }
            if (in_room.count(id.to_string()) != 0 && !acked_now) {
                fail(who + ": " + id.to_string() + " is in the room but was not acknowledged in its epoch");
            }
        }
    }
    roomchat::soak::chaos_stats stats;
    for (const auto& proxy : proxies) {
        const auto one = proxy->stats();
        stats.connections += one.connections;
        stats.refused += one.refused;
        stats.splits += one.splits;
        stats.delays += one.delays;
        stats.stalls += one.stalls;
        stats.cuts += one.cuts;
    }
    std::printf(
        "\n  sent %llu, delivered %llu (others' messages shown), deduped resends %llu, "
        "connections %llu (reconnects %llu), relay restarts %d\n",
        static_cast<unsigned long long>(sent), static_cast<unsigned long long>(delivered),
        static_cast<unsigned long long>(deduped), static_cast<unsigned long long>(connections),
        static_cast<unsigned long long>(connections - clients.size()), restarts);
    std::printf("  failed: ");
    if (failed.empty()) std::printf("none");
    for (const auto& [code, count] : failed)
        std::printf("%s %d  ", std::string(to_string(code)).c_str(), count);
    std::printf(
        "\n  proxy: %llu connections, %llu refused while the relay was down, %llu chunks split, "
        "%llu delayed, %llu stalls, %llu cuts\n",
        static_cast<unsigned long long>(stats.connections), static_cast<unsigned long long>(stats.refused),
        static_cast<unsigned long long>(stats.splits), static_cast<unsigned long long>(stats.delays),
        static_cast<unsigned long long>(stats.stalls), static_cast<unsigned long long>(stats.cuts));
    std::printf("  rooms now: ");
    for (const auto& [room, messages] : truth)
        std::printf("%s %zu messages  ", room.c_str(), messages.size());
    std::printf("\n  relay peak RSS %ld KiB\n", peak_rss_kb);
    // Caps: 3 rooms of at most 1 MiB history, dedupe and connection state; far below this.
    // The relay's caps bound its memory: per room 1 MiB of history plus its
    // dedupe window, per connection 1 MiB of outbound buffer. Three times that
    // over the starting RSS leaves room for allocator and sanitizer overhead.
    const long caps_kb = o.rooms * 2 * 1024 + o.clients * 1024;
    const long rss_cap_kb = start_rss_kb + 3 * caps_kb;
    std::printf("  relay RSS at start %ld KiB, cap %ld KiB\n", start_rss_kb, rss_cap_kb);
    if (peak_rss_kb > rss_cap_kb) fail("relay RSS " + std::to_string(peak_rss_kb) + " KiB over the cap");
    if (static_cast<std::uint64_t>(failures_so_far()) * 20 > sent)
        fail("more than 5% of the messages failed");
    if (restarts < 2) fail("fewer than two restarts");
    if (redis && !redis_restarted) fail("Redis was not restarted");
    if (stats.cuts == 0 || stats.splits == 0) fail("the proxy injected no faults");
    std::printf("%s: %d violation(s)\n", failures == 0 ? "PASSED" : "FAILED", failures);
    return failures == 0 ? 0 : 1;
}
