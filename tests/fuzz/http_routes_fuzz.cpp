// http_routes::handle as the relay wires it (relay/src/main.cpp): a hub, a
// room registry and static files over a small web root, a transport that
// drops what it is given, an io_context that never runs. The input is one or
// more requests separated by NUL bytes, each written as
//   METHOD TARGET\n
//   Authorization header value\n
//   body
// so the seeds read like requests and carry real tokens (signed with the
// secret below, expiring in 2100). Checked: no 500; JSON where JSON is
// promised, errors with a code and a message; history pages ascending; a 401
// asks for a Bearer token; a 429 says when to retry; and nothing outside the
// web root is ever served, even through a symlink inside it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "roomchat/codec.hpp"
#include "roomchat/ids.hpp"

#include "check.hpp"
#include "config.hpp"
#include "http_routes.hpp"
#include "hub.hpp"
#include "logging.hpp"
#include "memory_store.hpp"
#include "metrics.hpp"
#include "room_registry.hpp"
#include "static_files.hpp"
#include "token_verifier.hpp"
#include "transport.hpp"

namespace {

namespace fs = std::filesystem;
using namespace roomchat;
using namespace roomchat::relay;
using roomchat::fuzz::check;

constexpr millis start_time = 1'700'000'000'000;
const std::string secret = "fuzz-secret-0123456789abcdefghijklmnopqr";
const std::string secret_file_text = "outside the web root: never served\n";

// A temporary web root, made once: two files, a symlink leading out of it,
// and a file beside it that must stay unreachable. Removed at exit.
class web_root {
public:
    web_root() : base_(fs::temp_directory_path() / ("roomchat-http-fuzz-" + std::to_string(::getpid()))) {
        std::error_code ec;
        fs::remove_all(base_, ec);  // left behind by a crashed run with this pid
        fs::create_directories(base_ / "site" / "js");
        write("site/index.html", "<!doctype html><title>roomchat</title>\n");
        write("site/js/app.js", "export const answer = 42;\n");
        write("secret.txt", secret_file_text);
        fs::create_symlink(base_ / "secret.txt", base_ / "site" / "leak.txt");
        files_.emplace(base_ / "site");
    }
    ~web_root() {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    web_root(const web_root&) = delete;
    web_root& operator=(const web_root&) = delete;

    const static_files& files() const { return *files_; }
    const std::set<std::string>& servable() const { return servable_; }

private:
    void write(const std::string& name, const std::string& text) {
        std::ofstream(base_ / name, std::ios::binary) << text;
        if (name.rfind("site/", 0) == 0) servable_.insert(text);
    }

    fs::path base_;
    std::set<std::string> servable_;
    std::optional<static_files> files_;
};

// Discards frames and wake-ups; keeps the answers of held polls for checking.
class poll_recording_transport final : public transport {
public:
    void send(connection_id /*conn*/, std::string /*payload*/) override {}
    void broadcast(const std::vector<connection_id>& /*to*/, std::string /*payload*/) override {}
    void allow_batches(connection_id /*conn*/, bool /*allowed*/) override {}
    void close(connection_id /*conn*/, std::uint16_t /*code*/, const std::string& /*reason*/) override {}
    void wake_at(connection_id /*conn*/, millis /*at*/) override {}
    void answer_http(connection_id conn, const api_answer& answer) override {
        answers.emplace_back(conn, answer);
    }

    std::vector<std::pair<connection_id, api_answer>> answers;
};

// Room epochs that repeat from run to run, unlike the relay's CSPRNG.
random_source counting_random() {
    return [next = std::uint8_t{0}](std::uint8_t* data, std::size_t size) mutable {
        for (std::size_t i = 0; i < size; ++i) data[i] = ++next;
    };
}

// Cuts `text` up to the first `end`, which is dropped, or takes all of it.
std::string_view cut(std::string_view& text, char end) {
    const auto found = text.find(end);
    const std::string_view piece = text.substr(0, found);
    text.remove_prefix(found == std::string_view::npos ? text.size() : found + 1);
    return piece;
}

http_request parse_request(std::string_view text) {
    http_request request;
    const std::string_view line = cut(text, '\n');
    const auto space = line.find(' ');
    request.method = std::string(line.substr(0, space));
    request.target = space == std::string_view::npos ? std::string() : std::string(line.substr(space + 1));
    request.authorization = std::string(cut(text, '\n'));
    request.body = std::string(text);
    request.peer = "192.0.2.1";
    return request;
}

bool is_text(const nlohmann::json& object, const char* key) {
    const auto field = object.find(key);
    return field != object.end() && field->is_string() && !field->get_ref<const std::string&>().empty();
}

bool has_header(const http_response& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name && !value.empty()) return true;
    }
    return false;
}

