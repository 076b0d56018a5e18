#include "bystanders.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "tokens.hpp"

namespace roomchat::relay_test {

std::vector<std::string> bystander_friendly(std::vector<std::string> args) {
    const std::pair<const char*, const char*> rates[] = {
        {"--rate-burst", "100"},
        {"--rate-refill-ms", "10"},
        {"--user-rate-burst", "100"},
        {"--user-rate-refill-ms", "10"},
    };
    for (const auto& [option, value] : rates) {
        if (std::find(args.begin(), args.end(), option) == args.end())
            args.insert(args.end(), {option, value});
    }
    return args;
}

bystanders::bystanders(const relay_process& relay, const std::string& room)
    : relay_(relay),
      room_(room),
      alice_(authed_client(relay.ws_url(), token_for("bystander-alice", room))),
      bob_(authed_client(relay.ws_url(), token_for("bystander-bob", room))) {
    if (!alice_ || !bob_ || !join(*alice_, room_) || !join(*bob_, room_)) {
        alice_.reset();
        bob_.reset();
        return;
    }
    rss_start_kb_ = relay_.rss_kb();
    rss_peak_kb_ = rss_start_kb_;
    talker_ = std::thread([this] { talk(); });
    sampler_ = std::thread([this] { sample_memory(); });
}

bystanders::~bystanders() {
    stop_ = true;
    if (talker_.joinable()) talker_.join();
    if (sampler_.joinable()) sampler_.join();
}

void bystanders::talk() {
    while (!stop_) {
        const message_id id = test_message_id();
        const auto sent_at = std::chrono::steady_clock::now();
        alice_->send(send_frame{room_, id, "still here"});
        const auto arrived =
            bob_->wait_for<message_frame>([&](const message_frame& m) { return m.message.id == id; }, 10s);
        const std::lock_guard lock(mutex_);
        ++sent_;
        if (arrived) {
            latencies_ms_.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent_at)
                    .count());
        }
        std::this_thread::sleep_for(50ms);
    }
}

void bystanders::sample_memory() {
    while (!stop_) {
        rss_peak_kb_ = std::max(rss_peak_kb_.load(), relay_.rss_kb());
        std::this_thread::sleep_for(20ms);
    }
}

bystander_report bystanders::finish(const std::string& attack) {
    stop_ = true;
    if (talker_.joinable()) talker_.join();
    if (sampler_.joinable()) sampler_.join();
    bystander_report report;
    {
        const std::lock_guard lock(mutex_);
        std::sort(latencies_ms_.begin(), latencies_ms_.end());
        report.sent = sent_;
        report.delivered = latencies_ms_.size();
        const auto at = [&](double q) {
            return latencies_ms_.empty() ? 0.0
                                         : latencies_ms_[static_cast<std::size_t>(
                                               q * static_cast<double>(latencies_ms_.size() - 1))];
        };
        report.p50_ms = at(0.5);
        report.p99_ms = at(0.99);
        report.max_ms = latencies_ms_.empty() ? 0.0 : latencies_ms_.back();
    }
    report.rss_start_kb = rss_start_kb_;
    report.rss_peak_kb = rss_peak_kb_;
    std::printf(
        "[abuse] %s: bystanders %zu/%zu delivered, p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
        "relay RSS %ld -> peak %ld KiB\n",
        attack.c_str(), report.delivered, report.sent, report.p50_ms, report.p99_ms, report.max_ms,
        report.rss_start_kb, report.rss_peak_kb);
    std::fflush(stdout);
    return report;
}

}  // namespace roomchat::relay_test
