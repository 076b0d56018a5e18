#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <boost/program_options.hpp>

#include "redis_url.hpp"

namespace po = boost::program_options;

namespace roomchat::relay {
namespace {

constexpr std::string_view env_prefix = "ROOMCHAT_";

// ROOMCHAT_MAX_ROOMS -> max-rooms; anything not an option maps to "" and is
// ignored. So are --help and --version: they are asked for, not configured,
// and a ROOMCHAT_VERSION some script exported must not stop a service.
std::string env_to_option(const std::string& variable, const po::options_description& options) {
    if (variable.compare(0, env_prefix.size(), env_prefix) != 0) return {};
    std::string name = variable.substr(env_prefix.size());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
    if (name == "help" || name == "version") return {};
    return options.find_nothrow(name, false) != nullptr ? name : std::string{};
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        const auto first = item.find_first_not_of(" \t");
        const auto last = item.find_last_not_of(" \t");
        if (first != std::string::npos) items.push_back(item.substr(first, last - first + 1));
    }
    return items;
}

std::optional<std::string> read_secret_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Editors and `echo` add a trailing newline that is not part of the secret.
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    return secret;
}

// The installed site, beside the binary's folder (relay/CMakeLists.txt): an
// installed relay serves its own site with no flag, wherever it was installed.
std::string default_web_root() {
    std::error_code ec;
    const auto binary = std::filesystem::read_symlink("/proc/self/exe", ec);
    // Without /proc (a chroot without it), from the working directory; the
    // listening log line names the folder the relay ended up with.
    const auto from = ec ? std::filesystem::current_path(ec) : binary.parent_path();
    return (from / ROOMCHAT_SITE_FROM_BINARY).lexically_normal().string();
}

struct raw_options {
    std::string log_level;
    std::string allowed_origins;
    std::string jwt_secret_file;
    std::string jwt_secret;
    std::string redis;
    std::uint32_t max_text_code_points = 0;
    std::size_t history_max_messages = 0;
    std::size_t history_max_bytes = 0;
    bool help = false;
    bool version = false;
};

