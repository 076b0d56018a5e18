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

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "roomchat/batch.hpp"
#include "roomchat/client_session.hpp"
#include "roomchat/codec.hpp"
#include "roomchat/room.hpp"

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
    int connections = 0;    // transports opened (first connects and reconnects)
    int cuts = 0;           // connections broken under a client
    int frames = 0;         // frames put on the link, both directions
    int dropped = 0;        // frames the link lost
    int duplicated = 0;     // frames the link delivered twice
    int resets = 0;         // timeline_reset events (truncated history)
    int rate_limited = 0;   // rate_limited events
    int history_pages = 0;  // history_loaded events
    int batches = 0;        // batch frames the relay sent (two frames or more)
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
        : rng_(seed), room_config_(room), room_(std::make_unique<class room>("lobby", new_epoch(), room)) {
        for (std::size_t i = 0; i < clients; ++i) {
            // With second_tab, the last client is another tab of user 0.
            const std::size_t user = second_tab && i + 1 == clients ? 0 : i;
            auto c = std::make_unique<client>();
            c->user = user_info{"u" + std::to_string(user), "User " + std::to_string(user)};
            c->engine.seed(rng_());
            std::mt19937* engine = &c->engine;
            client_config config;
            config.room = "lobby";
            config.token = "token-of-" + c->user.id;
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
    // a day (the token refresh is further out); false if that takes longer
    // than `within` of virtual time.
    bool run_until_quiet(millis within) {
        const millis limit = now_ + within;
        for (;;) {
            const std::optional<millis> next = next_event();
            if (!next || *next >= now_ + quiet_horizon) {
                return true;
            }
            if (*next > limit) {
                return false;
            }
            now_ = std::max(now_, *next);
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
        room_ = std::make_unique<class room>("lobby", new_epoch(), room_config_);
    }

    // The link breaks under one client's connection.
    void cut(std::size_t i) {
        if (clients_[i]->conn != 0) {
            ++stats_.cuts;
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
    const room& relay_room() const { return *room_; }
    // Every message the room accepted in its current epoch, by seq, as it broadcast them.
    const std::map<seq_t, chat_message>& accepted() const { return accepted_; }
    // Ids the room accepted in earlier epochs, before restarts.
    const std::set<message_id>& accepted_before() const { return accepted_before_; }
    millis now() const { return now_; }
    // Set when a session's deadline did not move past a timer that fired.
    bool stale_deadline() const { return stale_deadline_; }
    // Set when a session produced a frame with no open transport.
    bool frame_without_transport() const { return frame_without_transport_; }

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

    enum class packet_kind { to_relay, to_client, opened, closed };

    struct packet {
        packet_kind kind = packet_kind::to_relay;
        connection_id conn = 0;
        std::string text;
    };

    using packet_key = std::pair<millis, std::uint64_t>;  // arrival, then send order

    std::optional<millis> next_event() const {
        std::optional<millis> next;
        if (!packets_.empty()) {
            next = packets_.begin()->first.first;
        }
        for (const auto& c : clients_) {
            if (const auto deadline = c->session->next_deadline(); deadline && (!next || *deadline < *next)) {
                next = deadline;
            }
        }
        if (const auto deadline = room_->next_deadline(); deadline && (!next || *deadline < *next)) {
            next = deadline;
        }
        return next;
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

    void queue(packet_kind kind, connection_id conn, std::string text, millis delay) {
        packets_.emplace(packet_key{now_ + delay, next_order_++}, packet{kind, conn, std::move(text)});
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
            millis delay = uniform(1, 20);
            if (chance(faults_.reorder)) {
                delay += uniform(20, 400);
            }
            queue(kind, conn, text, delay);
        }
    }

    void arrive(const packet& p) {
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
        const bool fails = !c.network_up || chance(faults_.refuse);
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
            relay_deliver(room_->send(id, send->id, send->text, now_).actions);
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
        for (const auto& action : actions) {
            if (const auto* message = std::get_if<message_frame>(&action.frame)) {
                accepted_.emplace(message->message.seq, message->message);
            }
            const std::string text = encode(action.frame);
            for (const connection_id target : action.to) {
                const auto it = connections_.find(target);
                if (it != connections_.end() && it->second.state == link_state::open) {
                    relay_send(target, text);
                }
            }
        }
    }

    // Tokens outlive any run, so token refreshes never come due.
    static constexpr millis token_lifetime = 365LL * 24 * 3'600'000;
    static constexpr millis quiet_horizon = 24LL * 3'600'000;

    std::mt19937_64 rng_;
    room_config room_config_;
    std::unique_ptr<room> room_;
    std::vector<std::unique_ptr<client>> clients_;
    std::map<connection_id, connection> connections_;
    std::map<packet_key, packet> packets_;
    std::map<connection_id, frame_batch> outgoing_;
    std::map<seq_t, chat_message> accepted_;
    std::set<message_id> accepted_before_;
    link_faults faults_;
    world_stats stats_;
    millis now_ = 1'700'000'000'000;
    std::uint64_t next_order_ = 0;
    connection_id next_conn_ = 1;
    bool stale_deadline_ = false;
    bool frame_without_transport_ = false;
};

}  // namespace roomchat::sim
