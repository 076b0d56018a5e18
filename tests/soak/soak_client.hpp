#pragma once
// One participant of the chaos soak: the core's client_session over a real
// WebSocket (through the chaos proxy), driven the way web/transport.js drives
// it, but without ever blocking so that one thread can drive many. It keeps
// what the user did and saw, for the soak's final checks.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "roomchat/client_session.hpp"

#include "ws_client.hpp"

namespace roomchat::soak {

struct participant_record {
    std::vector<message_id> sent;  // every id send() returned
    // Acknowledgements seen (moves into "sent"), with the number of epoch
    // changes seen before each: an ack of the final epoch has the final count.
    std::map<message_id, std::vector<int>> acks;
    std::map<errc, int> failures;  // sent messages reported failed, by reason
    int epoch_changes = 0;         // timeline_reset epoch_changed
    int connections = 0;           // transports opened
    int delivered = 0;             // others' messages shown
};

class soak_client {
public:
    soak_client(std::string url, client_config config, std::uint32_t seed);
    ~soak_client();
    soak_client(const soak_client&) = delete;
    soak_client& operator=(const soak_client&) = delete;

    // Feeds the session whatever the socket and the clock have for it, then
    // does what the session asks. Never waits.
    void poll();
    // Types a message (a user action), as send() is called from the page.
    void type(const std::string& text);
    // The reader is at the bottom: everything shown is read.
    void read_all();

    const client_session& session() const { return session_; }
    const participant_record& record() const { return record_; }
    const std::string& user() const { return user_; }

private:
    void drain(millis now);
    void observe(const events::message_upserted& upsert);

    std::string url_;
    std::string user_;
    std::mt19937 random_;
    client_session session_;
    std::unique_ptr<relay_test::ws_client> socket_;
    bool reported_open_ = false;
    std::map<message_id, delivery_state> last_state_;  // of our own ids
    participant_record record_;
};

}  // namespace roomchat::soak
