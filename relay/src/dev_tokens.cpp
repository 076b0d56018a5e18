#include "dev_tokens.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include "roomchat/ids.hpp"

#include "secure_random.hpp"
#include "token_verifier.hpp"

namespace roomchat::relay {
namespace {

template <std::size_t N>
std::string random_hex() {
    std::array<std::uint8_t, N> bytes{};
    secure_random_bytes(bytes.data(), bytes.size());
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (const auto byte : bytes) {
        hex += digits[byte >> 4];
        hex += digits[byte & 0xf];
    }
    return hex;
}

}  // namespace

result<dev_token> issue_dev_token(const std::string& secret, std::string_view name, std::string_view room,
                                  millis now, millis ttl, std::optional<std::string> user_id,
                                  bool moderator) {
    auto display_name = normalize_display_name(name);
    if (!display_name) return display_name.error();
    if (!validate_room_id(room)) return errc::invalid_room_id;
    dev_token issued;
    issued.user =
        user_info{user_id ? std::move(*user_id) : "dev-" + random_hex<8>(), std::move(display_name).value()};
    // Whole seconds, because exp is in seconds: expires_at is exactly what the token says.
    issued.expires_at = (now + ttl) / 1000 * 1000;
    const std::vector<std::string> rooms = {std::string(room)};
    issued.token = mint_token(secret, issued.user, rooms, issued.expires_at, /*service=*/false,
                              moderator ? rooms : std::vector<std::string>{});
    if (issued.token.empty()) return errc::internal;
    return issued;
}

std::string generate_secret() { return random_hex<32>(); }

}  // namespace roomchat::relay
