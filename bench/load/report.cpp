#include "report.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

namespace roomchat::load {
namespace {

std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* pattern, ...) {
    char text[512];
    va_list args;
    va_start(args, pattern);
    // va_start is just above; clang-tidy 14 loses it in this file (a copy of
    // the function alone passes), and the format attribute is worth keeping.
    std::vsnprintf(text, sizeof text, pattern, args);  // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(args);
    return text;
}

double per_thousand(double ms, std::uint64_t deliveries) {
    return deliveries > 0 ? ms * 1000 / static_cast<double>(deliveries) : 0;
}

// Percent of `seconds`.
double share(double ms, double seconds) { return seconds > 0 ? ms / (seconds * 10) : 0; }

// With Redis, a last column: its CPU per 1,000 deliveries.
std::string row(const std::string& label, const window_result& w, long peak_kb, bool redis) {
    const auto n = w.totals.delivered;
    return format("%-16s %9.0f %7.2f %7.2f %7.2f %8.2f %7.2f %7.2f %6llu/%-4llu %6.2f/%-6.2f %6.2f %7.1f%s\n",
                  label.c_str(), w.deliveries_per_s, w.delivery.p50_ms, w.delivery.p95_ms, w.delivery.p99_ms,
                  w.delivery.max_ms, w.ack.p50_ms, w.ack.p99_ms,
                  static_cast<unsigned long long>(w.totals.lost),
                  static_cast<unsigned long long>(w.totals.duplicated), per_thousand(w.relay_cpu.user_ms, n),
                  per_thousand(w.relay_cpu.kernel_ms, n), per_thousand(w.generator_cpu.total_ms(), n),
                  static_cast<double>(peak_kb) / 1024,
                  redis ? format(" %7.2f", per_thousand(w.redis_cpu.total_ms(), n)).c_str() : "");
}

nlohmann::json to_json(const latency_summary& s) {
    return {{"count", s.count},
            {"p50_ms", s.p50_ms},
            {"p95_ms", s.p95_ms},
            {"p99_ms", s.p99_ms},
            {"max_ms", s.max_ms}};
}

nlohmann::json to_json(const cpu_times& c, std::uint64_t deliveries) {
    return {{"user_ms", c.user_ms},
            {"kernel_ms", c.kernel_ms},
            {"ms_per_1000_deliveries", per_thousand(c.total_ms(), deliveries)},
            {"user_ms_per_1000_deliveries", per_thousand(c.user_ms, deliveries)},
            {"kernel_ms_per_1000_deliveries", per_thousand(c.kernel_ms, deliveries)}};
}

nlohmann::json to_json(const window_result& w) {
    const auto& t = w.totals;
    return {{"rate_per_client", w.rate},
            {"offered_messages_per_s", w.offered_sends},
            {"seconds", w.seconds},
            {"messages", t.messages},
            {"acked", t.acked},
            {"nacked", t.nacked},
            {"expected_deliveries", t.expected},
            {"delivered", t.delivered},
            {"lost", t.lost},
            {"duplicated", t.duplicated},
            {"unknown", t.unknown},
            {"error_frames", w.errors},
            {"closed_by_relay", w.closed_by_relay},
            {"clean", w.clean},
            {"deliveries_per_s", w.deliveries_per_s},
            {"delivery", to_json(w.delivery)},
            {"ack", to_json(w.ack)},
            {"relay_cpu", to_json(w.relay_cpu, t.delivered)},
            {"redis_cpu", to_json(w.redis_cpu, t.delivered)},
            {"generator_cpu", to_json(w.generator_cpu, t.delivered)},
            {"sampled_seconds", w.sampled_seconds},
            {"relay_running_ms", w.relay_schedule.running_ms},
            {"relay_waiting_for_cpu_ms", w.relay_schedule.waiting_ms},
            {"redis_running_ms", w.redis_schedule.running_ms},
            {"redis_waiting_for_cpu_ms", w.redis_schedule.waiting_ms},
            {"generator_running_ms", w.generator_schedule.running_ms},
            {"generator_waiting_for_cpu_ms", w.generator_schedule.waiting_ms}};
}

}  // namespace

