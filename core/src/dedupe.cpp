#include "roomchat/dedupe.hpp"

#include <utility>

namespace roomchat {

dedupe_window::dedupe_window(std::size_t capacity) : capacity_(capacity) {}

const accepted_send* dedupe_window::find(const message_id& id) const {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
}

void dedupe_window::remember(const message_id& id, accepted_send send) {
    // The first acceptance is the one every resend must be answered with.
    if (by_id_.count(id) > 0) {
        return;
    }
    by_id_.emplace(id, std::move(send));
    order_.push_back(id);
    while (order_.size() > capacity_) {
        by_id_.erase(order_.front());
        order_.pop_front();
    }
}

}  // namespace roomchat
