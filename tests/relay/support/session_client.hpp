#pragma once
// The browser's brain (core client_session) wired to a real WebSocket: the
// test plays the part of the JavaScript glue (open/close the socket, pass
// frames, fire the timer).

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "roomchat/client_session.hpp"

#include "ws_client.hpp"

namespace roomchat::relay_test {

class session_client {
public:
    session_client(std::string url, client_config config, std::uint32_t seed);

    // Pumps socket, timer and session until `done` holds; false on timeout.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s);

    client_session& session() { return session_; }
    const std::vector<client_event>& events() const { return events_; }

private:
    void handle_events(millis now);

    std::string url_;
    std::mt19937 random_;
    client_session session_;
    std::unique_ptr<ws_client> socket_;
    bool socket_reported_closed_ = false;
    std::vector<client_event> events_;
};

// Wall-clock milliseconds, as the browser glue passes them.
millis wall_now();

}  // namespace roomchat::relay_test
