#include "redis_store.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace roomchat::relay::store {

namespace {

// Rooms whose expiry one call pushes further out (eight keys each).
constexpr std::size_t rooms_per_keep = 64;

}  // namespace

redis_store::redis_store(boost::asio::io_context& io, redis::client& commands, redis::client& subscriber,
                         const room_config& config, rate_limit_config user_sends,
                         std::chrono::milliseconds idle_ttl, random_source random)
    : commands_(commands),
      subscriber_(subscriber),
      page_size_(config.max_page_size),
      keep_every_(std::max(idle_ttl / 3, std::chrono::milliseconds(50))),
      ttl_ms_((idle_ttl + keep_every_).count()),
      keep_timer_(io),
      log_(commands, config, user_sends, std::move(random)) {
    keep_rooms();
}

void redis_store::keep_rooms() {
    std::vector<std::string> batch;
    for (const auto& held : feeds_) {
        batch.push_back(held.first);
        if (batch.size() == rooms_per_keep) {
            log_.keep(batch, ttl_ms_, [](result<std::size_t>) {});  // a failure: again next time
            batch.clear();
        }
    }
    if (!batch.empty()) log_.keep(batch, ttl_ms_, [](result<std::size_t>) {});
    keep_timer_.expires_after(keep_every_);
    keep_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) keep_rooms();
    });
}

void redis_store::hold(const std::string& room_id) {
    if (!feeds_.try_emplace(room_id).second) return;
    unkept_.insert(room_id);
    subscriber_.subscribe(
        redis_log::channel(room_id),
        [this, room_id](const std::string&, const std::string& payload) {
            auto published = redis_log::published(payload);
            const auto feed = feeds_.find(room_id);
            if (!published || feed == feeds_.end()) return;
            perform(room_id, feed->second.published(published->epoch, published->message));
        },
        [this, room_id](const std::string&) {
            const auto feed = feeds_.find(room_id);
            if (feed != feeds_.end()) perform(room_id, feed->second.subscribed());
        });
}

void redis_store::release(const std::string& room_id) {
    unkept_.erase(room_id);
    if (feeds_.erase(room_id) != 0) subscriber_.unsubscribe(redis_log::channel(room_id));
}

void redis_store::written(const std::string& room_id) {
    if (unkept_.erase(room_id) != 0) log_.keep({room_id}, ttl_ms_, [](result<std::size_t>) {});
}

void redis_store::perform(const std::string& room_id, const room_feed::step& step) {
    if (step.epoch_changed && on_epoch_change_) on_epoch_change_(room_id);
    for (const chat_message& message : step.deliver) accepted(room_id, message);
    if (step.fetch_after) fetch(room_id, *step.fetch_after);
}

void redis_store::fetch(const std::string& room_id, seq_t after) {
    log_.query(room_id, std::nullopt, after, page_size_, [this, room_id](result<log_page> found) {
        const auto feed = feeds_.find(room_id);
        if (feed == feeds_.end()) return;
        if (!found) {
            feed->second.fetch_failed();
            return;
        }
        perform(room_id, feed->second.fetched(found->page, found->latest_seq));
    });
}

// The message reaches the members from the room's channel, like those
// accepted through other relays: never from here, or they would see it
// out of order with those.
void redis_store::accept(const std::string& room_id, const send_attempt& attempt,
                         handler<send_decision> done) {
    log_.accept(room_id, attempt, [this, room_id, done = std::move(done)](result<send_decision> decided) {
        if (decided) written(room_id);
        done(std::move(decided));
    });
}

void redis_store::view(const std::string& room_id, const std::string& user_id, const join_frame& request,
                       handler<log_view> done) {
    log_.view(room_id, user_id, request, [this, room_id, done = std::move(done)](result<log_view> seen) {
        if (seen) {
            written(room_id);
            const auto feed = feeds_.find(room_id);
            if (feed != feeds_.end()) perform(room_id, feed->second.seen(seen->epoch, seen->latest_seq));
        }
        done(std::move(seen));
    });
}

void redis_store::query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
                        std::uint32_t limit, handler<log_page> done) {
    log_.query(room_id, before, after, limit, std::move(done));
}

void redis_store::mark_read(const std::string& room_id, const std::string& user_id, seq_t seq,
                            handler<std::optional<seq_t>> done) {
    log_.mark_read(room_id, user_id, seq, std::move(done));
}

void redis_store::reconnected() {
    std::vector<std::string> held;
    for (const auto& feed : feeds_) held.push_back(feed.first);
    for (const std::string& room_id : held) {
        const auto feed = feeds_.find(room_id);  // a step may have released it
        if (feed != feeds_.end()) perform(room_id, feed->second.retry());
    }
}

store_health redis_store::health() const {
    store_health health;
    health.up = commands_.connected() && subscriber_.connected();
    for (const redis::client* client : {&commands_, &subscriber_}) {
        health.reconnects += client->connects() > 0 ? client->connects() - 1 : 0;
        health.round_trips += client->stats().round_trips;
        health.round_trip_seconds += client->stats().round_trip_seconds;
        health.failures += client->stats().failures;
    }
    return health;
}

std::optional<seq_t> redis_store::delivered(const std::string& room_id) const {
    const auto feed = feeds_.find(room_id);
    return feed == feeds_.end() ? std::nullopt : feed->second.delivered();
}

}  // namespace roomchat::relay::store
