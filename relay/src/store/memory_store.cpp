#include "memory_store.hpp"

#include <utility>

namespace roomchat::relay::store {

memory_store::memory_store(const room_config& config, rate_limit_config user_sends, random_source random)
    : config_(config), user_sends_(user_sends), random_(std::move(random)) {}

room_log& memory_store::log(const std::string& room_id) {
    auto it = logs_.find(room_id);
    if (it == logs_.end()) {
        it = logs_.try_emplace(room_id, room_id, generate_epoch(random_), config_, &user_sends_).first;
    }
    return it->second;
}

void memory_store::hold(const std::string& room_id) { static_cast<void>(log(room_id)); }

void memory_store::release(const std::string& room_id) { logs_.erase(room_id); }

void memory_store::accept(const std::string& room_id, const send_attempt& attempt,
                          handler<send_decision> done) {
    send_decision decision = log(room_id).accept(attempt);
    std::optional<chat_message> message = std::move(decision.message);
    done(std::move(decision));
    if (message) accepted(room_id, *message);
}

void memory_store::view(const std::string& room_id, const std::string& user_id, const join_frame& request,
                        handler<log_view> done) {
    done(log(room_id).view(user_id, request));
}

void memory_store::query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
                         std::uint32_t limit, handler<log_page> done) {
    const auto it = logs_.find(room_id);
    if (it == logs_.end()) {
        done(log_page{page_frame(room_id, std::nullopt, page_mode(before, after), {}), 0});
        return;
    }
    done(log_page{it->second.query(before, after, limit), it->second.latest_seq()});
}

void memory_store::mark_read(const std::string& room_id, const std::string& user_id, seq_t seq,
                             handler<std::optional<seq_t>> done) {
    const auto it = logs_.find(room_id);
    done(it == logs_.end() ? std::nullopt : it->second.mark_read(user_id, seq));
}

void memory_store::mute(const std::string& room_id, const std::string& user_id, millis until, millis now,
                        handler<millis> done) {
    log(room_id).mute(user_id, until, now);
    done(until);
}

// Every message reaches the members the moment it is accepted.
std::optional<seq_t> memory_store::delivered(const std::string& room_id) const {
    const room_log* held = find(room_id);
    return held == nullptr ? std::nullopt : std::optional<seq_t>(held->latest_seq());
}

const room_log* memory_store::find(const std::string& room_id) const {
    const auto it = logs_.find(room_id);
    return it == logs_.end() ? nullptr : &it->second;
}

}  // namespace roomchat::relay::store