void check_response(const http_response& response, const web_root& root) {
    static const std::set<int> statuses{200, 201, 204, 400, 401, 403, 404, 405, 409, 429, 503};
    check(statuses.count(response.status) == 1, "a known status, never 500");
    check(response.body.find(secret_file_text) == std::string::npos,
          "nothing outside the web root is served");
    if (response.status == 204) {
        check(response.body.empty() && has_header(response, "Access-Control-Allow-Methods"),
              "only a preflight is answered with no content");
        return;
    }
    if (response.content_type != "application/json") {
        const bool metrics = response.content_type.rfind("text/plain; version=0.0.4", 0) == 0;
        check(response.status == 200 && (metrics || root.servable().count(response.body) == 1),
              "anything but JSON is metrics or a file of the web root");
        return;
    }
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    check(body.is_object(), "a JSON response is an object");
    if (response.status >= 400) {
        const auto error = body.find("error");
        check(error != body.end() && error->is_object() && is_text(*error, "code") &&
                  is_text(*error, "message"),
              "an error has a code and a message");
        if (response.status == 401) check(has_header(response, "WWW-Authenticate"), "a 401 asks for a token");
        if (response.status == 429) check(has_header(response, "Retry-After"), "a 429 says when to retry");
        return;
    }
    const auto decoded = decode_server_frame(response.body);
    const server_frame* frame = decoded ? &*decoded : nullptr;
    check(response.status != 201 || (frame != nullptr && std::holds_alternative<ack_frame>(*frame)),
          "a new message is answered with its ack");
    if (const auto* page = frame != nullptr ? std::get_if<history_frame>(frame) : nullptr) {
        for (std::size_t i = 1; i < page->messages.size(); ++i) {
            check(page->messages[i - 1].seq < page->messages[i].seq, "a history page is ascending");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const web_root root;
    static const token_verifier verifier(secret);
    static std::ostream nowhere(nullptr);
    static logger log(log_level::error, nowhere);

    relay_config config;
    config.dev_auth = true;
    config.max_rooms = 2;
    config.room.history.max_messages = 8;
    config.room.page_size = 5;
    config.room.max_page_size = 10;

    boost::asio::io_context io;
    store::memory_store store(config.room, config.user_send_rate, counting_random());
    room_registry rooms(io, config.room, config.max_rooms, std::chrono::milliseconds(config.room_idle_ttl_ms),
                        store);
    relay_metrics metrics;
    hub hub(config, rooms, store, verifier, metrics, log);
    poll_recording_transport out;
    hub.set_transport(&out);
    http_routes routes(hub, root.files(), metrics, rooms, verifier);

    // Held polls (wait_ms) are answered by later requests' messages, or all at the end.
    std::map<connection_id, http_request> held;
    const auto check_answers = [&] {
        for (const auto& [held_conn, answer] : std::exchange(out.answers, {})) {
            const auto request = held.find(held_conn);
            check(request != held.end(), "only a held poll is answered");
            check_response(routes.answer_response(request->second, answer), root);
            held.erase(request);
        }
    };
    std::string_view input(reinterpret_cast<const char*>(data), size);
    connection_id conn = 0;
    for (millis now = start_time; !input.empty(); now += 100) {
        http_request request = parse_request(cut(input, '\0'));
        request.conn = ++conn;
        if (const auto response = routes.handle(request, now)) {
            check_response(*response, root);
        } else {
            held.emplace(request.conn, request);
        }
        check_answers();
    }
    hub.shutdown();
    check_answers();
    return 0;
}
