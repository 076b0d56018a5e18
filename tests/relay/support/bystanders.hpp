#pragma once
// Two users chatting through the relay while a test attacks it: alice sends
// bob a message every 50 ms and each delivery's latency is recorded, and the
// relay's resident memory is sampled, so an abuse test can show that the
// people next to an attack are unaffected and the relay stays bounded.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "relay_process.hpp"
#include "ws_client.hpp"

namespace roomchat::relay_test {

// Options for a relay that bystanders can talk through at 20 messages a
// second (the default rate limit allows one); `args` keeps its own values.
std::vector<std::string> bystander_friendly(std::vector<std::string> args = {});

struct bystander_report {
    std::size_t sent = 0;
    std::size_t delivered = 0;  // received by bob, in order, each exactly once
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
    long rss_start_kb = 0;
    long rss_peak_kb = 0;
};

class bystanders {
public:
    // Joins alice and bob to `room` (a room the attack does not use, unless
    // the test wants it to) and starts talking.
    explicit bystanders(const relay_process& relay, const std::string& room = "bystanders");
    ~bystanders();
    bystanders(const bystanders&) = delete;
    bystanders& operator=(const bystanders&) = delete;

    bool ready() const { return alice_ && bob_; }
    // Stops talking and summarises; prints one line naming `attack`.
    bystander_report finish(const std::string& attack);

private:
    void talk();
    void sample_memory();

    const relay_process& relay_;
    std::string room_;
    std::unique_ptr<ws_client> alice_;
    std::unique_ptr<ws_client> bob_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<double> latencies_ms_;
    std::size_t sent_ = 0;
    long rss_start_kb_ = 0;
    std::atomic<long> rss_peak_kb_{0};
    std::thread talker_;
    std::thread sampler_;
};

}  // namespace roomchat::relay_test
