#pragma once
// An in-process world for the simulation test: client_sessions, one room and
// a relay adapter between them, connected by a lossy link on a virtual clock.
// The link drops, duplicates, delays and reorders frames and cuts
// connections; whatever was in flight on a cut connection is lost. The relay
// adapter does what the real relay does with a room: decodes client frames,
// accepts any token (mapping the connection to its client's user), calls
// room.join/send/history/mark_read/leave and delivers the returned actions,
// and fires the room's timer. It can also restart: every connection is cut
// and the room starts over, empty, in a new epoch, as after a relay crash.
//
// A client can be put behind a proxy that refuses WebSockets: its sockets
// close without opening, and the session carries on over HTTP. The relay
// adapter then also answers the HTTP API as relay/src/http_routes.cpp and
// the hub do: pages through room.query, long polls held until the room
// accepts a message or the wait runs out, POSTs through room.send_as. Requests
// and answers cross the same lossy link; a lost one, or one on a cut link,
// is a fetch that fails (status 0), and the proxy sometimes holds a request
// until it times out with an error page of its own, or for ever.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "roomchat/batch.hpp"
#include "roomchat/client_session.hpp"
#include "roomchat/codec.hpp"
#include "roomchat/history.hpp"
#include "roomchat/local_room.hpp"

#include "test_tokens.hpp"

namespace roomchat::sim {

struct link_faults {
    // All per mille.
    int drop = 0;       // a frame vanishes
    int duplicate = 0;  // a frame arrives twice
    int reorder = 0;    // a frame is held back long enough to overtake others
    int refuse = 0;     // a new connection fails to open
};

// Counts of what happened, to show a run exercised what it should.
struct world_stats {
    int restarts = 0;       // relay restarts (the room started over)
    int removals = 0;       // removals of own messages the sessions took
    int reactions = 0;      // reactions the sessions took (toggles)
    int connections = 0;    // transports opened (first connects and reconnects)
    int cuts = 0;           // connections broken under a client
    int frames = 0;         // frames put on the link, both directions
    int dropped = 0;        // frames the link lost
    int duplicated = 0;     // frames the link delivered twice
    int resets = 0;         // timeline_reset events (truncated history)
    int rate_limited = 0;   // rate_limited events
    int history_pages = 0;  // history_loaded events
    int batches = 0;        // batch frames the relay sent (two frames or more)
    int http_requests = 0;  // HTTP requests the sessions made
    int polls = 0;          // of which long polls
    int posts = 0;          // of which POSTs of a message
    int posts_acked = 0;    // POST answers with an ack that reached their session
    int polled = 0;         // messages long polls brought to their sessions
    int http_failed = 0;    // requests that got no answer (status 0): lost, cut, relay gone
    int fallbacks = 0;      // a session switched from WebSockets to HTTP
    int takeovers = 0;      // a WebSocket took over from HTTP while online
};

// What one client did and saw, for the final checks.
struct client_record {
    std::vector<message_id> sent;                     // every id send() returned
    std::map<message_id, delivery_state> last_state;  // of our sent ids, from events
    std::map<message_id, int> acknowledgements;       // moves into `sent`, from events
    // The timeline as a UI builds it from message_upserted/timeline_reset.
    std::vector<timeline_message> ui;
    bool ui_misplaced = false;  // an upsert named a `before` the UI does not show
    int epoch_resets = 0;       // timeline_reset events for a room that started over
};

class world {
public:
    // Each session holds at most max_timeline sequenced messages.
    world(std::uint64_t seed, room_config room, std::size_t clients, bool second_tab,
          std::size_t max_timeline = client_config{}.max_timeline)
        : rng_(seed), room_config_(room), room_(std::make_unique<local_room>("lobby", new_epoch(), room)) {
        for (std::size_t i = 0; i < clients; ++i) {
            // With second_tab, the last client is another tab of user 0.
            const std::size_t user = second_tab && i + 1 == clients ? 0 : i;
            auto c = std::make_unique<client>();
            c->user = user_info{"u" + std::to_string(user), "User " + std::to_string(user)};
            c->engine.seed(rng_());
            std::mt19937* engine = &c->engine;
            client_config config;
            config.room = "lobby";
            config.token = test::token_of(c->user, (now_ + token_lifetime) / 1000);
            config.max_timeline = max_timeline;
            c->session.emplace(config, [engine](std::uint8_t* data, std::size_t size) {
                for (std::size_t k = 0; k < size; ++k) {
                    data[k] = static_cast<std::uint8_t>((*engine)() & 0xffU);
                }
            });
            clients_.push_back(std::move(c));
        }
    }

