#include "redis_store.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace roomchat::relay::store {

namespace {

// Rooms whose expiry one call pushes further out (ten keys each).
constexpr std::size_t rooms_per_keep = 64;

}  // namespace

redis_store::redis_store(boost::asio::io_context& io, redis::client& commands, redis::client& subscriber,
                         const room_config& config, rate_limit_config user_sends,
                         std::chrono::milliseconds idle_ttl, std::chrono::milliseconds presence_lease,
                         random_source random)
    : commands_(commands),
      subscriber_(subscriber),
      page_size_(config.max_page_size),
      keep_every_(std::max(idle_ttl / 3, std::chrono::milliseconds(50))),
      ttl_ms_((idle_ttl + keep_every_).count()),
      lease_ms_(presence_lease.count()),
      relay_(generate_epoch(random)),
      keep_timer_(io),
      renew_timer_(io),
      log_(commands, config, user_sends, std::move(random)) {
    keep_rooms();
    renew_presence();
}

void redis_store::keep_rooms() {
    std::vector<std::string> batch;
    for (const auto& held : held_) {
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

void redis_store::renew_presence() {
    for (const auto& held : held_) tell_presence(held.first, {});
    renew_timer_.expires_after(std::chrono::milliseconds(std::max<millis>(lease_ms_ / 3, 10)));
    renew_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) renew_presence();
    });
}

void redis_store::tell_presence(const std::string& room_id, std::vector<presence_change> changes) {
    const auto held = held_.find(room_id);
    if (held == held_.end()) return;
    // A renewal lists every user here again: one Redis missed comes again.
    if (changes.empty()) {
        for (const auto& user : held->second.here) changes.push_back({user.second, true});
    }
    const std::uint64_t asked = held->second.snapshots_wanted;
    const bool all = asked > held->second.snapshots_made;
    log_.presence(room_id, relay_, lease_ms_, ttl_ms_, all, changes,
                  [this, room_id, asked, all](result<std::size_t> told) {
                      if (!told) return;  // the next renewal asks again
                      written(room_id);
                      const auto found = held_.find(room_id);
                      if (all && found != held_.end()) {
                          found->second.snapshots_made = std::max(found->second.snapshots_made, asked);
                      }
                  });
}

void redis_store::want_snapshot(const std::string& room_id) {
    const auto held = held_.find(room_id);
    if (held == held_.end()) return;
    ++held->second.snapshots_wanted;
    tell_presence(room_id, {});
}

void redis_store::present(const std::string& room_id, const user_info& user, bool here) {
    const auto held = held_.find(room_id);
    if (held == held_.end()) return;
    if (here) {
        held->second.here.insert_or_assign(user.id, user);
    } else {
        held->second.here.erase(user.id);
    }
    tell_presence(room_id, {{user, here}});
}

void redis_store::typing(const std::string& room_id, const user_info& user, bool active) {
    if (held_.count(room_id) != 0) log_.typing(room_id, relay_, user, active);
}

// The registry's hold and each room's polls count alike: subscribed from the
// first holder to the last.
void redis_store::hold(const std::string& room_id) {
    held_room& held = held_.try_emplace(room_id, relay_).first->second;
    if (held.holders++ != 0) return;
    subscriber_.subscribe(
        redis_log::channel(room_id),
        [this, room_id](const std::string&, const std::string& payload) { published(room_id, payload); },
        [this, room_id](const std::string&) {
            const auto found = held_.find(room_id);
            if (found == held_.end()) return;
            perform(room_id, found->second.feed.subscribed());
            // Anything published before the subscription is missed: every
            // entry comes now, behind it on the channel.
            want_snapshot(room_id);
        });
}

void redis_store::release(const std::string& room_id) {
    const auto held = held_.find(room_id);
    if (held == held_.end() || --held->second.holders != 0) return;
    held_.erase(held);
    subscriber_.unsubscribe(redis_log::channel(room_id));
}

void redis_store::watch(const std::string& room_id, const log_page& read) {
    hold(room_id);
    if (read.page.epoch) perform(room_id, held_.at(room_id).feed.seen(*read.page.epoch, read.latest_seq));
}

void redis_store::unwatch(const std::string& room_id) { release(room_id); }

void redis_store::published(const std::string& room_id, const std::string& payload) {
    const auto held = held_.find(room_id);
    if (held == held_.end()) return;
    if (auto message = redis_log::published(payload)) {
        perform(room_id, held->second.feed.published(message->epoch, message->message));
    } else if (auto news = redis_log::presence_published(payload)) {
        for (const presence_change& change : held->second.elsewhere.apply(*news)) {
            present_elsewhere(room_id, change.user, change.present);
        }
    } else if (auto typist = redis_log::typing_published(payload); typist && typist->relay != relay_) {
        typing_elsewhere(room_id, typist->user, typist->active);
    } else if (auto mute = redis_log::mute_published(payload); mute && mute->relay != relay_) {
        muted_elsewhere(room_id, mute->user_id, mute->until);
    }
}

void redis_store::written(const std::string& room_id) {
    const auto held = held_.find(room_id);
    if (held == held_.end() || held->second.kept) return;
    held->second.kept = true;
    log_.keep({room_id}, ttl_ms_, [](result<std::size_t>) {});
}

void redis_store::perform(const std::string& room_id, const room_feed::step& step) {
    if (step.epoch_changed) {
        // Redis lost the room, and its presence with it: every entry there
        // is now comes (a relay that died meanwhile has none to expire).
        want_snapshot(room_id);
        if (on_epoch_change_) on_epoch_change_(room_id);
    }
    for (const chat_message& message : step.deliver) accepted(room_id, message);
    if (step.fetch_after) fetch(room_id, *step.fetch_after);
}

void redis_store::fetch(const std::string& room_id, seq_t after) {
    log_.query(room_id, std::nullopt, after, page_size_, [this, room_id](result<log_page> found) {
        const auto held = held_.find(room_id);
        if (held == held_.end()) return;
        if (!found) {
            held->second.feed.fetch_failed();
            return;
        }
        perform(room_id, held->second.feed.fetched(found->page, found->latest_seq));
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
            const auto held = held_.find(room_id);
            if (held != held_.end()) perform(room_id, held->second.feed.seen(seen->epoch, seen->latest_seq));
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

void redis_store::mute(const std::string& room_id, const std::string& user_id, millis until, millis now,
                       handler<millis> done) {
    log_.mute(room_id, user_id, until, now,
              [this, room_id, user_id, done = std::move(done)](result<millis> taken) {
                  if (taken) log_.mute_news(room_id, relay_, user_id, *taken);
                  done(taken);
              });
}

void redis_store::reconnected() {
    log_.load_scripts();
    std::vector<std::string> room_ids;
    for (const auto& held : held_) room_ids.push_back(held.first);
    for (const std::string& room_id : room_ids) {
        const auto held = held_.find(room_id);  // a step may have released it
        if (held != held_.end()) perform(room_id, held->second.feed.retry());
    }
}

void redis_store::drain(std::function<void()> done) {
    // Redis answers in the order asked: a PING's answer comes after the rest.
    commands_.command({"PING"},
                      [done = std::move(done)](const result<redis::reply, redis::failure>&) { done(); });
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
    const auto held = held_.find(room_id);
    return held == held_.end() ? std::nullopt : held->second.feed.delivered();
}

}  // namespace roomchat::relay::store
