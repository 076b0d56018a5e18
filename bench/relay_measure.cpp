// Not a test: measures the real relay binary of this build over loopback and
// prints one table, a figure per product budget. Asserts nothing about time.
//   - memory per idle (authenticated, joined) connection;
//   - delivery latency from one client's send to another's receipt, one at a time;
//   - a room of 20 (watch together) where everyone talks at once: send -> receive
//     at every other member (budget: 95% within 2 s);
//   - opening a room holding 1000 messages: connect -> the last 50 received
//     (budget: 1 s).
//   relay_measure [idle connections=200] [one-to-one messages=300]
// With --cluster it measures the same twice in one run, one relay with its
// rooms in memory and then two relays sharing them through Redis (Debian's
// redis-server on a free port; each measurement's members split across
// both relays), and prints the ratios and the CPU each process spent per
// 1,000 deliveries of the busy room.

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "cli_number.hpp"
#include "proc_stats.hpp"
#include "redis_server.hpp"
#include "relay_process.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace rt = roomchat::relay_test;
using std::chrono::steady_clock;

namespace {

constexpr int room_size = 20;
constexpr int messages_per_member = 25;
constexpr int min_gap_ms = 50;
constexpr int max_gap_ms = 200;
constexpr int prefilled_messages = 1000;
constexpr int opens = 30;
constexpr double delivery_budget_ms = 2000;

double ms_since(steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(steady_clock::now() - start).count();
}

// Nearest-rank quantiles of samples in milliseconds.
struct distribution {
    explicit distribution(std::vector<double> samples) : sorted(std::move(samples)) {
        std::sort(sorted.begin(), sorted.end());
    }
    double at(double q) const {
        if (sorted.empty()) return 0;
        return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5)];
    }
    std::vector<double> sorted;
};

void print_row(const char* what, const distribution& d, const char* budget) {
    std::printf("  %-44s %7zu %9.3f %9.3f %9.3f %9.3f   %s\n", what, d.sorted.size(), d.at(0.5), d.at(0.95),
                d.at(0.99), d.sorted.empty() ? 0.0 : d.sorted.back(), budget);
}

std::unique_ptr<rt::ws_client> member(const rt::relay_process& relay, const std::string& user,
                                      const std::string& room) {
    auto client = rt::authed_client(relay.ws_url(), rt::token_for(user, room));
    if (!client || !rt::join(*client, room)) {
        std::cerr << user << " could not join " << room << "\n";
        return nullptr;
    }
    return client;
}

// Sends `count` messages and waits for the ack of the last one; false on failure.
bool fill_room(rt::ws_client& client, const std::string& room, int count) {
    roomchat::message_id last;
    for (int i = 0; i < count; ++i) {
        last = rt::test_message_id();
        client.send(roomchat::send_frame{
            room, last,
            "message " + std::to_string(i) + ": did you see that? the goal in the second half was great"});
    }
    return client
        .wait_for<roomchat::ack_frame>([&](const roomchat::ack_frame& a) { return a.id == last; },
                                       std::chrono::seconds(30))
        .has_value();
}

std::optional<std::vector<double>> one_to_one(const rt::relay_process& send_via,
                                              const rt::relay_process& receive_via, int messages) {
    auto sender = member(send_via, "sender", "bench");
    auto receiver = member(receive_via, "receiver", "bench");
    if (!sender || !receiver) return std::nullopt;
    std::vector<double> latencies;
    for (int i = 0; i < messages; ++i) {
        const auto id = rt::test_message_id();
        const auto started = steady_clock::now();
        sender->send(roomchat::send_frame{"bench", id, "latency probe " + std::to_string(i)});
        const auto got = receiver->wait_for<roomchat::message_frame>(
            [&](const roomchat::message_frame& m) { return m.message.id == id; });
        if (!got) return std::nullopt;
        latencies.push_back(ms_since(started));
    }
    return latencies;
}

