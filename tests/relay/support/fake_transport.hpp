#pragma once
// A transport for the relay's unit tests: records what the hub asks of the
// endpoint (frames sent, closes, wake-ups, batch permission, poll answers) so a
// test can drive hub, room_registry and http_routes without a socket.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "transport.hpp"

namespace roomchat::relay_test {

struct recorded_close {
    roomchat::connection_id conn = 0;
    std::uint16_t code = 0;
    std::string reason;
};

class fake_transport final : public roomchat::relay::transport {
public:
    void send(roomchat::connection_id conn, std::string payload) override;
    void broadcast(const std::vector<roomchat::connection_id>& to, std::string payload) override;
    void allow_batches(roomchat::connection_id conn, bool allowed) override { batches[conn] = allowed; }
    void close(roomchat::connection_id conn, std::uint16_t code, const std::string& reason) override;
    void wake_at(roomchat::connection_id conn, roomchat::millis at) override { wakes[conn] = at; }
    void answer_http(roomchat::connection_id conn, const roomchat::relay::api_answer& answer) override {
        answers.emplace_back(conn, answer);
    }

    // The frames sent to `conn` since the last take, parsed, oldest first.
    std::vector<nlohmann::json> take(roomchat::connection_id conn);
    // The one frame sent to `conn` since the last take; fails the test when
    // there were none or several (and returns null).
    nlohmann::json take_one(roomchat::connection_id conn);
    // Forgets every frame sent so far.
    void clear() { pending_.clear(); }

    std::vector<std::string> payloads;                          // every payload sent, to anyone, in order
    std::vector<recorded_close> closes;                         // in order
    std::map<roomchat::connection_id, roomchat::millis> wakes;  // the latest wake-up per connection
    std::map<roomchat::connection_id, bool> batches;
    std::vector<std::pair<roomchat::connection_id, roomchat::relay::api_answer>> answers;  // in order

private:
    std::map<roomchat::connection_id, std::vector<std::string>> pending_;
};

}  // namespace roomchat::relay_test
