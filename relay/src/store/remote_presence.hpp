#pragma once
// Who is connected to a room on the other relays, as this relay learns it
// from the room's channel (presence.lua): the entries of every relay but
// this one, and from them, which users are present elsewhere. The room
// (roomchat/room.hpp, room::elsewhere) adds the users connected here. No
// I/O: the store feeds it what came and performs what it answers.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "roomchat/protocol.hpp"

namespace roomchat::relay::store {

// One message of presence.lua on a room's channel.
struct presence_news {
    struct entry {
        std::string relay;
        user_info user;
        bool present = true;  // the entry came, or went
    };
    bool all = false;  // the entries are every entry there is, and replace what was known
    std::vector<entry> entries;
};

// A user whose presence elsewhere changed: now present on some other relay, or on none.
struct presence_change {
    user_info user;
    bool present = false;
};

class remote_presence {
public:
    explicit remote_presence(std::string self) : self_(std::move(self)) {}

    // What the news changes, one change per user whose presence elsewhere
    // is not what it was; this relay's own entries count for nothing.
    std::vector<presence_change> apply(const presence_news& news);

private:
    std::optional<user_info> present(const std::string& user_id) const;

    std::string self_;
    std::map<std::string, std::map<std::string, user_info>> users_;  // user id -> relay -> the user
};

}  // namespace roomchat::relay::store
