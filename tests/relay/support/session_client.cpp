#include "session_client.hpp"

#include <thread>

namespace roomchat::relay_test {

millis wall_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

session_client::session_client(std::string url, client_config config, std::uint32_t seed)
    : url_(std::move(url)),
      random_(seed),
      session_(std::move(config), [this](std::uint8_t* data, std::size_t size) {
          for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(random_() & 0xff);
      }) {
    session_.start(wall_now());
    handle_events(wall_now());
}

void session_client::handle_events(millis now) {
    for (auto& event : session_.take_events()) {
        if (std::holds_alternative<events::open_transport>(event)) {
            socket_ = std::make_unique<ws_client>(url_);
            socket_reported_closed_ = false;
            if (socket_->wait_open()) {
                session_.transport_opened(now);
            } else {
                socket_reported_closed_ = true;
                session_.transport_closed(now);
            }
        } else if (std::holds_alternative<events::close_transport>(event)) {
            if (socket_) socket_->close();
        }
        events_.push_back(std::move(event));
    }
    if (socket_ && socket_->is_open()) {
        for (const auto& frame : session_.take_frames()) socket_->send_text(frame);
    }
}

bool session_client::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        handle_events(wall_now());
        if (done()) return true;
        if (socket_) {
            while (auto text = socket_->next_text(5ms)) {
                session_.receive(*text, wall_now());
                handle_events(wall_now());
            }
            if (!socket_reported_closed_ && socket_->wait_closed(0ms)) {
                socket_reported_closed_ = true;
                session_.transport_closed(wall_now());
            }
        } else {
            std::this_thread::sleep_for(5ms);
        }
        const auto next = session_.next_deadline();
        if (next && *next <= wall_now()) session_.on_timer(wall_now());
    }
    handle_events(wall_now());
    return done();
}

}  // namespace roomchat::relay_test
