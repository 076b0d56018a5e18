#include "chat_window.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "roomchat/codec.hpp"

#include "delivery_ledger.hpp"
#include "stamp.hpp"

namespace roomchat::load {
namespace {

// Issue 11's texts: 64 bytes, the stamp included.
constexpr std::size_t text_bytes = 64;
// After the last send, the window waits while deliveries still come: a
// relay that fell behind is late, not lossy. What has not come once nothing
// has for `quiet` is lost; `longest_drain` bounds a relay that trickles.
constexpr auto quiet = std::chrono::seconds(3);
constexpr auto longest_drain = std::chrono::seconds(120);

struct planned_send {
    clock::duration at{};  // from the window's start
    std::size_t client = 0;
};

std::vector<planned_send> plan_sends(std::size_t clients, const window_plan& plan) {
    std::mt19937_64 random(plan.seed);
    const std::chrono::duration<double> window(plan.seconds);
    std::vector<planned_send> sends;
    const auto add = [&sends](std::chrono::duration<double> at, std::size_t client) {
        sends.push_back({std::chrono::duration_cast<clock::duration>(at), client});
    };
    for (std::size_t client = 0; client < clients; ++client) {
        if (plan.one_message_each) {
            add(window * std::uniform_real_distribution<double>(0, 1)(random), client);
            continue;
        }
        const std::chrono::duration<double> period(1.0 / plan.rate);
        for (auto at = period * std::uniform_real_distribution<double>(0, 1)(random); at < window;
             at += period) {
            add(at, client);
        }
    }
    std::sort(sends.begin(), sends.end(),
              [](const planned_send& a, const planned_send& b) { return a.at < b.at; });
    return sends;
}

// Where each client sits: its room's index and its seat, and each room's size.
struct seating {
    std::vector<std::string> room_names;
    std::vector<std::uint32_t> members;  // by room index
    std::vector<std::uint32_t> room;     // by client
    std::vector<std::uint32_t> seat;     // by client
};

seating seat_clients(const client_pool& pool) {
    seating s;
    std::map<std::string, std::uint32_t> index;
    for (std::size_t client = 0; client < pool.size(); ++client) {
        const client_spec& spec = pool.spec(client);
        const auto [it, added] = index.emplace(spec.room, static_cast<std::uint32_t>(s.room_names.size()));
        if (added) {
            s.room_names.push_back(spec.room);
            s.members.push_back(0);
        }
        s.room.push_back(it->second);
        s.seat.push_back(spec.seat);
        s.members[it->second] = std::max(s.members[it->second], spec.seat + 1);
    }
    return s;
}

// The servers' CPU and schedule times at one moment.
struct server_times {
    std::vector<cpu_times> relay_cpu;
    std::vector<schedule_times> relay_schedule;
    cpu_times redis_cpu;
    schedule_times redis_schedule;
};

server_times read_server_times(const server_pids& servers) {
    server_times t;
    for (const std::string& pid : servers.relays) {
        t.relay_cpu.push_back(read_cpu_times(pid));
        t.relay_schedule.push_back(read_schedule_times(pid));
    }
    if (!servers.redis.empty()) {
        t.redis_cpu = read_cpu_times(servers.redis);
        t.redis_schedule = read_schedule_times(servers.redis);
    }
    return t;
}

// What the servers spent between two readings: the relays' CPU together, the
// busier relay's schedule (each runs one thread: the busier saturates first).
void spent(const server_times& before, const server_times& after, window_result& result) {
    for (std::size_t i = 0; i < before.relay_cpu.size(); ++i) {
        const cpu_times cpu = after.relay_cpu[i] - before.relay_cpu[i];
        result.relay_cpu.user_ms += cpu.user_ms;
        result.relay_cpu.kernel_ms += cpu.kernel_ms;
        const schedule_times schedule = after.relay_schedule[i] - before.relay_schedule[i];
        if (schedule.busy_ms() >= result.relay_schedule.busy_ms()) result.relay_schedule = schedule;
    }
    result.redis_cpu = after.redis_cpu - before.redis_cpu;
    result.redis_schedule = after.redis_schedule - before.redis_schedule;
}

}  // namespace

window_result run_chat_window(boost::asio::io_context& io, client_pool& pool, const window_plan& plan,
                              const server_pids& servers) {
    const auto sends = plan_sends(pool.size(), plan);
    const seating seats = seat_clients(pool);
    const message_numbering numbering(plan.seed);
    delivery_ledger ledger;
    latency_recorder delivery;
    latency_recorder ack;
    std::vector<clock::time_point> sent_at;
    sent_at.reserve(sends.size());
    window_result result;
    result.rate = plan.rate;
    result.offered_sends = static_cast<double>(sends.size()) / plan.seconds;
    clock::time_point last_answer;

    pool.on_frame([&](std::size_t client, const scanned_frame& frame, clock::time_point at) {
        if (frame.kind == frame_kind::error) {
            ++result.errors;
            return;
        }
        if (frame.kind != frame_kind::message && frame.kind != frame_kind::ack &&
            frame.kind != frame_kind::nack)
            return;
        // Messages of another window or tool (a saturation step's late ones) are not this window's.
        const auto number = numbering.number_of(frame.id);
        if (!number) return;
        last_answer = at;
        if (frame.kind == frame_kind::message) {
            if (ledger.delivered(*number, seats.room[client], seats.seat[client])) {
                if (const auto stamp = stamp_of(frame.text)) delivery.add(at - *stamp);
            }
        } else if (frame.kind == frame_kind::ack) {
            if (ledger.acked(*number) && *number < sent_at.size()) ack.add(at - sent_at[*number]);
        } else {
            ledger.nacked(*number);
        }
    });

    const std::size_t closed_before = pool.closed_by_relay();
    const server_times servers_before = read_server_times(servers);
    const cpu_times generator_before = read_cpu_times("self");
    const schedule_times generator_schedule_before = read_schedule_times("self");
    const auto start = clock::now();
    std::size_t next = 0;
    boost::asio::steady_timer timer(io);
    std::function<void()> arm = [&] {
        if (next == sends.size()) return;
        timer.expires_at(start + sends[next].at);
        timer.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            while (next < sends.size() && start + sends[next].at <= clock::now()) {
                const std::size_t client = sends[next++].client;
                const std::uint32_t room = seats.room[client];
                const auto number = ledger.add(room, seats.seat[client], seats.members[room]);
                const auto now = clock::now();
                sent_at.push_back(now);
                pool.send(client, encode(send_frame{seats.room_names[room], numbering.id_of(number),
                                                    stamped_text(now, text_bytes)}));
            }
            arm();
        });
    };
    arm();
    const auto window_end =
        start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(plan.seconds));
    run_until(
        io, [&] { return next == sends.size(); }, window_end + std::chrono::seconds(1));
    run_until(
        io, [&] { return ledger.complete() || clock::now() - std::max(last_answer, window_end) > quiet; },
        clock::now() + longest_drain);
    spent(servers_before, read_server_times(servers), result);
    result.generator_cpu = read_cpu_times("self") - generator_before;
    result.generator_schedule = read_schedule_times("self") - generator_schedule_before;
    result.sampled_seconds = std::chrono::duration<double>(clock::now() - start).count();
    // A send still waiting (the window overran) runs its cancelled handler now,
    // while what it refers to is alive.
    timer.cancel();
    io.poll();
    pool.on_frame({});

    result.totals = ledger.totals();
    result.delivery = delivery.summary();
    result.ack = ack.summary();
    result.seconds = std::chrono::duration<double>(std::max(last_answer, start) - start).count();
    result.deliveries_per_s =
        result.seconds > 0 ? static_cast<double>(result.totals.delivered) / result.seconds : 0;
    result.closed_by_relay = pool.closed_by_relay() - closed_before;
    result.clean = result.totals.lost == 0 && result.totals.duplicated == 0 && result.totals.nacked == 0 &&
                   result.totals.unknown == 0 && result.totals.acked == result.totals.messages &&
                   result.closed_by_relay == 0 && next == sends.size();
    return result;
}

}  // namespace roomchat::load
