#include "client_pool.hpp"

#include <algorithm>

#include <boost/asio/executor_work_guard.hpp>
#include <websocketpp/client.hpp>

#include "roomchat/codec.hpp"

#include "load_client_config.hpp"
#include "tokens.hpp"

namespace roomchat::load {

using ws_endpoint = websocketpp::client<load_client_config>;

class client_pool::endpoint : public ws_endpoint {};

enum class client_state { waiting, connecting, joining, ready, failed, closed };

struct client_pool::client {
    client_spec spec;
    client_state state = client_state::waiting;
    ws_endpoint::connection_ptr con;
    clock::time_point join_sent;
};

client_pool::client_pool(boost::asio::io_context& io, std::vector<std::string> urls, std::string secret,
                         bool batch)
    : io_(io),
      urls_(std::move(urls)),
      secret_(std::move(secret)),
      batch_(batch),
      endpoint_(std::make_unique<endpoint>()) {
    endpoint_->clear_access_channels(websocketpp::log::alevel::all);
    endpoint_->clear_error_channels(websocketpp::log::elevel::all);
    endpoint_->init_asio(&io_);
}

client_pool::~client_pool() = default;

const client_spec& client_pool::spec(std::size_t client) const { return clients_[client]->spec; }

void client_pool::open(const std::vector<client_spec>& specs, std::size_t in_flight) {
    for (const auto& s : specs) {
        clients_.push_back(std::make_unique<client>());
        clients_.back()->spec = s;
    }
    window_ = std::max<std::size_t>(in_flight, 1);
    while (in_flight_ < window_ && next_ < clients_.size()) start(next_++);
}

void client_pool::start(std::size_t index) {
    client& c = *clients_[index];
    ++in_flight_;
    websocketpp::lib::error_code ec;
    c.con = endpoint_->get_connection(urls_[c.spec.seat % urls_.size()], ec);
    if (ec) {
        finished_opening(index, false);
        return;
    }
    c.state = client_state::connecting;
    std::string auth = encode(
        auth_frame{relay_test::mint(relay_test::claims_for(c.spec.user, c.spec.room), secret_), batch_});
    c.con->set_open_handler([this, index, auth = std::move(auth)](const websocketpp::connection_hdl&) {
        clients_[index]->con->send(auth, websocketpp::frame::opcode::text);
    });
    c.con->set_fail_handler([this, index](const websocketpp::connection_hdl&) {
        note_failure(index, "could not open: " + clients_[index]->con->get_ec().message());
        finished_opening(index, false);
    });
    c.con->set_close_handler([this, index](const websocketpp::connection_hdl&) {
        client& closed = *clients_[index];
        if (closed.state == client_state::ready && !closing_) ++closed_by_relay_;
        if (closed.state == client_state::connecting || closed.state == client_state::joining) {
            note_failure(
                index, "closed while opening: " + std::to_string(closed.con->get_remote_close_code()) + " " +
                           closed.con->get_remote_close_reason() + " (" + closed.con->get_ec().message() +
                           ")");
            finished_opening(index, false);
        }
        closed.state = client_state::closed;
    });
    c.con->set_message_handler([this, index](const websocketpp::connection_hdl&,
                                             const ws_endpoint::message_ptr& message) {
        const auto at = clock::now();
        last_frame_ = at;
        for_each_frame(message->get_payload(), [&](std::string_view frame) { receive(index, frame, at); });
    });
    endpoint_->connect(c.con);
}

void client_pool::receive(std::size_t index, std::string_view payload, clock::time_point at) {
    client& c = *clients_[index];
    const scanned_frame frame = scan_frame(payload);
    if (frame.kind == frame_kind::error) note_failure(index, std::string(payload));
    switch (c.state) {
        case client_state::ready:
            if (handler_) handler_(index, frame, at);
            return;
        case client_state::connecting:
            if (frame.kind == frame_kind::welcome) {
                c.state = client_state::joining;
                c.join_sent = clock::now();
                c.con->send(encode(join_frame{c.spec.room, std::nullopt, std::nullopt}),
                            websocketpp::frame::opcode::text);
            } else if (frame.kind == frame_kind::error) {
                finished_opening(index, false);
            }
            return;
        case client_state::joining:
            // History follows joined: the client is in.
            if (frame.kind == frame_kind::history) {
                join_latency_.add(at - c.join_sent);
                finished_opening(index, true);
            } else if (frame.kind == frame_kind::error) {
                finished_opening(index, false);
            }
            return;
        default:
            return;
    }
}

void client_pool::note_failure(std::size_t index, const std::string& what) {
    if (first_error_.empty()) first_error_ = clients_[index]->spec.user + ": " + what;
}

void client_pool::finished_opening(std::size_t index, bool ok) {
    client& c = *clients_[index];
    if (c.state == client_state::ready || c.state == client_state::failed) return;
    c.state = ok ? client_state::ready : client_state::failed;
    ++(ok ? ready_ : failed_);
    --in_flight_;
    while (in_flight_ < window_ && next_ < clients_.size()) start(next_++);
}

void client_pool::send(std::size_t index, const std::string& text) {
    client& c = *clients_[index];
    if (c.state != client_state::ready) return;
    c.con->send(text, websocketpp::frame::opcode::text);
}

void client_pool::close_all() {
    closing_ = true;
    for (auto& c : clients_) {
        if (c->state != client_state::ready) continue;
        websocketpp::lib::error_code ignored;
        c->con->close(websocketpp::close::status::normal, "", ignored);
    }
    run_until(
        io_,
        [this] {
            for (const auto& c : clients_) {
                if (c->con && c->state == client_state::ready &&
                    c->con->get_state() != websocketpp::session::state::closed)
                    return false;
            }
            return true;
        },
        clock::now() + std::chrono::seconds(3));
}

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, clock::time_point deadline) {
    const auto guard = boost::asio::make_work_guard(io);
    if (io.stopped()) io.restart();
    // `done` may turn on time alone (a quiet spell), so no wait is longer than 50 ms.
    while (!done()) {
        const auto now = clock::now();
        if (now >= deadline) return false;
        io.run_one_until(std::min(deadline, now + std::chrono::milliseconds(50)));
    }
    return true;
}

}  // namespace roomchat::load
