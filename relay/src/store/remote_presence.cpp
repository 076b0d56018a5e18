#include "remote_presence.hpp"

#include <optional>

namespace roomchat::relay::store {

std::optional<user_info> remote_presence::present(const std::string& user_id) const {
    const auto user = users_.find(user_id);
    if (user == users_.end()) return std::nullopt;
    return user->second.begin()->second;
}

std::vector<presence_change> remote_presence::apply(const presence_news& news) {
    // The users the news touches, as present before it (or not).
    std::map<std::string, std::optional<user_info>> touched;
    const auto touch = [&](const std::string& user_id) { touched.try_emplace(user_id, present(user_id)); };
    if (news.all) {
        for (const auto& user : users_) touch(user.first);
        users_.clear();
    }
    for (const presence_news::entry& entry : news.entries) {
        if (entry.relay == self_) continue;
        touch(entry.user.id);
        if (entry.present) {
            users_[entry.user.id].insert_or_assign(entry.relay, entry.user);
        } else if (const auto user = users_.find(entry.user.id); user != users_.end()) {
            user->second.erase(entry.relay);
            if (user->second.empty()) users_.erase(user);
        }
    }
    std::vector<presence_change> changes;
    for (const auto& [user_id, was] : touched) {
        const auto is = present(user_id);
        if (was.has_value() != is.has_value()) changes.push_back({is ? *is : *was, is.has_value()});
    }
    return changes;
}

}  // namespace roomchat::relay::store
