// Not a test: measures the real relay binary. Prints the resident memory per
// idle (authenticated, joined) connection and the delivery latency from one
// client's send to another client's receipt.
//   relay_measure [connections=200] [messages=300]

#include <algorithm>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "relay_process.hpp"
#include "session_client.hpp"
#include "tokens.hpp"
#include "ws_client.hpp"

namespace rt = roomchat::relay_test;

namespace {

long rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

}  // namespace

int main(int argc, char* argv[]) {
    const int connections = argc > 1 ? std::stoi(argv[1]) : 200;
    const int messages = argc > 2 ? std::stoi(argv[2]) : 300;
    rt::relay_process relay({"--rate-burst", "100000", "--rate-refill-ms", "1", "--max-connections-per-ip",
                             std::to_string(connections + 10)});

    const long before = rss_kib(relay.pid());
    std::vector<std::unique_ptr<rt::ws_client>> idle;
    for (int i = 0; i < connections; ++i) {
        auto client = rt::authed_client(relay.ws_url(), rt::token_for("idle" + std::to_string(i), "lobby"));
        if (!client || !rt::join(*client, "lobby")) {
            std::cerr << "connection " << i << " failed\n";
            return 1;
        }
        idle.push_back(std::move(client));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const long after = rss_kib(relay.pid());
    std::cout << "idle connections: " << connections << ", relay RSS " << before << " KiB -> " << after
              << " KiB, " << (after - before) * 1024 / connections << " bytes per connection\n";
    idle.clear();

    auto sender = rt::authed_client(relay.ws_url(), rt::token_for("sender", "bench"));
    auto receiver = rt::authed_client(relay.ws_url(), rt::token_for("receiver", "bench"));
    if (!sender || !receiver || !rt::join(*sender, "bench") || !rt::join(*receiver, "bench")) return 1;
    std::vector<double> latencies_us;
    for (int i = 0; i < messages; ++i) {
        const auto id = rt::test_message_id();
        const auto started = std::chrono::steady_clock::now();
        sender->send(roomchat::send_frame{"bench", id, "latency probe " + std::to_string(i)});
        const auto got = receiver->wait_for<roomchat::message_frame>(
            [&](const roomchat::message_frame& m) { return m.message.id == id; });
        if (!got) return 1;
        latencies_us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
    }
    std::sort(latencies_us.begin(), latencies_us.end());
    const auto at = [&](double q) {
        return latencies_us[static_cast<std::size_t>(q * (latencies_us.size() - 1))];
    };
    std::cout << "delivery latency over " << messages << " messages: median " << at(0.5) << " us, p99 "
              << at(0.99) << " us, max " << latencies_us.back() << " us\n";
    return 0;
}