po::options_description describe(relay_config& c, raw_options& raw) {
    const room_config defaults;
    po::options_description options(
        "roomchat-relay options (each also from ROOMCHAT_<NAME>, e.g. "
        "--max-rooms from ROOMCHAT_MAX_ROOMS)");
    // clang-format off
    options.add_options()
        ("help,h", po::bool_switch(&raw.help), "print this help and exit")
        ("version", po::bool_switch(&raw.version), "print the version and exit")
        ("host", po::value(&c.host)->default_value(c.host), "address to listen on")
        ("port", po::value(&c.port)->default_value(c.port), "TCP port; 0 picks a free one (printed on start)")
        ("web-root", po::value(&c.web_root)->default_value(default_web_root()),
            "folder of the web UI served over HTTP (default: the installed site, " ROOMCHAT_SITE_FROM_BINARY
            " from the binary's folder)")
        ("jwt-secret-file", po::value(&raw.jwt_secret_file)->default_value(""),
            "file holding the HS256 secret shared with the host application (or set ROOMCHAT_JWT_SECRET)")
        ("dev-auth", po::value(&c.dev_auth)->default_value(false)->implicit_value(true),
            "INSECURE: serve POST /api/dev/token minting tokens for anyone")
        ("dev-token-ttl-ms", po::value(&c.dev_token_ttl_ms)->default_value(c.dev_token_ttl_ms),
            "lifetime of --dev-auth tokens")
        ("tls-cert", po::value(&c.tls_cert)->default_value(""), "PEM certificate chain; with --tls-key serves wss/https")
        ("tls-key", po::value(&c.tls_key)->default_value(""), "PEM private key for --tls-cert")
        ("redis", po::value(&raw.redis)->default_value(""),
            "redis://[:password@]host[:port][/db]: keep the rooms in Redis, shared by every relay given the same "
            "(host: an IP address; put a password in ROOMCHAT_REDIS, not on the command line); empty: in memory")
        ("presence-lease-ms", po::value(&c.presence_lease_ms)->default_value(c.presence_lease_ms),
            "with --redis: the users of a relay that died without a word leave the other relays' member lists "
            "about this long after (at least 300)")
        ("auth-timeout-ms", po::value(&c.auth_timeout_ms)->default_value(c.auth_timeout_ms),
            "time a new connection has to send its auth frame")
        ("token-grace-ms", po::value(&c.token_grace_ms)->default_value(c.token_grace_ms),
            "an expired token's connection is closed this long after the expiry unless refreshed (at most 10000)")
        ("handshake-timeout-ms", po::value(&c.handshake_timeout_ms)->default_value(c.handshake_timeout_ms),
            "time to complete the HTTP/WebSocket opening handshake")
        ("ping-interval-ms", po::value(&c.ping_interval_ms)->default_value(c.ping_interval_ms),
            "WebSocket ping period")
        ("pong-timeout-ms", po::value(&c.pong_timeout_ms)->default_value(c.pong_timeout_ms),
            "close a connection whose pong is this late")
        ("idle-timeout-ms", po::value(&c.idle_timeout_ms)->default_value(c.idle_timeout_ms),
            "close a connection silent (no frame, no pong) this long")
        ("max-frame-bytes", po::value(&c.max_frame_bytes)->default_value(c.max_frame_bytes),
            "largest WebSocket message accepted; bigger ones close with 1009")
        ("max-http-body-bytes", po::value(&c.max_http_body_bytes)->default_value(c.max_http_body_bytes),
            "largest HTTP request body accepted")
        ("max-connections-per-user",
            po::value(&c.max_connections_per_user)->default_value(c.max_connections_per_user),
            "authenticated WebSocket connections one user may hold")
        ("max-connections-per-ip",
            po::value(&c.max_connections_per_ip)->default_value(c.max_connections_per_ip),
            "WebSocket connections one IP address may hold")
        ("max-buffered-bytes", po::value(&c.max_buffered_bytes)->default_value(c.max_buffered_bytes),
            "outbound bytes queued for one connection before it is dropped as a slow consumer")
        ("write-delay-ms", po::value(&c.write_delay_ms)->default_value(c.write_delay_ms),
            "deliveries to a connection wait up to this long to leave together in one write (at most 100; "
            "0: off)")
        ("allowed-origins", po::value(&raw.allowed_origins)->default_value(""),
            "comma-separated Origin allowlist for WebSocket upgrades (e.g. https://app.example); "
            "empty: only the relay's own host; * allows any")
        ("max-held-polls-per-user",
            po::value(&c.max_held_polls_per_user)->default_value(c.max_held_polls_per_user),
            "HTTP long polls one user may have waiting at once (429 beyond)")
        ("max-held-polls", po::value(&c.max_held_polls)->default_value(c.max_held_polls),
            "HTTP long polls the relay holds at once (503 beyond)")
        ("max-rooms", po::value(&c.max_rooms)->default_value(c.max_rooms),
            "rooms held at once; at the cap the longest idle room is dropped for a new one")
        ("max-rooms-per-connection",
            po::value(&c.max_rooms_per_connection)->default_value(c.max_rooms_per_connection),
            "rooms one connection may be in at once")
        ("max-rooms-per-user", po::value(&c.max_rooms_per_user)->default_value(c.max_rooms_per_user),
            "rooms one user may be in at once, over all connections")
        ("room-idle-ttl-ms", po::value(&c.room_idle_ttl_ms)->default_value(c.room_idle_ttl_ms),
            "drop a room (and its history) this long after its last member left")
        ("max-text-code-points", po::value(&raw.max_text_code_points)
            ->default_value(static_cast<std::uint32_t>(defaults.text.max_code_points)),
            "longest message text in Unicode code points")
        ("rate-burst", po::value(&c.room.rate.burst)->default_value(defaults.rate.burst),
            "messages a user may send back to back in one room")
        ("rate-refill-ms", po::value(&c.room.rate.refill_interval_ms)
            ->default_value(defaults.rate.refill_interval_ms), "one more message allowed per this interval")
        ("user-rate-burst", po::value(&c.user_send_rate.burst)->default_value(c.user_send_rate.burst),
            "messages a user may send back to back over all rooms")
        ("user-rate-refill-ms", po::value(&c.user_send_rate.refill_interval_ms)
            ->default_value(c.user_send_rate.refill_interval_ms), "one more such message per this interval")
        ("frame-burst", po::value(&c.frame_rate.burst)->default_value(c.frame_rate.burst),
            "frames (pings included) a connection may send back to back; beyond the rate it is closed")
        ("frame-refill-ms", po::value(&c.frame_rate.refill_interval_ms)
            ->default_value(c.frame_rate.refill_interval_ms), "one more frame per this interval")
        ("request-burst", po::value(&c.request_rate.burst)->default_value(c.request_rate.burst),
            "join/leave/history/read/auth frames a connection may send back to back (a user: twice that)")
        ("request-refill-ms", po::value(&c.request_rate.refill_interval_ms)
            ->default_value(c.request_rate.refill_interval_ms), "one more such request per this interval")
        ("room-creation-burst",
            po::value(&c.room_creation_rate.burst)->default_value(c.room_creation_rate.burst),
            "rooms a user may create back to back")
        ("room-creation-refill-ms", po::value(&c.room_creation_rate.refill_interval_ms)
            ->default_value(c.room_creation_rate.refill_interval_ms), "one more room per this interval")
        ("ip-rate-burst", po::value(&c.ip_rate.burst)->default_value(c.ip_rate.burst),
            "WebSocket upgrades, first auth frames and API requests one address may make back to back")
        ("ip-rate-refill-ms", po::value(&c.ip_rate.refill_interval_ms)
            ->default_value(c.ip_rate.refill_interval_ms), "one more per this interval")
        ("history-max-messages", po::value(&raw.history_max_messages)
            ->default_value(defaults.history.max_messages), "messages kept per room")
        ("history-max-bytes", po::value(&raw.history_max_bytes)
            ->default_value(defaults.history.max_bytes), "bytes of messages kept per room")
        ("page-size", po::value(&c.room.page_size)->default_value(defaults.page_size),
            "messages sent on join without since")
        ("max-page-size", po::value(&c.room.max_page_size)->default_value(defaults.max_page_size),
            "cap on one history request")
        ("log-level", po::value(&raw.log_level)->default_value("info"), "debug, info, warn or error");
    // clang-format on
    return options;
}

}  // namespace

