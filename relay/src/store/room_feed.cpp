#include "room_feed.hpp"

#include <utility>

namespace roomchat::relay::store {

bool room_feed::begin(const std::string& epoch, step& out) {
    if (epoch_.empty()) epoch_ = epoch;
    if (epoch == epoch_) return true;
    epoch_ = epoch;
    delivered_.reset();
    ahead_.clear();
    out.epoch_changed = true;
    return false;
}

room_feed::step room_feed::seen(const std::string& epoch, seq_t latest) {
    step out;
    begin(epoch, out);
    if (!delivered_) {
        delivered_ = latest;
        drain(out);
        // Subscribed before this position was known: what was published
        // between the read and the subscription may have passed by.
        if (subscribed_early_ && !fetching_) {
            fetching_ = true;
            out.fetch_after = latest;
        }
    }
    subscribed_early_ = false;
    return out;
}

room_feed::step room_feed::published(const std::string& epoch, const chat_message& message) {
    step out;
    begin(epoch, out);
    // No position yet: this message is the first to deliver.
    if (!delivered_) delivered_ = message.seq - 1;
    if (message.seq <= *delivered_) return out;  // delivered already (a fetch brought it)
    ahead_.try_emplace(message.seq, message);
    drain(out);
    return out;
}

room_feed::step room_feed::subscribed() {
    step out;
    subscribed_early_ = !delivered_;
    if (delivered_ && !fetching_) {
        fetching_ = true;
        out.fetch_after = *delivered_;
    }
    return out;
}

room_feed::step room_feed::retry() {
    step out;
    if (failed_ && delivered_ && !fetching_) {
        fetching_ = true;
        out.fetch_after = *delivered_;
    }
    return out;
}

room_feed::step room_feed::fetched(const history_frame& page, seq_t latest) {
    step out;
    fetching_ = false;
    failed_ = false;
    if (!page.epoch) return out;  // Redis holds no such room (any more): nothing to fetch
    if (!begin(*page.epoch, out) || !delivered_) {
        // The room began again: delivery starts after what the page shows.
        delivered_ = latest;
        return out;
    }
    if (page.truncated && !page.messages.empty() && page.messages.front().seq > *delivered_ + 1) {
        delivered_ = page.messages.front().seq - 1;  // the hole is gone from the log
    }
    for (const chat_message& message : page.messages) {
        if (message.seq > *delivered_) ahead_.try_emplace(message.seq, message);
    }
    drain(out);
    // A page stops at its size: what is left of the hole comes with the next.
    if (!fetching_ && *delivered_ < latest && !page.messages.empty()) {
        fetching_ = true;
        out.fetch_after = *delivered_;
    }
    return out;
}

void room_feed::drain(step& out) {
    while (!ahead_.empty() && ahead_.begin()->first <= *delivered_ + 1) {
        auto next = ahead_.extract(ahead_.begin());
        if (next.key() == *delivered_ + 1) {
            delivered_ = next.key();
            out.deliver.push_back(std::move(next.mapped()));
        }
    }
    if (!ahead_.empty() && !fetching_) {
        fetching_ = true;
        out.fetch_after = *delivered_;
    }
}

}  // namespace roomchat::relay::store