// One member of the busy room, on its own thread: sends on its seeded schedule
// and records, for every message from someone else, the time since it was sent
// (the sender wrote its steady-clock send time into the text).
struct room_member {
    std::unique_ptr<rt::ws_client> client;
    std::string user;
    std::vector<double> latencies;

    void run(steady_clock::time_point start, std::uint32_t seed) {
        std::mt19937 random(seed);
        std::uniform_int_distribution<int> gap(min_gap_ms, max_gap_ms);
        auto next_send = start + std::chrono::milliseconds(gap(random));
        int sent = 0;
        const auto expected = static_cast<std::size_t>((room_size - 1) * messages_per_member);
        const auto give_up = start + std::chrono::seconds(messages_per_member * max_gap_ms / 1000 + 15);
        while ((sent < messages_per_member || latencies.size() < expected) && steady_clock::now() < give_up) {
            if (sent < messages_per_member && steady_clock::now() >= next_send) {
                const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        steady_clock::now().time_since_epoch())
                                        .count();
                client->send(roomchat::send_frame{"watch", rt::test_message_id(),
                                                  std::to_string(now_ns) + " what a save"});
                ++sent;
                next_send += std::chrono::milliseconds(gap(random));
            }
            const auto wait_until = sent < messages_per_member ? next_send : give_up;
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(wait_until - steady_clock::now());
            const auto text = client->next_text(std::max(left, std::chrono::milliseconds(1)));
            if (!text) continue;
            const auto received = steady_clock::now().time_since_epoch();
            auto decoded = roomchat::decode_server_frame(*text);
            const auto* frame = (decoded ? &*decoded : nullptr);
            const auto* message = frame != nullptr ? std::get_if<roomchat::message_frame>(frame) : nullptr;
            if (message == nullptr || message->message.from.id == user) continue;
            const std::chrono::nanoseconds sent_at(std::stoll(message->message.text));
            latencies.push_back(std::chrono::duration<double, std::milli>(received - sent_at).count());
        }
    }
};

// Member i joins through relays[i % relays.size()].
std::optional<std::vector<double>> busy_room(const std::vector<const rt::relay_process*>& relays) {
    std::vector<room_member> members(room_size);
    for (int i = 0; i < room_size; ++i) {
        members[i].user = "viewer" + std::to_string(i);
        members[i].client =
            member(*relays[static_cast<std::size_t>(i) % relays.size()], members[i].user, "watch");
        if (!members[i].client) return std::nullopt;
    }
    // Presence frames of the later joiners are still queued; the members skip them.
    const auto start = steady_clock::now() + std::chrono::milliseconds(100);
    std::vector<std::thread> threads;
    for (int i = 0; i < room_size; ++i)
        threads.emplace_back(
            [&members, i, start] { members[i].run(start, 1000 + static_cast<std::uint32_t>(i)); });
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (auto& m : members) all.insert(all.end(), m.latencies.begin(), m.latencies.end());
    return all;
}

std::optional<std::vector<double>> open_full_room(const rt::relay_process& fill_via,
                                                  const rt::relay_process& relay) {
    // The filler stays in the room so the relay keeps it (and its history).
    auto filler = member(fill_via, "filler", "film");
    if (!filler || !fill_room(*filler, "film", prefilled_messages)) return std::nullopt;
    std::vector<double> latencies;
    for (int i = 0; i < opens; ++i) {
        // Minting is the host application's work, before the page opens.
        const auto token = rt::token_for("opener" + std::to_string(i), "film");
        const auto started = steady_clock::now();
        auto client = rt::authed_client(relay.ws_url(), token);
        const auto answer = client ? rt::join(*client, "film") : std::nullopt;
        if (!answer || answer->history.messages.size() != 50) {
            std::cerr << "open " << i << " did not receive the last 50 messages\n";
            return std::nullopt;
        }
        latencies.push_back(ms_since(started));
    }
    return latencies;
}

