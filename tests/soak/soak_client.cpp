#include "soak_client.hpp"

#include <algorithm>

#include "session_client.hpp"

namespace roomchat::soak {

using relay_test::wall_now;
using namespace std::chrono_literals;

soak_client::soak_client(std::string url, client_config config, std::uint32_t seed)
    : url_(std::move(url)),
      random_(seed),
      session_(std::move(config), [this](std::uint8_t* data, std::size_t size) {
          for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(random_() & 0xffU);
      }) {
    session_.start(wall_now());
    drain(wall_now());
}

soak_client::~soak_client() = default;

void soak_client::poll() {
    const millis now = wall_now();
    if (socket_) {
        if (!reported_open_ && socket_->wait_open(0ms)) {
            reported_open_ = true;
            session_.transport_opened(now);
            drain(now);
        }
        while (socket_ && reported_open_) {
            const auto text = socket_->next_text(0ms);
            if (!text) break;
            session_.receive(*text, wall_now());
            drain(wall_now());
        }
        if (socket_ && socket_->wait_closed(0ms)) {
            socket_.reset();
            session_.transport_closed(wall_now());
            drain(wall_now());
        }
    }
    const auto deadline = session_.next_deadline();
    if (deadline && *deadline <= wall_now()) {
        session_.on_timer(wall_now());
        drain(wall_now());
    }
}

void soak_client::type(const std::string& text) {
    const auto id = session_.send(text, wall_now());
    if (id) record_.sent.push_back(*id);
    drain(wall_now());
}

void soak_client::read_all() {
    seq_t newest = 0;
    for (const auto& row : session_.timeline()) newest = std::max(newest, row.seq);
    session_.mark_read(newest, wall_now());
    drain(wall_now());
}

void soak_client::drain(millis /*now*/) {
    for (auto& event : session_.take_events()) {
        if (std::holds_alternative<events::open_transport>(event)) {
            socket_ = std::make_unique<relay_test::ws_client>(url_);
            reported_open_ = false;
            ++record_.connections;
        } else if (std::holds_alternative<events::close_transport>(event)) {
            socket_.reset();  // the session already counts it as closed
        } else if (const auto* upsert = std::get_if<events::message_upserted>(&event)) {
            observe(*upsert);
        } else if (const auto* reset = std::get_if<events::timeline_reset>(&event)) {
            record_.epoch_changes += reset->reason == reset_reason::epoch_changed ? 1 : 0;
        } else if (const auto* identity = std::get_if<events::identity>(&event)) {
            user_ = identity->self.id;
        }
    }
    if (socket_ && reported_open_) {
        for (const auto& frame : session_.take_frames()) socket_->send_text(frame);
    } else {
        // Only produced with a transport open; none can be lost here.
        static_cast<void>(session_.take_frames());
    }
}

void soak_client::observe(const events::message_upserted& upsert) {
    const timeline_message& message = upsert.message;
    if (!message.own) {
        ++record_.delivered;
        return;
    }
    const auto previous = last_state_.find(message.id);
    const delivery_state before = previous == last_state_.end() ? delivery_state::queued : previous->second;
    if (message.state == delivery_state::sent && before != delivery_state::sent) {
        record_.acks[message.id].push_back(record_.epoch_changes);
    }
    if (message.state == delivery_state::failed && before != delivery_state::failed && message.failure) {
        ++record_.failures[*message.failure];
    }
    last_state_[message.id] = message.state;
}

}  // namespace roomchat::soak
