#include "roomchat/unread.hpp"

namespace roomchat::detail {

bool unread_tracker::advance(seq_t seq) {
    if (seq <= read_seq_) {
        return false;
    }
    read_seq_ = seq;
    return true;
}

std::optional<unread_summary> unread_tracker::refresh(const std::map<seq_t, chat_message>& messages,
                                                      std::string_view self_id) {
    unread_summary now;
    for (auto it = messages.upper_bound(read_seq_); it != messages.end(); ++it) {
        if (it->second.from.id == self_id) {
            continue;
        }
        if (!now.first_unread) {
            now.first_unread = it->second.id;
        }
        ++now.count;
    }
    if (now == summary_) {
        return std::nullopt;
    }
    summary_ = now;
    return now;
}

}  // namespace roomchat::detail