    // ---- driving

    void start_all() {
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            clients_[i]->session->start(now_);
            drain(i);
        }
    }

    // Advances the clock to `until`, delivering what arrives and firing due timers.
    void run_until(millis until) {
        for (;;) {
            std::optional<millis> next = next_event();
            if (!next || *next > until) {
                break;
            }
            now_ = std::max(now_, *next);
            step_once();
        }
        now_ = std::max(now_, until);
    }

    // Runs until nothing is in flight and no session has a deadline within
    // a day (the token refresh is further out), but for sessions idling over
    // HTTP (idle_over_http); false if that takes longer than `within` of
    // virtual time.
    bool run_until_quiet(millis within) {
        const millis limit = now_ + within;
        for (;;) {
            const std::optional<millis> busy = next_event(/*busy_only=*/true);
            if (!busy || *busy >= now_ + quiet_horizon) {
                return true;
            }
            if (*busy > limit) {
                return false;
            }
            now_ = std::max(now_, *next_event());
            step_once();
        }
    }

    // ---- user and network actions

    result<message_id> type(std::size_t i, const std::string& text) {
        auto id = clients_[i]->session->send(text, now_);
        if (id) {
            clients_[i]->record.sent.push_back(id.value());
        }
        drain(i);
        return id;
    }

    // Removes one of the client's own messages the session shows, if any.
    void remove_own(std::size_t i) {
        std::vector<seq_t> own;
        for (const auto& row : clients_[i]->session->timeline()) {
            if (row.own && row.seq != 0 && !row.removed) own.push_back(row.seq);
        }
        if (own.empty()) return;
        const seq_t seq =
            own[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(own.size()) - 1))];
        if (clients_[i]->session->remove(seq, now_)) ++stats_.removals;
        drain(i);
    }

    // Toggles a random emoji on a message the client shows, if any.
    void react(std::size_t i) {
        std::vector<seq_t> shown;
        for (const auto& row : clients_[i]->session->timeline()) {
            if (row.seq != 0 && !row.removed) shown.push_back(row.seq);
        }
        if (shown.empty()) return;
        const seq_t seq =
            shown[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(shown.size()) - 1))];
        const auto emoji = reaction_emoji[static_cast<std::size_t>(
            uniform(0, static_cast<std::int64_t>(reaction_emoji.size()) - 1))];
        if (clients_[i]->session->react(seq, emoji, now_)) ++stats_.reactions;
        drain(i);
    }

    void read_all(std::size_t i) {
        const auto rows = clients_[i]->session->timeline();
        seq_t newest = 0;
        for (const auto& row : rows) {
            newest = std::max(newest, row.seq);
        }
        clients_[i]->session->mark_read(newest, now_);
        drain(i);
    }

    void load_older(std::size_t i) {
        clients_[i]->session->load_older(now_);
        drain(i);
    }

    void set_network(std::size_t i, bool up) {
        clients_[i]->network_up = up;
        clients_[i]->session->network_changed(up, now_);
        drain(i);
    }

    // The relay dies and comes back: every connection breaks and the room
    // starts over in a new epoch, with nothing of the old one.
    void restart_relay() {
        ++stats_.restarts;
        outgoing_.clear();  // what it had not sent yet dies with it
        std::vector<connection_id> open;
        for (const auto& entry : connections_) {
            open.push_back(entry.first);
        }
        for (const connection_id id : open) {
            close_connection(id, true);
        }
        for (const auto& entry : accepted_) {
            accepted_before_.insert(entry.second.id);
        }
        accepted_.clear();
        // The polls it held end as its shutdown ends them, or, as in a crash, without a word.
        const auto held = std::exchange(held_polls_, {});
        for (const auto& entry : held) {
            if (chance(500)) {
                relay_answer(entry.first, 503, error_body(errc::going_away, std::nullopt));
            } else {
                http_fail(entry.first);
            }
        }
        room_ = std::make_unique<local_room>("lobby", new_epoch(), room_config_);
    }

    // The link breaks under one client's connection, and under its HTTP
    // requests: their fetches fail.
    void cut(std::size_t i) {
        bool cut_any = false;
        if (clients_[i]->conn != 0) {
            cut_any = true;
            close_connection(clients_[i]->conn, true);
        }
        for (auto& [key, out] : exchanges_) {
            if (key.first == i && out.wanted) {
                cut_any = true;
                held_polls_.erase(key);
                unqueue(key);
                http_fail(key);
            }
        }
        stats_.cuts += cut_any ? 1 : 0;
    }

    // The client moves behind a proxy that refuses WebSockets (which breaks
    // its connection), or out from behind it.
    void block_websockets(std::size_t i, bool blocked) {
        clients_[i]->websockets_blocked = blocked;
        if (blocked && clients_[i]->conn != 0) {
            close_connection(clients_[i]->conn, true);
        }
    }

    void set_faults(link_faults faults) { faults_ = faults; }
    const world_stats& stats() const { return stats_; }

    // ---- inspection

    std::size_t size() const { return clients_.size(); }
    const client_session& session(std::size_t i) const { return *clients_[i]->session; }
    const client_record& record(std::size_t i) const { return clients_[i]->record; }
    const user_info& user(std::size_t i) const { return clients_[i]->user; }
    bool network_up(std::size_t i) const { return clients_[i]->network_up; }
    bool websockets_blocked(std::size_t i) const { return clients_[i]->websockets_blocked; }
    // What carries the session, as its last connection_changed said.
    carrier via(std::size_t i) const { return clients_[i]->via; }
    const local_room& relay_room() const { return *room_; }
    // Every message the room accepted in its current epoch, by seq, as it broadcast them.
    const std::map<seq_t, chat_message>& accepted() const { return accepted_; }
    // Ids the room accepted in earlier epochs, before restarts.
    const std::set<message_id>& accepted_before() const { return accepted_before_; }
    millis now() const { return now_; }
    // Set when a session's deadline did not move past a timer that fired.
    bool stale_deadline() const { return stale_deadline_; }
    // Set when a session produced a frame with no open transport.
    bool frame_without_transport() const { return frame_without_transport_; }
    // Set when a session made an HTTP request the relay would refuse as malformed.
    bool bad_http_request() const { return bad_http_request_; }
    // A session posted a message while another POST of its was out (not
    // answered, not aborted): two POSTs on two connections may reach the
    // relay in either order, and the later message would overtake.
    bool posts_overlapped() const { return posts_overlapped_; }

    std::mt19937_64& rng() { return rng_; }
    bool chance(int per_mille) { return per_mille > 0 && uniform(0, 999) < per_mille; }
    std::int64_t uniform(std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>(low, high)(rng_);
    }

