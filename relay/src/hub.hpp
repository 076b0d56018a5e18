#pragma once
// The relay's chat logic: turns decoded frames from connections (and HTTP
// requests) into calls on core rooms and performs the actions those return
// through a transport. No websocketpp here; every rule lives in core/.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "roomchat/protocol.hpp"
#include "roomchat/result.hpp"
#include "roomchat/room.hpp"

#include "config.hpp"
#include "connection.hpp"
#include "logging.hpp"
#include "metrics.hpp"
#include "room_registry.hpp"
#include "token_verifier.hpp"
#include "transport.hpp"

namespace roomchat::relay {

class hub {
public:
    hub(const relay_config& config, room_registry& rooms, const token_verifier& verifier,
        relay_metrics& metrics, logger& log);

    void set_transport(transport* out) { transport_ = out; }

    // ---- WebSocket connections
    void opened(connection_id conn, std::string peer);
    void text(connection_id conn, std::string_view payload, millis now);
    void binary(connection_id conn);
    // The auth deadline passed: closes the connection unless it authenticated.
    void auth_deadline(connection_id conn);
    // Leaves every room at once (others see presence leave) and closes.
    void drop(connection_id conn, errc reason, std::uint16_t code);
    void closed(connection_id conn);

    // ---- HTTP fallback: the same room decisions as a WebSocket send.
    result<send_outcome> post_message(const user_info& user, const std::string& room_id, const message_id& id,
                                      std::string_view text, millis now);
    history_page query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
                       std::uint32_t limit);
    void count_auth_failure() { ++metrics_.auth_failures; }

    std::size_t connection_count() const noexcept { return connections_.size(); }
    const relay_config& config() const noexcept { return config_; }

private:
    void handle(connection_id conn, connection_state& state, const auth_frame& frame, millis now);
    void handle(connection_id conn, connection_state& state, const join_frame& frame, millis now);
    void handle(connection_id conn, connection_state& state, const leave_frame& frame, millis now);
    void handle(connection_id conn, connection_state& state, const send_frame& frame, millis now);
    void handle(connection_id conn, connection_state& state, const history_request_frame& frame, millis now);
    void handle(connection_id conn, connection_state& state, const read_frame& frame, millis now);

    // The room `conn` has joined, or nullptr after sending not_joined.
    room* joined_room(connection_id conn, const connection_state& state, const std::string& room_id);
    void leave_room(connection_id conn, connection_state& state, const std::string& room_id);
    bool is_live(connection_id conn) const;
    void perform(const room& chat, const room_actions& actions);
    void send_to(connection_id conn, const server_frame& frame);
    void send_error(connection_id conn, errc code, std::string detail, std::optional<std::string> room = {});
    void fail(connection_id conn, connection_state& state, errc code, std::string detail);
    void count_send(const room_actions& actions);

    const relay_config& config_;
    room_registry& rooms_;
    const token_verifier& verifier_;
    relay_metrics& metrics_;
    logger& log_;
    transport* transport_ = nullptr;
    std::unordered_map<connection_id, connection_state> connections_;
    std::unordered_map<std::string, std::size_t> connections_per_user_;  // authenticated ones
};

}  // namespace roomchat::relay
