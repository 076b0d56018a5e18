#include "roomchat/typing.hpp"

#include <algorithm>

namespace roomchat::detail {

std::optional<bool> typing_signal::composer(bool has_text, millis now) {
    if (has_text) {
        // Also after a stop: the relay would not pass a start on sooner.
        if (last_start_ && now >= *last_start_ && now < *last_start_ + typing_renew_ms) return std::nullopt;
        last_start_ = now;
        started_ = true;
        return true;
    }
    // Readers forget a start this old by themselves.
    const bool shown = started_ && now < *last_start_ + typing_expiry_ms;
    started_ = false;
    return shown ? std::optional<bool>(false) : std::nullopt;
}

bool typists::heard(const user_info& user, bool active, millis now) {
    if (!active) return forget(user.id);
    const auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.user.id == user.id; });
    if (it != entries_.end()) {
        it->expires_at = now + typing_expiry_ms;
        if (it->user == user) return false;
        it->user = user;  // renamed by a fresh token
        return true;
    }
    entries_.push_back(entry{user, now + typing_expiry_ms});
    return true;
}

bool typists::forget(const std::string& user_id) {
    const auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.user.id == user_id; });
    if (it == entries_.end()) return false;
    entries_.erase(it);
    return true;
}

bool typists::expire(millis now) {
    const auto before = entries_.size();
    entries_.erase(
        std::remove_if(entries_.begin(), entries_.end(), [&](const entry& e) { return now >= e.expires_at; }),
        entries_.end());
    return entries_.size() != before;
}

bool typists::clear() {
    const bool any = !entries_.empty();
    entries_.clear();
    return any;
}

std::optional<millis> typists::next_expiry() const {
    std::optional<millis> next;
    for (const entry& e : entries_) {
        if (!next || e.expires_at < *next) next = e.expires_at;
    }
    return next;
}

std::vector<user_info> typists::list() const {
    std::vector<user_info> users;
    users.reserve(entries_.size());
    for (const entry& e : entries_) users.push_back(e.user);
    return users;
}

}  // namespace roomchat::detail