private:
    struct client {
        user_info user;
        std::mt19937 engine;
        std::optional<client_session> session;
        connection_id conn = 0;  // the transport the session currently owns
        bool network_up = true;
        bool websockets_blocked = false;
        carrier via = carrier::websocket;  // as the last connection_changed said
        bool taking_over = false;          // was online over HTTP, now connecting over a WebSocket
        bool online_over_http = false;     // and it said online
        client_record record;
    };

    enum class link_state {
        opening,  // the socket is connecting
        open,
        cut,  // broken under the client, which has not heard yet: frames vanish
    };

    struct connection {
        std::size_t client = 0;
        link_state state = link_state::opening;
        bool authed = false;
        bool batches = false;  // its auth asked for batch frames
    };

    enum class packet_kind { to_relay, to_client, opened, closed, http_request, http_answer };

    using exchange_key = std::pair<std::size_t, std::uint32_t>;  // client, request id

    struct packet {
        packet_kind kind = packet_kind::to_relay;
        connection_id conn = 0;
        std::string text;         // a frame, or an HTTP answer's body
        exchange_key exchange{};  // http_request, http_answer
        int status = 0;           // http_answer
    };

    // An HTTP request from its fetch to its answer.
    struct exchange {
        events::http_request request;
        bool poll = false;         // a long poll
        bool wanted = true;        // false once aborted: its answer is not delivered
        std::size_t messages = 0;  // in the page answered, for stats
    };

    // A long poll the relay holds: nothing after `after` yet.
    struct held_poll {
        seq_t after = 0;
        std::uint32_t limit = 0;
        millis until = 0;  // then answered with what there is (an empty page)
    };

    using packet_key = std::pair<millis, std::uint64_t>;  // arrival, then send order

    // The next thing to happen; with `busy_only`, leaving out what sessions
    // idling over HTTP do for ever (idle_over_http).
    std::optional<millis> next_event(bool busy_only = false) const {
        std::optional<millis> next;
        const auto consider = [&next](std::optional<millis> at) {
            if (at && (!next || *at < *next)) {
                next = at;
            }
        };
        if (!packets_.empty()) {
            next = packets_.begin()->first.first;
        }
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            if (!busy_only || !idle_over_http(i)) {
                consider(clients_[i]->session->next_deadline());
            }
        }
        for (const auto& [key, poll] : held_polls_) {
            if (!busy_only || !idle_over_http(key.first)) {
                consider(poll.until);
            }
        }
        consider(room_->next_deadline());
        return next;
    }

    // Online over HTTP with nothing to do but wait: its long poll is held at
    // the relay, no other request or socket is out, nothing waits to be sent
    // or loaded. Its poll is renewed and a WebSocket tried again for ever,
    // so this is as quiet as such a session gets.
    bool idle_over_http(std::size_t i) const {
        const client& c = *clients_[i];
        if (c.via != carrier::http || !c.online_over_http || c.conn != 0 ||
            c.session->older() == older_state::loading) {
            return false;
        }
        const auto pending = c.session->pending();
        if (std::any_of(pending.begin(), pending.end(),
                        [](const pending_message& message) { return !message.failure; })) {
            return false;
        }
        std::size_t out = 0;
        for (const auto& entry : exchanges_) {
            out += entry.first.first == i ? 1 : 0;
        }
        return out == 1 && std::any_of(held_polls_.begin(), held_polls_.end(),
                                       [i](const auto& entry) { return entry.first.first == i; });
    }

    std::string new_epoch() {
        return generate_epoch([this](std::uint8_t* data, std::size_t size) {
            for (std::size_t k = 0; k < size; ++k) {
                data[k] = static_cast<std::uint8_t>(rng_() & 0xffU);
            }
        });
    }

    void step_once() {
        while (!packets_.empty() && packets_.begin()->first.first <= now_) {
            packet p = std::move(packets_.begin()->second);
            packets_.erase(packets_.begin());
            arrive(p);
        }
        for (auto it = held_polls_.begin(); it != held_polls_.end();) {
            if (it->second.until <= now_) {
                const auto [key, poll] = *it;
                it = held_polls_.erase(it);
                answer_page(key, room_->query(std::nullopt, poll.after, poll.limit));
            } else {
                ++it;
            }
        }
        if (const auto deadline = room_->next_deadline(); deadline && *deadline <= now_) {
            relay_deliver(room_->on_timer(now_));
        }
        relay_flush();
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            auto& s = *clients_[i]->session;
            if (const auto deadline = s.next_deadline(); deadline && *deadline <= now_) {
                s.on_timer(now_);
                drain(i);
                if (const auto again = s.next_deadline(); again && *again <= now_) {
                    stale_deadline_ = true;
                }
            }
        }
    }

    void queue(packet p, millis delay) {
        packets_.emplace(packet_key{now_ + delay, next_order_++}, std::move(p));
    }

    void queue(packet_kind kind, connection_id conn, std::string text, millis delay) {
        queue(packet{kind, conn, std::move(text)}, delay);
    }

    millis link_delay() {
        millis delay = uniform(1, 20);
        if (chance(faults_.reorder)) {
            delay += uniform(20, 400);
        }
        return delay;
    }

    void transmit(packet_kind kind, connection_id conn, const std::string& text) {
        ++stats_.frames;
        if (chance(faults_.drop)) {
            ++stats_.dropped;
            return;
        }
        const int copies = chance(faults_.duplicate) ? 2 : 1;
        stats_.duplicated += copies - 1;
        for (int k = 0; k < copies; ++k) {
            queue(kind, conn, text, link_delay());
        }
    }

    void arrive(const packet& p) {
        if (p.kind == packet_kind::http_request) {
            relay_http(p.exchange);
            return;
        }
        if (p.kind == packet_kind::http_answer) {
            http_deliver(p);
            return;
        }
        const auto it = connections_.find(p.conn);
        if (it == connections_.end()) {
            return;
        }
        client& c = *clients_[it->second.client];
        const std::size_t index = it->second.client;
        switch (p.kind) {
            case packet_kind::opened:
                it->second.state = link_state::open;
                c.session->transport_opened(now_);
                drain(index);
                break;
            case packet_kind::closed:
                connections_.erase(it);
                if (c.conn == p.conn) {
                    c.conn = 0;
                    c.session->transport_closed(now_);
                    drain(index);
                }
                break;
            case packet_kind::to_client:
                if (it->second.state == link_state::open && c.conn == p.conn) {
                    c.session->receive(p.text, now_);
                    drain(index);
                }
                break;
            case packet_kind::to_relay:
                if (it->second.state == link_state::open) {
                    relay_receive(p.conn, it->second, p.text);
                }
                break;
            case packet_kind::http_request:
            case packet_kind::http_answer:
                break;  // handled above: no connection
        }
    }

    // The browser side: frames go on the socket, events drive the transport.
    void drain(std::size_t i) {
        client& c = *clients_[i];
        for (auto& text : c.session->take_frames()) {
            const auto it = connections_.find(c.conn);
            if (it == connections_.end() || it->second.state == link_state::opening) {
                frame_without_transport_ = true;
            } else if (it->second.state == link_state::open) {
                transmit(packet_kind::to_relay, c.conn, text);
            }
        }
        for (auto& event : c.session->take_events()) {
            if (std::holds_alternative<events::open_transport>(event)) {
                open_connection(i);
            } else if (std::holds_alternative<events::close_transport>(event)) {
                // The session already counts this transport as gone, so
                // its close is not reported back.
                if (c.conn != 0) {
                    close_connection(c.conn, false);
                    c.conn = 0;
                }
            } else if (auto* request = std::get_if<events::http_request>(&event)) {
                http_send(i, std::move(*request));
            } else if (const auto* abort = std::get_if<events::http_abort>(&event)) {
                http_abort({i, abort->id});
            } else if (const auto* change = std::get_if<events::connection_changed>(&event)) {
                observe(c, *change);
            } else if (const auto* upsert = std::get_if<events::message_upserted>(&event)) {
                observe(c.record, upsert->message);
                render(c.record, *upsert);
            } else if (std::holds_alternative<events::history_loaded>(event)) {
                ++stats_.history_pages;
            } else if (const auto* reset = std::get_if<events::timeline_reset>(&event)) {
                c.record.epoch_resets += reset->reason == reset_reason::epoch_changed ? 1 : 0;
                ++stats_.resets;
                auto& ui = c.record.ui;
                ui.erase(std::remove_if(ui.begin(), ui.end(),
                                        [](const timeline_message& row) { return row.seq != 0; }),
                         ui.end());
            } else if (std::holds_alternative<events::rate_limited>(event)) {
                ++stats_.rate_limited;
            }
        }
    }

    void observe(client& c, const events::connection_changed& change) {
        if (change.state == connection_state::connecting || change.state == connection_state::online) {
            stats_.fallbacks += c.via == carrier::websocket && change.via == carrier::http ? 1 : 0;
            c.via = change.via;
        }
        // Online over HTTP, connecting over the WebSocket that opened, then
        // online over it with no other state between: taken over.
        const bool switching =
            change.state == connection_state::connecting && change.via == carrier::websocket;
        const bool arrived = change.state == connection_state::online && change.via == carrier::websocket;
        stats_.takeovers += c.taking_over && arrived ? 1 : 0;
        c.taking_over = (c.online_over_http && switching) || (c.taking_over && switching);
        c.online_over_http = change.state == connection_state::online && change.via == carrier::http;
    }

    static void observe(client_record& record, const timeline_message& message) {
        if (std::find(record.sent.begin(), record.sent.end(), message.id) == record.sent.end()) {
            return;
        }
        const auto previous = record.last_state.find(message.id);
        const bool was_sent = previous != record.last_state.end() && previous->second == delivery_state::sent;
        if (message.state == delivery_state::sent && !was_sent) {
            ++record.acknowledgements[message.id];
        }
        record.last_state[message.id] = message.state;
    }

    // What a UI does with an upsert: move or insert the row before `before`.
    static void render(client_record& record, const events::message_upserted& upsert) {
        auto& ui = record.ui;
        const auto same = [](const message_id& id) {
            return [&id](const timeline_message& r) { return r.id == id; };
        };
        ui.erase(std::remove_if(ui.begin(), ui.end(), same(upsert.message.id)), ui.end());
        auto at = ui.end();
        if (upsert.before) {
            at = std::find_if(ui.begin(), ui.end(), same(*upsert.before));
            record.ui_misplaced = record.ui_misplaced || at == ui.end();
        }
        ui.insert(at, upsert.message);
    }

    void open_connection(std::size_t i) {
        client& c = *clients_[i];
        const connection_id id = next_conn_++;
        ++stats_.connections;
        connections_[id] = connection{i, link_state::opening, false};
        c.conn = id;
        const bool fails = !c.network_up || c.websockets_blocked || chance(faults_.refuse);
        queue(fails ? packet_kind::closed : packet_kind::opened, id, {}, uniform(2, 40));
    }

    void close_connection(connection_id id, bool notify_client) {
        const auto it = connections_.find(id);
        if (it == connections_.end()) {
            return;
        }
        for (auto p = packets_.begin(); p != packets_.end();) {
            p = p->second.conn == id ? packets_.erase(p) : std::next(p);
        }
        it->second.state = link_state::cut;
        if (notify_client) {
            queue(packet_kind::closed, id, {}, uniform(1, 30));
        } else {
            connections_.erase(it);
        }
        room_->leave(id, now_);
    }

    // ---- the relay adapter

    void relay_receive(connection_id id, connection& conn, const std::string& text) {
        auto decoded = decode_client_frame(text);
        if (!decoded) {
            relay_reply(id, error_frame{decoded.error().code, decoded.error().detail, std::nullopt});
            return;
        }
        const client_frame& frame = *decoded;
        const user_info& user = clients_[conn.client]->user;
        if (const auto* auth = std::get_if<auth_frame>(&frame)) {
            conn.authed = true;
            conn.batches = auth->batch;
            const room_config& config = room_->config();
            relay_reply(id, welcome_frame{user, static_cast<std::uint32_t>(config.text.max_code_points),
                                          config.rate, now_ + token_lifetime});
            return;
        }
        if (!conn.authed) {
            relay_reply(id, error_frame{errc::auth_required, "auth first", std::nullopt});
            return;
        }
        if (const auto* join = std::get_if<join_frame>(&frame)) {
            relay_deliver(room_->join(id, user, *join, now_));
        } else if (std::holds_alternative<leave_frame>(frame)) {
            room_->leave(id, now_);
        } else if (const auto* send = std::get_if<send_frame>(&frame)) {
            relay_deliver(room_->send(id, *send, now_).actions);
        } else if (const auto* history = std::get_if<history_request_frame>(&frame)) {
            relay_deliver(room_->history(id, *history));
        } else if (const auto* read = std::get_if<read_frame>(&frame)) {
            relay_deliver(room_->mark_read(id, read->seq));
        }
    }

    void relay_reply(connection_id id, const server_frame& frame) { relay_send(id, encode(frame)); }

    // As the relay does: what a client that reads batches is sent during one
    // tick leaves as one message at its end (relay_flush).
    void relay_send(connection_id id, const std::string& text) {
        const auto it = connections_.find(id);
        if (it == connections_.end() || !it->second.batches) {
            transmit(packet_kind::to_client, id, text);
            return;
        }
        frame_batch& batch = outgoing_[id];
        if (!batch.fits(text)) {
            transmit(packet_kind::to_client, id, batch.take());
        }
        batch.add(text);
    }

    void relay_flush() {
        for (auto& [id, batch] : outgoing_) {
            if (batch.frames() > 1) {
                ++stats_.batches;
            }
            transmit(packet_kind::to_client, id, batch.take());
        }
        outgoing_.clear();
    }

    void relay_deliver(const room_actions& actions) {
        bool accepted = false;
        for (const auto& action : actions) {
            if (const auto* message = std::get_if<message_frame>(&action.frame)) {
                accepted_.emplace(message->message.seq, message->message);
                accepted = true;
                if (const auto removes = message->message.removes;
                    removes && accepted_.count(*removes) != 0) {
                    accepted_[*removes] = tombstone(accepted_[*removes]);
                }
            }
            const std::string text = encode(action.frame);
            for (const connection_id target : action.to) {
                const auto it = connections_.find(target);
                if (it != connections_.end() && it->second.state == link_state::open) {
                    relay_send(target, text);
                }
            }
        }
        if (accepted) {
            wake_polls();
        }
    }

    // ---- HTTP: the browser's fetches and the relay's HTTP API

    void http_send(std::size_t i, events::http_request request) {
        ++stats_.http_requests;
        const bool poll = request.target.find("wait_ms=") != std::string::npos;
        stats_.polls += poll ? 1 : 0;
        stats_.posts += request.method == "POST" ? 1 : 0;
        const exchange_key key{i, request.id};
        if (request.method == "POST") {
            posts_overlapped_ |= std::any_of(exchanges_.begin(), exchanges_.end(), [i](const auto& out) {
                return out.first.first == i && out.second.wanted && out.second.request.method == "POST";
            });
        }
        exchanges_[key] = exchange{std::move(request), poll};
        if (!clients_[i]->network_up || chance(faults_.drop)) {
            http_fail(key);  // it never got there
            return;
        }
        if (chance(faults_.drop)) {
            // The proxy holds it without reaching the relay, and then times
            // out with a page of its own, or never answers: a fetch has no
            // timeout, so only the session's own timers end it.
            if (chance(500)) {
                queue(packet{packet_kind::http_answer, 0, "<html>504 Gateway Timeout</html>", key, 504},
                      proxy_timeout);
            }
            return;
        }
        queue(packet{packet_kind::http_request, 0, {}, key}, link_delay());
    }

    // An aborted fetch: its answer is not delivered, but a POST already on
    // its way may still reach the relay, which then sends it all the same.
    void http_abort(const exchange_key& key) {
        const auto it = exchanges_.find(key);
        if (it == exchanges_.end()) {
            return;
        }
        it->second.wanted = false;
        held_polls_.erase(key);
        const bool posting =
            it->second.request.method == "POST" &&
            std::any_of(packets_.begin(), packets_.end(), [&key](const auto& entry) {
                return entry.second.kind == packet_kind::http_request && entry.second.exchange == key;
            });
        if (!posting) {
            exchanges_.erase(it);
        }
    }

    // The fetch fails: no answer (status 0) reaches the session, a little later.
    void http_fail(const exchange_key& key) {
        ++stats_.http_failed;
        queue(packet{packet_kind::http_answer, 0, {}, key, 0}, uniform(1, 30));
    }

    // What is on the link for this request, either way, is gone.
    void unqueue(const exchange_key& key) {
        for (auto p = packets_.begin(); p != packets_.end();) {
            const bool http =
                p->second.kind == packet_kind::http_request || p->second.kind == packet_kind::http_answer;
            p = http && p->second.exchange == key ? packets_.erase(p) : std::next(p);
        }
    }

    void http_deliver(const packet& p) {
        const auto it = exchanges_.find(p.exchange);
        if (it == exchanges_.end()) {
            return;
        }
        const exchange done = std::move(it->second);
        exchanges_.erase(it);
        if (!done.wanted) {
            return;
        }
        const bool answered = p.status >= 200 && p.status < 300;
        stats_.polled += done.poll && answered ? static_cast<int>(done.messages) : 0;
        stats_.posts_acked += done.request.method == "POST" && answered ? 1 : 0;
        const std::size_t i = p.exchange.first;
        clients_[i]->session->http_response(done.request.id, p.status, p.text, now_);
        drain(i);
    }

    // A request reaches the relay, which answers like relay/src/http_routes.cpp.
    void relay_http(const exchange_key& key) {
        const auto it = exchanges_.find(key);
        if (it == exchanges_.end()) {
            return;
        }
        const events::http_request& request = it->second.request;
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (path != "api/rooms/lobby/messages" || request.token.empty()) {
            bad_request(key);
        } else if (request.method == "POST") {
            relay_post(key, request.body);
        } else if (request.method == "GET" && request.body.empty()) {
            relay_get(key, request.target.substr(std::min(request.target.size(), path.size() + 1)));
        } else {
            bad_request(key);
        }
    }

    // GET: a page (before, after or the latest) or, with wait_ms, a long
    // poll held while nothing comes after `after` (hub::poll).
    void relay_get(const exchange_key& key, const std::string& query) {
        std::map<std::string, seq_t> params;
        for (std::size_t at = 0; at < query.size();) {
            const std::size_t end = std::min(query.find('&', at), query.size());
            const std::size_t equals = query.find('=', at);
            seq_t value = 0;
            const char* last = query.data() + end;
            if (equals >= end || std::from_chars(query.data() + equals + 1, last, value).ptr != last ||
                equals + 1 == end) {
                bad_request(key);
                return;
            }
            params[query.substr(at, equals - at)] = value;
            at = end + 1;
        }
        const auto param = [&params](const std::string& name) -> std::optional<seq_t> {
            const auto found = params.find(name);
            return found == params.end() ? std::nullopt : std::optional<seq_t>(found->second);
        };
        const auto before = param("before");
        const auto after = param("after");
        const auto wait_ms = param("wait_ms");
        const auto limit = param("limit").value_or(room_->config().page_size);
        const history_request_frame history{"lobby", before, after, static_cast<std::uint32_t>(limit)};
        if (limit > std::numeric_limits<std::uint32_t>::max() || check_history_request(history) ||
            (wait_ms && (!after || *wait_ms > max_poll_wait_ms))) {
            bad_request(key);
            return;
        }
        history_frame page = room_->query(before, after, history.limit);
        if (wait_ms && *wait_ms > 0 && page.messages.empty() && *after <= room_->latest_seq()) {
            held_polls_[key] = held_poll{*after, history.limit, now_ + static_cast<millis>(*wait_ms)};
            return;
        }
        answer_page(key, page);
    }

    // POST: the body's send frame goes through the room as the token's user
    // (hub::post_message); the answer is the ack, or the nack as an error.
    void relay_post(const exchange_key& key, const std::string& body) {
        const auto frame = decode_client_frame(body);
        const auto* send = frame ? std::get_if<send_frame>(&*frame) : nullptr;
        if (send == nullptr) {
            bad_request(key);
            return;
        }
        const send_result sent = room_->send_as(clients_[key.first]->user, *send, now_);
        relay_deliver(sent.actions);
        if (const auto& nack = sent.outcome.nack) {
            relay_answer(key,
                         nack->code == errc::rate_limited  ? 429
                         : nack->code == errc::id_conflict ? 409
                                                           : 400,
                         error_body(nack->code, nack->retry_after_ms));
        } else {
            relay_answer(key, sent.outcome.duplicate ? 200 : 201, encode(server_frame{*sent.outcome.ack}));
        }
    }

    void bad_request(const exchange_key& key) {
        bad_http_request_ = true;
        relay_answer(key, 400, error_body(errc::wrong_type, std::nullopt));
    }

    // The relay's error answer: {"error":{"code","message","retry_after_ms"?}}.
    static std::string error_body(errc code, std::optional<std::uint32_t> retry_after_ms) {
        nlohmann::json error{{"code", to_string(code)}, {"message", message(code)}};
        if (retry_after_ms) {
            error["retry_after_ms"] = *retry_after_ms;
        }
        return nlohmann::json{{"error", error}}.dump();
    }

    void answer_page(const exchange_key& key, const history_frame& page) {
        if (const auto it = exchanges_.find(key); it != exchanges_.end()) {
            it->second.messages = page.messages.size();
        }
        relay_answer(key, 200, encode(server_frame{page}));
    }

    // The answer goes back over the link, or is lost on the way: the fetch fails.
    void relay_answer(const exchange_key& key, int status, std::string body) {
        const auto it = exchanges_.find(key);
        if (it == exchanges_.end()) {
            return;
        }
        if (!it->second.wanted) {
            exchanges_.erase(it);
            return;
        }
        if (chance(faults_.drop)) {
            http_fail(key);
            return;
        }
        queue(packet{packet_kind::http_answer, 0, std::move(body), key, status}, link_delay());
    }

    // The room accepted a message: every held poll gets the page after its position (hub::wake_polls).
    void wake_polls() {
        const auto held = std::exchange(held_polls_, {});
        for (const auto& [key, poll] : held) {
            answer_page(key, room_->query(std::nullopt, poll.after, poll.limit));
        }
    }

    // Tokens outlive any run, so token refreshes never come due.
    static constexpr millis token_lifetime = 365LL * 24 * 3'600'000;
    static constexpr millis quiet_horizon = 24LL * 3'600'000;
    static constexpr seq_t max_poll_wait_ms = 30'000;  // the relay's (relay/src/config.hpp)
    static constexpr millis proxy_timeout = 60'000;

    std::mt19937_64 rng_;
    room_config room_config_;
    std::unique_ptr<local_room> room_;
    std::vector<std::unique_ptr<client>> clients_;
    std::map<connection_id, connection> connections_;
    std::map<packet_key, packet> packets_;
    std::map<connection_id, frame_batch> outgoing_;
    std::map<exchange_key, exchange> exchanges_;  // HTTP requests until their answers arrive
    std::map<exchange_key, held_poll> held_polls_;
    std::map<seq_t, chat_message> accepted_;
    std::set<message_id> accepted_before_;
    link_faults faults_;
    world_stats stats_;
    millis now_ = 1'700'000'000'000;
    std::uint64_t next_order_ = 0;
    connection_id next_conn_ = 1;
    bool stale_deadline_ = false;
    bool frame_without_transport_ = false;
    bool bad_http_request_ = false;
    bool posts_overlapped_ = false;
};

}  // namespace roomchat::sim
