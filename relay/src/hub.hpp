#pragma once
// The relay's chat logic: turns decoded frames from connections (and HTTP
// requests) into calls on core rooms and their logs, and performs what
// those return through a transport. A room here holds the connections; its
// log is in the store (store/room_store.hpp), whose answers may come later
// (Redis): each request is then finished when its answer comes. No
// websocketpp here; every chat rule lives in core/.
//
// What it adds is the relay's own defence of its resources, per connection,
// user and address (docs/relay.md, "Guarantees and limits"): a frame flood
// closes the connection; join/leave/history/read/auth beyond their rate are
// refused with an error frame rate_limited; rooms per connection and per
// user are capped (too_many_rooms) and so is the rate at which a user brings
// rooms into being; an expired token's connection is closed after a grace.
//
// It also holds HTTP long polls (GET .../messages?after=N&wait_ms=M): a poll
// with nothing to answer yet waits, indexed by room, until a message is
// accepted there, its time is up, the room is dropped or the relay stops.
// Whom to wake is decided here; the server only holds and answers the
// connections (transport::answer_http).

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "roomchat/protocol.hpp"
#include "roomchat/rate_table.hpp"
#include "roomchat/result.hpp"
#include "roomchat/room.hpp"

#include "config.hpp"
#include "connection.hpp"
#include "logging.hpp"
#include "metrics.hpp"
#include "room_registry.hpp"
#include "room_store.hpp"
#include "token_verifier.hpp"
#include "transport.hpp"

namespace roomchat::relay {

class hub {
public:
    hub(const relay_config& config, room_registry& rooms, store::room_store& store,
        const token_verifier& verifier, relay_metrics& metrics, logger& log);

    void set_transport(transport* out) { transport_ = out; }

    // ---- before anyone is authenticated
    // Whether `address` may make one more WebSocket upgrade, first auth or
    // API request now (relay_config::ip_rate); spends it if so.
    bool admit_address(const std::string& address, millis now);
    // Whether a log line about `address` may be written now: what a remote
    // peer can provoke (refusals, failed auths, drops) is logged at most a few
    // times a second per address, so nobody can fill the disk with log lines.
    bool may_log(const std::string& address, millis now);

    // ---- WebSocket connections
    void opened(connection_id conn, std::string peer, millis now);
    void text(connection_id conn, std::string_view payload, millis now);
    void binary(connection_id conn, millis now);
    // A ping arrived; whether the server should answer it with a pong.
    bool ping(connection_id conn, millis now);
    void pong(connection_id conn, millis now);
    // The wake-up asked for with transport::wake_at: the auth deadline of a
    // new connection, the end of an expired token's grace, or the end of a
    // held poll's wait.
    void deadline(connection_id conn, millis now);
    // Leaves every room at once (others see presence leave) and closes.
    void drop(connection_id conn, errc reason, std::uint16_t code, millis now);
    // The store lost the room and it began again (redis_store): its members
    // are closed going_away, to join again and learn the new epoch.
    void room_began_again(const std::string& room_id, millis now);
    void closed(connection_id conn, millis now);

    // ---- HTTP requests on HTTP connection `conn`. Each answer is returned
    // when the store gave it at once, else nothing: it goes out later
    // through transport::answer_http(conn).
    // The same room decisions as a WebSocket send: send_outcome, or a room
    // the request may not create (errc). `system` and `moderator` as for
    // room::prepare_send_as.
    std::optional<api_answer> post_message(connection_id conn, const user_info& user,
                                           const std::string& room_id, const send_frame& frame, bool system,
                                           bool moderator, millis now);
    // One page; a room nobody holds has no messages and no epoch.
    std::optional<api_answer> query(connection_id conn, const std::string& room_id,
                                    std::optional<seq_t> before, std::optional<seq_t> after,
                                    std::uint32_t limit);

    // ---- HTTP long polls, each on its own HTTP connection `conn`
    // The page after `after` when there is something to say now: messages
    // after it, or a position past the room's latest seq (one of an earlier
    // epoch; the page's epoch tells). Otherwise the poll is held until a
    // message is accepted in the room (answered with the page after
    // `after`), `wait_ms` pass (an empty page), the room is dropped (an empty
    // page without epoch) or shutdown() (going_away), and answered through
    // transport::answer_http. A token expired by then is answered
    // token_expired. Refused (poll_refusal) beyond relay_config's caps. Like
    // the requests above, an answer due now may be returned.
    std::optional<api_answer> poll(connection_id conn, const token_claims& claims, const std::string& room_id,
                                   seq_t after, std::uint32_t limit, millis wait_ms, millis now);
    // The poll's client went away before its answer: forget it.
    void poll_closed(connection_id conn);
    // The relay is stopping: answers every held poll going_away.
    void shutdown();
    std::size_t held_poll_count() const noexcept { return polls_.size(); }
    void count_auth_failure() { ++metrics_.auth_failures; }
    void count_batch(std::size_t frames) {
        ++metrics_.batches;
        metrics_.batched_frames += frames;
    }

    std::size_t connection_count() const noexcept { return connections_.size(); }
    store::store_health store_health() const { return store_.health(); }
    const relay_config& config() const noexcept { return config_; }

private:
    // What the relay tracks per authenticated user, over their connections.
    struct user_state {
        std::size_t connections = 0;
        std::map<std::string, std::size_t> rooms;  // room -> this user's connections in it
    };

