#include "roomchat/outbox.hpp"

namespace roomchat {

std::string_view to_string(delivery_state state) noexcept {
    switch (state) {
        case delivery_state::queued:
            return "queued";
        case delivery_state::sending:
            return "sending";
        case delivery_state::sent:
            return "sent";
        case delivery_state::failed:
            return "failed";
    }
    return "unknown";
}

}  // namespace roomchat
