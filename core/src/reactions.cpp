#include <algorithm>

#include "roomchat/protocol.hpp"

namespace roomchat {

bool is_reaction_emoji(std::string_view emoji) noexcept {
    return std::find(reaction_emoji.begin(), reaction_emoji.end(), emoji) != reaction_emoji.end();
}

void tally_reaction(std::vector<reaction_tally>& tallies, const user_info& user,
                    const reaction_change& change) {
    const auto tally = std::find_if(tallies.begin(), tallies.end(),
                                    [&](const reaction_tally& t) { return t.emoji == change.emoji; });
    const auto by_them = [&](const user_info& u) { return u.id == user.id; };
    if (change.add) {
        if (tally == tallies.end()) {
            tallies.push_back(reaction_tally{change.emoji, {user}});
        } else if (std::none_of(tally->users.begin(), tally->users.end(), by_them)) {
            tally->users.push_back(user);
        }
    } else if (tally != tallies.end()) {
        tally->users.erase(std::remove_if(tally->users.begin(), tally->users.end(), by_them),
                           tally->users.end());
        if (tally->users.empty()) {
            tallies.erase(tally);
        }
    }
}

bool apply_reaction(chat_message& message, const chat_message& entry) {
    if (!entry.reaction || entry.seq <= message.reactions_seq) {
        return false;
    }
    message.reactions_seq = entry.seq;
    tally_reaction(message.reactions, entry.from, *entry.reaction);
    return true;
}

}  // namespace roomchat
