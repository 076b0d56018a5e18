// token_verifier::verify with a fixed secret. The first input byte picks the
// mode: the rest is either the token text itself (a forged, truncated or
// mangled JWT), or the JSON claims of a token properly signed HS256 with the
// secret by libjwt, so claim parsing is reached (huge exp and nbf included).
// Whatever is accepted must be what the claims rules promise.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

#include <jwt.h>

#include "roomchat/ids.hpp"

#include "check.hpp"
#include "token_verifier.hpp"

namespace {

using roomchat::fuzz::check;

const std::string secret = "fuzz-secret-0123456789abcdefghijklmnopqr";  // 40 bytes
constexpr roomchat::millis now = 1'700'000'000'000;

// An HS256 token over `claims`, or nothing when libjwt refuses the JSON.
std::string signed_token(const std::string& claims) {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) return {};
    const std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
    if (jwt_add_grants_json(jwt.get(), claims.c_str()) != 0 ||
        jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                    static_cast<int>(secret.size())) != 0) {
        return {};
    }
    char* token = jwt_encode_str(jwt.get());
    if (token == nullptr) return {};
    std::string text(token);
    std::free(token);  // NOLINT(cppcoreguidelines-no-malloc)
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool sign = (data[0] & 1U) != 0;
    const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::string token = sign ? signed_token(input) : input;
    if (sign && token.empty()) return 0;

    static const roomchat::relay::token_verifier verifier(secret);
    const auto verified = verifier.verify(token, now);
    if (!verified) {
        const auto& rejection = verified.error();
        check(
            rejection.code == roomchat::errc::auth_failed || rejection.code == roomchat::errc::token_expired,
            "a rejection is auth_failed or token_expired");
        check(!rejection.detail.empty(), "a rejection says why");
        return 0;
    }
    check(roomchat::validate_user_id(verified->user.id).ok(), "an accepted sub is a valid user id");
    const auto name = roomchat::normalize_display_name(verified->user.name);
    check(name.ok() && *name == verified->user.name, "an accepted name is a normalised display name");
    check(!verified->rooms.empty(), "an accepted token admits some room");
    for (const auto& room : verified->rooms) {
        check(room == "*" || roomchat::validate_room_id(room).ok(), "admitted rooms are valid room ids");
    }
    check(!verified->expired(now), "an accepted token has not expired");
    return 0;
}
