#include "ws_client.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/ssl/context.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>

namespace roomchat::relay_test {

struct ws_client::impl {
    virtual ~impl() = default;
    virtual void send(const std::string& payload, websocketpp::frame::opcode::value op) = 0;
    virtual void pause() = 0;
    virtual void close() = 0;

    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::string> frames;
    bool opened = false;
    bool failed = false;
    int http_status = 0;
    std::optional<close_info> closed;
};

namespace {

template <typename Config>
class client_impl final : public ws_client::impl {
public:
    using client_type = websocketpp::client<Config>;

    client_impl(const std::string& url, const client_options& options) {
        client_.clear_access_channels(websocketpp::log::alevel::all);
        client_.clear_error_channels(websocketpp::log::elevel::all);
        client_.init_asio();
        if constexpr (std::is_same_v<Config, websocketpp::config::asio_tls_client>) {
            client_.set_tls_init_handler([](websocketpp::connection_hdl) {
                auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
                ctx->set_verify_mode(boost::asio::ssl::verify_none);
                return ctx;
            });
        } else if (options.small_receive_buffer) {
            // Once connected: the socket does not exist before.
            client_.set_tcp_pre_init_handler([this](websocketpp::connection_hdl hdl) {
                boost::system::error_code ec;
                client_.get_con_from_hdl(hdl)->get_raw_socket().set_option(
                    boost::asio::socket_base::receive_buffer_size(4096), ec);
            });
        }
        client_.set_open_handler(
            [this](websocketpp::connection_hdl) { update([](impl& s) { s.opened = true; }); });
        client_.set_fail_handler([this](websocketpp::connection_hdl hdl) {
            const int status = client_.get_con_from_hdl(hdl)->get_response().get_status_code();
            update([status](impl& s) {
                s.failed = true;
                s.http_status = status;
                s.closed = close_info{};
            });
        });
        client_.set_close_handler([this](websocketpp::connection_hdl hdl) {
            auto con = client_.get_con_from_hdl(hdl);
            close_info info{con->get_remote_close_code(), con->get_remote_close_reason()};
            update([&info](impl& s) { s.closed = info; });
        });
        client_.set_message_handler(
            [this](websocketpp::connection_hdl, typename client_type::message_ptr message) {
                std::string payload = message->get_payload();
                update([&payload](impl& s) { s.frames.push_back(std::move(payload)); });
            });
        websocketpp::lib::error_code ec;
        con_ = client_.get_connection(url, ec);
        if (ec) {
            update([](impl& s) {
                s.failed = true;
                s.closed = close_info{};
            });
            return;
        }
        if (!options.origin.empty()) con_->replace_header("Origin", options.origin);
        client_.connect(con_);
        thread_ = std::thread([this] { client_.run(); });
    }

    ~client_impl() override {
        close();
        {
            std::unique_lock lock(mutex);
            changed.wait_for(lock, 500ms, [this] { return closed.has_value(); });
        }
        client_.stop();
        if (thread_.joinable()) thread_.join();
    }

    void send(const std::string& payload, websocketpp::frame::opcode::value op) override {
        websocketpp::lib::error_code ec;
        client_.send(con_->get_handle(), payload, op, ec);
    }

    void pause() override { con_->pause_reading(); }

    void close() override {
        if (!con_) return;
        websocketpp::lib::error_code ec;
        client_.close(con_->get_handle(), websocketpp::close::status::normal, "bye", ec);
    }

private:
    template <typename F>
    void update(F&& change) {
        {
            const std::lock_guard lock(mutex);
            change(*this);
        }
        changed.notify_all();
    }

    client_type client_;
    typename client_type::connection_ptr con_;
    std::thread thread_;
};

}  // namespace

ws_client::ws_client(const std::string& url, client_options options) {
    if (options.tls) {
        impl_ = std::make_unique<client_impl<websocketpp::config::asio_tls_client>>(url, options);
    } else {
        impl_ = std::make_unique<client_impl<websocketpp::config::asio_client>>(url, options);
    }
}

ws_client::~ws_client() = default;

bool ws_client::wait_open(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    impl_->changed.wait_for(lock, timeout, [this] { return impl_->opened || impl_->failed; });
    return impl_->opened;
}

int ws_client::http_status() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->http_status;
}

void ws_client::send_text(const std::string& text) { impl_->send(text, websocketpp::frame::opcode::text); }
void ws_client::send_binary(const std::string& bytes) {
    impl_->send(bytes, websocketpp::frame::opcode::binary);
}

std::optional<std::string> ws_client::next_text(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    if (!impl_->changed.wait_for(lock, timeout, [this] { return !impl_->frames.empty(); }))
        return std::nullopt;
    std::string text = std::move(impl_->frames.front());
    impl_->frames.pop_front();
    return text;
}

std::optional<close_info> ws_client::wait_closed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    impl_->changed.wait_for(lock, timeout, [this] { return impl_->closed.has_value(); });
    return impl_->closed;
}

bool ws_client::is_open() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->opened && !impl_->closed;
}

void ws_client::pause_reading() { impl_->pause(); }
void ws_client::close() { impl_->close(); }

std::unique_ptr<ws_client> authed_client(const std::string& url, const std::string& token,
                                         client_options options) {
    auto client = std::make_unique<ws_client>(url, std::move(options));
    if (!client->wait_open()) return nullptr;
    client->send(auth_frame{token});
    // The answer is welcome or an error frame, whichever comes first.
    while (auto text = client->next_text()) {
        auto decoded = decode_server_frame(*text);
        const auto* frame = (decoded ? &*decoded : nullptr);
        if (frame == nullptr) continue;
        if (std::holds_alternative<welcome_frame>(*frame)) return client;
        if (std::holds_alternative<error_frame>(*frame)) return nullptr;
    }
    return nullptr;
}

std::optional<join_answer> join(ws_client& client, const std::string& room, std::optional<seq_t> since,
                                std::optional<std::string> epoch) {
    client.send(join_frame{room, since, std::move(epoch)});
    auto joined = client.wait_for<joined_frame>([&](const joined_frame& f) { return f.room == room; });
    if (!joined) return std::nullopt;
    auto history = client.wait_for<history_frame>([&](const history_frame& f) { return f.room == room; });
    if (!history) return std::nullopt;
    return join_answer{std::move(*joined), std::move(*history)};
}

message_id test_message_id() {
    static std::atomic<std::uint64_t> counter{1};
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    std::uint64_t value = counter++;
    bytes[0] = 0x5e;  // never all zero
    for (std::size_t i = 0; i < 8; ++i)
        bytes[message_id::size_bytes - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
    return message_id(bytes);
}

}  // namespace roomchat::relay_test
