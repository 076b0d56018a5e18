#include "token_verifier.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>

#include <jwt.h>
#include <nlohmann/json.hpp>

#include "roomchat/ids.hpp"

namespace roomchat::relay {
namespace {

using jwt_ptr = std::unique_ptr<jwt_t, decltype(&jwt_free)>;

struct c_string_deleter {
    void operator()(char* text) const { std::free(text); }  // NOLINT(cppcoreguidelines-no-malloc)
};
using c_string = std::unique_ptr<char, c_string_deleter>;

token_rejection failed(std::string detail) { return {errc::auth_failed, std::move(detail)}; }

// exp and nbf are seconds; as milliseconds they must stay exact in a
// JavaScript number (2^53, the year 287,396), which also keeps every sum with
// them far from overflowing an int64.
constexpr std::int64_t max_claim_seconds = (std::int64_t{1} << 53) / 1000;

// A time claim in milliseconds, or nullopt when it is not an integer in range.
std::optional<millis> claim_millis(const nlohmann::json& claim) {
    if (claim.is_number_unsigned()) {
        const auto seconds = claim.get<std::uint64_t>();
        if (seconds > static_cast<std::uint64_t>(max_claim_seconds)) return std::nullopt;
        return static_cast<millis>(seconds) * 1000;
    }
    if (!claim.is_number_integer()) return std::nullopt;
    const auto seconds = claim.get<std::int64_t>();
    if (seconds < -max_claim_seconds || seconds > max_claim_seconds) return std::nullopt;
    return seconds * 1000;
}

// The rooms a claim names (`name`: room or mod): an id, "*", or an array of them.
result<std::vector<std::string>, token_rejection> rooms_claim(const nlohmann::json& claim,
                                                              const std::string& name) {
    std::vector<std::string> rooms;
    if (claim.is_string()) {
        rooms.push_back(claim.get<std::string>());
    } else if (claim.is_array() && !claim.empty()) {
        for (const auto& room : claim) {
            if (!room.is_string()) return failed(name + " claim must hold strings");
            rooms.push_back(room.get<std::string>());
        }
    } else {
        return failed(name + " claim must be a string or a non-empty array");
    }
    for (const auto& room : rooms) {
        if (room != "*" && !validate_room_id(room)) return failed(name + " claim holds an invalid room id");
    }
    return rooms;
}

bool names(const std::vector<std::string>& rooms, std::string_view room) {
    return std::any_of(rooms.begin(), rooms.end(),
                       [&](const std::string& named) { return named == "*" || named == room; });
}

}  // namespace

bool token_claims::admits(std::string_view room) const { return names(rooms, room); }

// Moderating a room the token does not admit would mean nothing.
bool token_claims::moderator_of(std::string_view room) const {
    return admits(room) && names(moderates, room);
}

token_verifier::token_verifier(std::string secret) : secret_(std::move(secret)) {}

result<token_claims, token_rejection> token_verifier::verify(std::string_view token, millis now) const {
    const std::string token_text(token);
    jwt_t* raw = nullptr;
    const int rc =
        jwt_decode(&raw, token_text.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                   static_cast<int>(secret_.size()));
    const jwt_ptr jwt(raw, &jwt_free);
    if (rc != 0 || !jwt) return failed("token is malformed or its signature does not verify");
    // jwt_decode also accepts "none" and other algorithms; only HS256 is ours.
    if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return failed("token algorithm must be HS256");

    const c_string grants(jwt_get_grants_json(jwt.get(), nullptr));
    if (!grants) return failed("token has no claims");
    const auto claims = nlohmann::json::parse(grants.get(), nullptr, false);
    if (!claims.is_object()) return failed("token claims are not an object");

    const auto sub = claims.find("sub");
    const auto name = claims.find("name");
    const auto room = claims.find("room");
    const auto exp = claims.find("exp");
    if (sub == claims.end() || name == claims.end() || room == claims.end() || exp == claims.end()) {
        return failed("token needs sub, name, room and exp claims");
    }
    if (!sub->is_string() || !name->is_string()) return failed("sub and name must be strings");
    const auto expires_at = claim_millis(*exp);
    if (!expires_at) return failed("exp must be whole seconds within 2^53 milliseconds of 1970");

    token_claims accepted;
    accepted.user.id = sub->get<std::string>();
    if (!validate_user_id(accepted.user.id)) return failed("sub is not a valid user id");
    auto display_name = normalize_display_name(name->get<std::string>());
    if (!display_name) return failed("name is not a valid display name");
    accepted.user.name = std::move(display_name).value();

    auto rooms = rooms_claim(*room, "room");
    if (!rooms) return rooms.error();
    accepted.rooms = *std::move(rooms);
    if (const auto mod = claims.find("mod"); mod != claims.end()) {
        auto moderates = rooms_claim(*mod, "mod");
        if (!moderates) return moderates.error();
        accepted.moderates = *std::move(moderates);
    }

    if (const auto service = claims.find("service"); service != claims.end()) {
        if (!service->is_boolean()) return failed("service must be true or false");
        accepted.service = service->get<bool>();
    }

    accepted.expires_at = *expires_at;
    if (accepted.expired(now)) return token_rejection{errc::token_expired, "token has expired"};
    const auto nbf = claims.find("nbf");
    if (nbf != claims.end()) {
        const auto not_before = claim_millis(*nbf);
        if (!not_before) return failed("nbf must be whole seconds within 2^53 milliseconds of 1970");
        if (*not_before > now) return failed("token is not valid yet (nbf)");
    }
    return accepted;
}

std::string mint_token(const std::string& secret, const user_info& user,
                       const std::vector<std::string>& rooms, millis expires_at, bool service,
                       const std::vector<std::string>& moderates) {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) return {};
    const jwt_ptr jwt(raw, &jwt_free);
    nlohmann::json claims{{"sub", user.id}, {"name", user.name}, {"room", rooms}, {"exp", expires_at / 1000}};
    if (service) claims["service"] = true;
    if (!moderates.empty()) claims["mod"] = moderates;
    if (jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0 ||
        jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                    static_cast<int>(secret.size())) != 0) {
        return {};
    }
    const c_string token(jwt_encode_str(jwt.get()));
    return token ? std::string(token.get()) : std::string{};
}

}  // namespace roomchat::relay
