#include "redis_store.hpp"

#include <utility>

namespace roomchat::relay::store {

redis_store::redis_store(redis::client& commands, redis::client& subscriber, const room_config& config,
                         rate_limit_config user_sends, random_source random)
    : commands_(commands),
      subscriber_(subscriber),
      page_size_(config.max_page_size),
      log_(commands, config, user_sends, std::move(random)) {}

void redis_store::hold(const std::string& room_id) {
    if (!feeds_.try_emplace(room_id).second) return;
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
    if (feeds_.erase(room_id) != 0) subscriber_.unsubscribe(redis_log::channel(room_id));
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
    log_.accept(room_id, attempt, std::move(done));
}

void redis_store::view(const std::string& room_id, const std::string& user_id, const join_frame& request,
                       handler<log_view> done) {
    log_.view(room_id, user_id, request, [this, room_id, done = std::move(done)](result<log_view> seen) {
        if (seen) {
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

std::optional<seq_t> redis_store::delivered(const std::string& room_id) const {
    const auto feed = feeds_.find(room_id);
    return feed == feeds_.end() ? std::nullopt : feed->second.delivered();
}

}  // namespace roomchat::relay::store