void print_details(std::ostream& out, const profile_result& r) {
    out << "\n" << r.name << ": " << r.summary << "\n";
    for (const auto& reason : r.relay_flag_reasons) out << "  relay " << reason << "\n";
    if (r.batch) out << "  clients read batch frames, as the chat UI does\n";
    out << format("  clients joined: %zu of %zu; machine load average %.2f before, %.2f after\n", r.opened,
                  r.clients, r.load_average_before, r.load_average_after);
    for (const window_result& w : r.windows) {
        const std::string rate =
            w.rate > 0 ? format("%.2f msg/s per client", w.rate) : "one message per client";
        const auto count = [](std::uint64_t n) { return static_cast<unsigned long long>(n); };
        out << format(
            "  %s (%.0f msg/s): %llu messages, %llu of %llu deliveries in %.1f s; lost %llu, "
            "duplicated %llu, refused %llu, error frames %zu\n",
            rate.c_str(), w.offered_sends, count(w.totals.messages), count(w.totals.delivered),
            count(w.totals.expected), w.seconds, count(w.totals.lost), count(w.totals.duplicated),
            count(w.totals.nacked), w.errors);
        const double span = w.sampled_seconds;
        out << format(
            "    relay CPU %.0f ms user + %.0f ms kernel, generator %.0f ms; of %.1f s the relay ran "
            "%.0f%% and waited for a CPU %.0f%%, the generator %.0f%% and %.0f%%\n",
            w.relay_cpu.user_ms, w.relay_cpu.kernel_ms, w.generator_cpu.total_ms(), span,
            share(w.relay_schedule.running_ms, span), share(w.relay_schedule.waiting_ms, span),
            share(w.generator_schedule.running_ms, span), share(w.generator_schedule.waiting_ms, span));
        if (r.redis) {
            out << format(
                "    Redis CPU %.0f ms user + %.0f ms kernel; it ran %.0f%% and waited for a CPU %.0f%%\n",
                w.redis_cpu.user_ms, w.redis_cpu.kernel_ms, share(w.redis_schedule.running_ms, span),
                share(w.redis_schedule.waiting_ms, span));
        }
    }
    if (r.join.count > 0) {
        out << format(
            "  join -> history (%zu joins, one at a time): p50 %.2f p95 %.2f p99 %.2f max %.2f ms\n",
            r.join.count, r.join.p50_ms, r.join.p95_ms, r.join.p99_ms, r.join.max_ms);
    }
    if (r.per_connection_kb > 0) {
        out << format(
            "  relay RSS %.1f MB before the connections, %.1f MB with them: %.1f KB per connection\n",
            static_cast<double>(r.relay_rss_before_kb) / 1024,
            static_cast<double>(r.relay_memory.rss_kb) / 1024, r.per_connection_kb);
    }
    if (!r.saturated.empty()) {
        out << format("  highest clean step: %.0f deliveries/s; saturated %s\n",
                      r.highest_clean_deliveries_per_s, r.saturated.c_str());
    }
    out << format("  relay peak RSS (VmHWM) %.1f MB\n", static_cast<double>(r.relay_memory.peak_kb) / 1024);
    for (const auto& problem : r.problems) out << "  PROBLEM: " << problem << "\n";
}

void print_table(std::ostream& out, const std::vector<profile_result>& results) {
    const bool redis = std::any_of(results.begin(), results.end(), [](const auto& r) { return r.redis; });
    out << "\n"
        << format("%-16s %9s %7s %7s %7s %8s %7s %7s %11s %13s %6s %7s%s\n", "profile", "deliv/s", "p50",
                  "p95", "p99", "max", "ack p50", "ack p99", "lost/dup", redis ? "relays u/k" : "relay u/k",
                  "gen", redis ? "relays" : "relay", redis ? "   Redis" : "")
        << format("%-16s %9s %31s %15s %11s %13s %6s %7s%s\n", "", "", "delivery latency (ms)", "(ms)", "",
                  "ms/1k deliv", "ms/1k", "peak MB", redis ? "   ms/1k" : "");
    for (const profile_result& r : results) {
        // The join profile's window only writes the history: its finding is the joins.
        if (r.join.count > 0) {
            out << format("%-16s join -> history p50 %.2f p95 %.2f p99 %.2f max %.2f ms (%zu joins)\n",
                          r.name.c_str(), r.join.p50_ms, r.join.p95_ms, r.join.p99_ms, r.join.max_ms,
                          r.join.count);
        } else if (r.per_connection_kb > 0) {
            out << format("%-16s %zu connections: relay %.1f KB each, peak RSS %.1f MB\n", r.name.c_str(),
                          r.opened, r.per_connection_kb, static_cast<double>(r.relay_memory.peak_kb) / 1024);
        } else if (r.windows.empty()) {
            out << format("%-16s no figures\n", r.name.c_str());
        }
        if (r.join.count > 0) continue;
        for (const window_result& w : r.windows) {
            const std::string label =
                r.windows.size() > 1 ? format("%s %.1f/s", r.name.c_str(), w.rate) : r.name;
            out << row(label, w, r.relay_memory.peak_kb, redis);
        }
    }
}

bool write_json(const std::string& dir, const profile_result& r) {
    nlohmann::json windows = nlohmann::json::array();
    for (const window_result& w : r.windows) windows.push_back(to_json(w));
    const nlohmann::json doc = {
        {"profile", r.name},
        {"summary", r.summary},
        {"relay_args", r.relay_args},
        {"relay_flag_reasons", r.relay_flag_reasons},
        {"clients", r.clients},
        {"rooms", r.rooms},
        {"batch", r.batch},
        {"redis", r.redis},
        {"clients_joined", r.opened},
        {"windows", windows},
        {"join", to_json(r.join)},
        {"relay_rss_before_kb", r.relay_rss_before_kb},
        {"relay_rss_kb", r.relay_memory.rss_kb},
        {"relay_peak_rss_kb", r.relay_memory.peak_kb},
        {"per_connection_kb", r.per_connection_kb},
        {"highest_clean_deliveries_per_s", r.highest_clean_deliveries_per_s},
        {"saturated", r.saturated},
        {"load_average_before", r.load_average_before},
        {"load_average_after", r.load_average_after},
        {"problems", r.problems},
    };
    std::ofstream file(dir + "/load-" + r.name + ".json");
    file << doc.dump(2) << "\n";
    return static_cast<bool>(file);
}

}  // namespace roomchat::load