// What one setup measured: the three latencies, and the CPU time each of its
// processes spent during the busy room.
struct measured {
    distribution direct;
    distribution room;
    distribution open;
    std::size_t room_expected = 0;
    std::vector<std::pair<std::string, double>> cpu_ms;  // process, CPU ms in the busy room
};

// The relay's flags: rate limits lifted (the fill sends 1000 messages back to
// back, the busy room talks faster than one message a second per person, and
// every connection comes from one address).
std::vector<std::string> relay_args(int connections, std::vector<std::string> more = {}) {
    const int all = connections + room_size + opens + 10;
    std::vector<std::string> args = {"--rate-burst",
                                     "100000",
                                     "--rate-refill-ms",
                                     "1",
                                     "--user-rate-burst",
                                     "100000",
                                     "--user-rate-refill-ms",
                                     "1",
                                     "--frame-burst",
                                     "100000",
                                     "--max-connections-per-ip",
                                     std::to_string(all),
                                     "--ip-rate-burst",
                                     std::to_string(2 * all),
                                     "--log-level",
                                     "warn"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// `relays`: where the members connect, in turn; `processes`: whose CPU time counts.
std::optional<measured> measure(const std::vector<const rt::relay_process*>& relays,
                                const std::vector<std::pair<std::string, std::string>>& processes,
                                int messages) {
    const auto direct = one_to_one(*relays.front(), *relays.back(), messages);
    if (!direct) return std::nullopt;
    std::vector<roomchat::load::cpu_times> before;
    for (const auto& process : processes) before.push_back(roomchat::load::read_cpu_times(process.second));
    const auto room = busy_room(relays);
    if (!room) return std::nullopt;
    measured result{distribution(*direct), distribution(*room), distribution({}), 0, {}};
    for (std::size_t i = 0; i < processes.size(); ++i) {
        const auto spent = roomchat::load::read_cpu_times(processes[i].second) - before[i];
        result.cpu_ms.emplace_back(processes[i].first, spent.total_ms());
    }
    const auto open = open_full_room(*relays.front(), *relays.back());
    if (!open) return std::nullopt;
    result.open = distribution(*open);
    result.room_expected = static_cast<std::size_t>(room_size * messages_per_member * (room_size - 1));
    return result;
}

void print_table(const measured& m) {
    std::printf("  %-44s %7s %9s %9s %9s %9s   %s\n", "latency (ms)", "samples", "p50", "p95", "p99", "max",
                "budget");
    print_row("one-to-one delivery, one message at a time", m.direct, "95% < 2000");
    char room_label[96];
    std::snprintf(room_label, sizeof room_label, "room of %d, %d msgs each, %d-%d ms gaps", room_size,
                  messages_per_member, min_gap_ms, max_gap_ms);
    print_row(room_label, m.room, "95% < 2000");
    char open_label[96];
    std::snprintf(open_label, sizeof open_label, "open %d-msg room: connect -> last 50", prefilled_messages);
    print_row(open_label, m.open, "1000");
    const auto late = std::count_if(m.room.sorted.begin(), m.room.sorted.end(),
                                    [](double ms) { return ms > delivery_budget_ms; });
    std::printf("\n  room of %d: %zu of %zu deliveries received, %td over 2 s\n", room_size,
                m.room.sorted.size(), m.room_expected, late);
    double total = 0;
    for (const auto& [process, ms] : m.cpu_ms) {
        std::printf("  CPU in the busy room, %-20s %8.0f ms, %6.1f ms per 1,000 deliveries\n",
                    process.c_str(), ms, 1000 * ms / static_cast<double>(m.room.sorted.size()));
        total += ms;
    }
    if (m.cpu_ms.size() > 1) {
        std::printf("  CPU in the busy room, %-20s %8.0f ms, %6.1f ms per 1,000 deliveries\n", "all together",
                    total, 1000 * total / static_cast<double>(m.room.sorted.size()));
    }
}

double cpu_total(const measured& m) {
    double total = 0;
    for (const auto& entry : m.cpu_ms) total += entry.second;
    return total;
}

// One relay, then two sharing rooms through Redis, in one run.
int compare(int messages) {
    std::optional<measured> alone;
    {
        rt::relay_process relay(relay_args(0));
        std::cout << "\n== one relay, rooms in memory (127.0.0.1:" << relay.port() << ")\n\n";
        alone = measure({&relay}, {{"relay", std::to_string(relay.pid())}}, messages);
        if (!alone) return 1;
        print_table(*alone);
    }
    rt::redis_server redis;
    const std::string url = "redis://127.0.0.1:" + std::to_string(redis.port());
    rt::relay_process one(relay_args(0, {"--redis", url}));
    rt::relay_process two(relay_args(0, {"--redis", url}));
    std::cout << "\n== two relays sharing rooms through Redis (127.0.0.1:" << one.port()
              << ", :" << two.port() << "; redis-server :" << redis.port()
              << ")\n   members split across both; one-to-one and opens"
              << " go from one relay to the other\n\n";
    const auto shared = measure({&one, &two},
                                {{"relay 1", std::to_string(one.pid())},
                                 {"relay 2", std::to_string(two.pid())},
                                 {"redis-server", std::to_string(redis.pid())}},
                                messages);
    if (!shared) return 1;
    print_table(*shared);
    std::printf(
        "\n  two relays + Redis / one relay: one-to-one p50 %.2fx, p99 %.2fx; room p50 %.2fx, p99 %.2fx; "
        "open p50 %.2fx; CPU per delivery %.2fx\n",
        shared->direct.at(0.5) / alone->direct.at(0.5), shared->direct.at(0.99) / alone->direct.at(0.99),
        shared->room.at(0.5) / alone->room.at(0.5), shared->room.at(0.99) / alone->room.at(0.99),
        shared->open.at(0.5) / alone->open.at(0.5), cpu_total(*shared) / cpu_total(*alone));
    const bool complete = alone->room.sorted.size() == alone->room_expected &&
                          shared->room.sorted.size() == shared->room_expected;
    return complete ? 0 : 1;
}

}  // namespace

int main(int argc, char* argv[]) {
    const bool cluster = argc > 1 && std::string_view(argv[1]) == "--cluster";
    if (cluster) {
        --argc;
        ++argv;
    }
    const auto connections_arg = argc > 1 ? rt::cli_number(std::string_view(argv[1]), 0, 100'000) : 200;
    const auto messages_arg = argc > 2 ? rt::cli_number(std::string_view(argv[2]), 1, 100'000) : 300;
    if (!connections_arg || !messages_arg || argc > 3) {
        std::cerr
            << "usage: relay_measure [--cluster] [idle connections, 0 to 100000] [messages, 1 to 100000]\n";
        return 2;
    }
    const int connections = *connections_arg;
    const int messages = *messages_arg;
    if (cluster) return compare(messages);
    rt::relay_process relay(relay_args(connections));
    std::cout << "relay_measure: " << ROOMCHAT_RELAY_BINARY << " on 127.0.0.1:" << relay.port() << "\n";

    const long before = relay.rss_kb();
    {
        std::vector<std::unique_ptr<rt::ws_client>> idle;
        for (int i = 0; i < connections; ++i) {
            idle.push_back(member(relay, "idle" + std::to_string(i), "lobby"));
            if (!idle.back()) return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    const long after = relay.rss_kb();
    const auto result = measure({&relay}, {{"relay", std::to_string(relay.pid())}}, messages);
    if (!result) return 1;
    std::printf(
        "\n  idle memory: %d authenticated, joined connections, relay RSS %ld -> %ld KiB, %ld bytes each\n\n",
        connections, before, after, connections > 0 ? (after - before) * 1024 / connections : 0L);
    print_table(*result);
    return result->room.sorted.size() == result->room_expected ? 0 : 1;
}