config_outcome parse_config(int argc, const char* const argv[]) {
    relay_config config;
    raw_options raw;
    const po::options_description options = describe(config, raw);
    // The secret itself is never a command-line flag (it would show in ps).
    po::options_description env_options;
    env_options.add(options);
    env_options.add_options()("jwt-secret", po::value(&raw.jwt_secret)->default_value(""), "");

    po::variables_map vars;
    try {
        po::store(po::parse_command_line(argc, argv, options), vars);
        po::store(po::parse_environment(
                      env_options, [&](const std::string& name) { return env_to_option(name, env_options); }),
                  vars);
        po::notify(vars);
    } catch (const po::error& e) {
        return config_error{e.what()};
    }
    if (raw.help) {
        std::ostringstream text;
        text << "roomchat-relay " << relay_version << ": WebSocket chat relay serving the roomchat web UI\n\n"
             << options;
        return print_and_exit{text.str()};
    }
    if (raw.version) return print_and_exit{"roomchat-relay " + std::string(relay_version) + "\n"};

    const auto level = log_level_from_string(raw.log_level);
    if (!level) return config_error{"unknown --log-level '" + raw.log_level + "'"};
    config.level = *level;
    config.allowed_origins = split_list(raw.allowed_origins);
    config.room.text.max_code_points = raw.max_text_code_points;
    config.room.history.max_messages = raw.history_max_messages;
    config.room.history.max_bytes = raw.history_max_bytes;
    // The dedupe window must outlive the history so any visible message still dedupes.
    config.room.dedupe_capacity =
        std::max<std::size_t>(config.room.dedupe_capacity, 2 * raw.history_max_messages);

    if (!raw.redis.empty()) {
        auto redis = parse_redis_url(raw.redis);
        if (!redis) return config_error{redis.error()};
        config.redis = std::move(*redis);
    }
    if (config.tls_cert.empty() != config.tls_key.empty()) {
        return config_error{"--tls-cert and --tls-key go together"};
    }
    const auto positive = [](const rate_limit_config& rate) {
        return rate.burst > 0 && rate.refill_interval_ms > 0;
    };
    if (config.max_frame_bytes == 0 || config.room.page_size == 0 || config.room.max_page_size == 0 ||
        raw.history_max_messages == 0 || config.max_rooms == 0 || config.max_rooms_per_connection == 0 ||
        config.max_rooms_per_user == 0 || !positive(config.room.rate) || !positive(config.user_send_rate) ||
        !positive(config.frame_rate) || !positive(config.request_rate) ||
        !positive(config.room_creation_rate) || !positive(config.ip_rate)) {
        return config_error{"sizes, page sizes, room caps and rate settings must be positive"};
    }
    if (config.token_grace_ms < 0 || config.token_grace_ms > max_token_grace_ms) {
        return config_error{"--token-grace-ms must be between 0 and 10000"};
    }
    if (config.presence_lease_ms < 300) return config_error{"--presence-lease-ms must be at least 300"};
    if (config.write_delay_ms < 0 || config.write_delay_ms > max_write_delay_ms) {
        return config_error{"--write-delay-ms must be between 0 and 100"};
    }

    if (!raw.jwt_secret_file.empty()) {
        auto secret = read_secret_file(raw.jwt_secret_file);
        if (!secret) return config_error{"cannot read --jwt-secret-file " + raw.jwt_secret_file};
        config.jwt_secret = std::move(*secret);
    } else {
        config.jwt_secret = raw.jwt_secret;
    }
    if (config.jwt_secret.empty() && !config.dev_auth) {
        return config_error{
            "no token secret: pass --jwt-secret-file or set ROOMCHAT_JWT_SECRET (or --dev-auth)"};
    }
    if (!config.jwt_secret.empty() && config.jwt_secret.size() < min_secret_bytes) {
        return config_error{"the token secret must be at least 32 bytes"};
    }
    return config;
}

}  // namespace roomchat::relay