    struct held_poll {
        std::string room_id;
        std::string user_id;
        seq_t after = 0;
        std::uint32_t limit = 0;
        millis token_expires_at = 0;
    };

    void handle(connection_id conn, connection_record& record, const auth_frame& frame, millis now);
    void handle(connection_id conn, connection_record& record, const join_frame& frame, millis now);
    void handle(connection_id conn, connection_record& record, const leave_frame& frame, millis now);
    void handle(connection_id conn, connection_record& record, const send_frame& frame, millis now);
    void handle(connection_id conn, connection_record& record, const history_request_frame& frame,
                millis now);
    void handle(connection_id conn, connection_record& record, const read_frame& frame, millis now);
    void handle(connection_id conn, connection_record& record, const typing_frame& frame, millis now);
    void handle(connection_id conn, connection_record& record, const mute_frame& frame, millis now);

    connection_record* live(connection_id conn);
    // Spends one frame of the flood limit; past it the connection is dropped.
    bool within_flood_limit(connection_id conn, connection_record& record, millis now);
    // Spends one request of the connection's and the user's allowance, or
    // refuses with an error frame rate_limited.
    bool admit_request(connection_id conn, connection_record& record, const std::string& room_id, millis now);
    // The token is past its expiry: refuses with token_expired naming the room.
    bool expired(connection_id conn, const connection_record& record, const std::string& room_id, millis now);
    // The room, created if need be within the user's room creation allowance;
    // nullptr after answering why not.
    room* open_room(connection_id conn, const std::string& user_id, const std::string& room_id, millis now);
    // 0 when `room_id` exists or the user may bring it into being now (which
    // spends their allowance); otherwise the milliseconds until they may.
    std::uint32_t creation_wait(const std::string& user_id, const std::string& room_id, millis now);
    // The room `conn` has joined, or nullptr after sending not_joined.
    // The room `conn` is a member of, or nullptr after answering not_joined.
    room* joined_room(connection_id conn, const std::string& room_id);
    void leave_room(connection_id conn, connection_record& record, const std::string& room_id, millis now);
    void leave_all(connection_id conn, connection_record& record, millis now);
    bool is_live(connection_id conn) const;
    // Sends what a room decided; a message accepted wakes the room's polls.
    void perform(const room_actions& actions, millis now);
    // The same, where the room may pass a typing signal on: the other
    // relays holding the room pass it on too.
    void perform_typing(const std::string& room_id, const room_actions& actions, millis now);
    // The store accepted a message in a room this relay holds.
    void deliver(const std::string& room_id, const chat_message& message);
    // Sends `conn` the messages after `after` through `through`: those the
    // room delivered while its join's view was being read.
    void catch_up(connection_id conn, const std::string& room_id, seq_t after, seq_t through);
    // A WebSocket send's answer from the store.
    void settle(connection_id conn, const std::string& room_id, const send_attempt& attempt,
                result<send_decision> decided);
    // The connection's send was decided: the next one waiting is handled.
    void next_send(connection_id conn);
    // Answers and forgets a held poll.
    void answer_poll(connection_id conn, const api_answer& answer);
    // Runs `ask(finish)`, where finish takes the answer for HTTP connection
    // `conn`: returned when it came before ask returned, else sent through
    // transport::answer_http.
    template <class Ask>
    std::optional<api_answer> answer_http(connection_id conn, Ask ask);
    // Answers a held poll whose wait ended with the page after its position
    // now, or token_expired when its token expired meanwhile.
    void answer_with_page(connection_id conn, millis now);
    // Answers every poll held on the room: a message was accepted there, or
    // the room was dropped.
    void wake_polls(const std::string& room_id, millis now);
    void send_to(connection_id conn, const server_frame& frame);
    void send_error(connection_id conn, errc code, std::string detail, std::optional<std::string> room = {});
    void fail(connection_id conn, connection_record& record, errc code, std::string detail);
    void count_send(const send_outcome& outcome);
    // A removal the store accepted, logged on the relay that asked for it.
    void log_removal(const std::string& room_id, const send_attempt& attempt, const send_decision& decision);
    // Counts an answer the store could not give; returns its code.
    errc store_failed(errc code);
    // An HTTP request's answer from a page the store read, or why it could not.
    api_answer page_or_failure(result<store::log_page> found);

    const relay_config& config_;
    room_registry& rooms_;
    store::room_store& store_;
    const token_verifier& verifier_;
    relay_metrics& metrics_;
    logger& log_;
    transport* transport_ = nullptr;
    std::unordered_map<connection_id, connection_record> connections_;
    std::unordered_map<std::string, user_state> users_;  // authenticated ones, by user id
    rate_table user_requests_;                           // twice request_rate, per user
    rate_table room_creations_;                          // per user
    rate_table addresses_;                               // per remote address
    rate_table log_lines_;                               // per remote address
    std::map<connection_id, held_poll> polls_;
    std::set<connection_id> polls_asked_;  // polls whose first page the store is reading
    std::unordered_map<std::string, std::set<connection_id>> polls_by_room_;
    std::unordered_map<std::string, std::size_t> polls_per_user_;
    std::vector<connection_id> recipients_;  // perform's, kept for its capacity
    // The last delivery's list, handed back to the room for the next one:
    // a list of a big room's size is past what malloc keeps at hand, and
    // allocating one made it consolidate its free lists every time
    // (malloc_consolidate, about a tenth of the relay's user time in `stress`).
    std::vector<connection_id> delivered_to_;
};

}  // namespace roomchat::relay
