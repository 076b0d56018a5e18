#pragma once
// A real WebSocket client (websocketpp, its own I/O thread) for talking to
// the relay with exact control over frames: raw text, binary, pausing reads.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "roomchat/codec.hpp"

namespace roomchat::relay_test {

using namespace std::chrono_literals;

struct client_options {
    std::string origin;                 // sent as Origin when set
    bool tls = false;                   // wss:// without certificate verification
    bool small_receive_buffer = false;  // so a paused reader backs up the relay quickly
};

struct close_info {
    int code = 0;  // close code the relay sent (0: none, e.g. cut)
    std::string reason;
};

class ws_client {
public:
    explicit ws_client(const std::string& url, client_options options = {});
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // Waits for the handshake; false when it failed (http_status() says why).
    bool wait_open(std::chrono::milliseconds timeout = 5s);
    int http_status() const;

    void send_text(const std::string& text);
    void send_binary(const std::string& bytes);
    void send(const client_frame& frame) { send_text(encode(frame)); }

    // The next text frame received, in order; nullopt on timeout.
    std::optional<std::string> next_text(std::chrono::milliseconds timeout = 5s);
    // Skips frames until one decodes to T and satisfies `match` (empty: any T).
    template <typename T>
    std::optional<T> wait_for(
        const std::function<bool(const T&)>& match = [](const T&) { return true; },
        std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            const auto text = next_text(left);
            if (!text) return std::nullopt;
            auto decoded = decode_server_frame(*text);
            if (auto* frame = (decoded ? &*decoded : nullptr)) {
                if (auto* wanted = std::get_if<T>(frame); wanted != nullptr && (!match || match(*wanted)))
                    return *wanted;
            }
        }
    }

    // Waits until the relay closed the connection; its close code and reason.
    std::optional<close_info> wait_closed(std::chrono::milliseconds timeout = 5s);
    bool is_open() const;
    void pause_reading();
    void close();

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

// Connects, authenticates with `token` and waits for welcome; nullptr on failure.
std::unique_ptr<ws_client> authed_client(const std::string& url, const std::string& token,
                                         client_options options = {});

// join + the joined and history answers.
struct join_answer {
    joined_frame joined;
    history_frame history;
};
std::optional<join_answer> join(ws_client& client, const std::string& room, std::optional<seq_t> since = {},
                                std::optional<std::string> epoch = {});

// A message id from a counter, unique within the test process.
message_id test_message_id();

}  // namespace roomchat::relay_test
