#include "roomchat/token_subject.hpp"

#include <cstdint>
#include <string_view>
#include <utility>

#include "roomchat/detail/json_tree.hpp"
#include "roomchat/ids.hpp"

namespace roomchat {
namespace {

// A JWT is at most a few kilobytes; a longer payload is not one.
constexpr std::size_t max_payload_chars = 16 * 1024;
// Claims are a flat object; a host's own claims may nest a little.
constexpr std::size_t max_claims_depth = 16;

int sextet(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

// base64url (RFC 7515, section 2, says without padding; some libraries pad
// the last group anyway); nullopt on any other byte or an impossible length.
std::optional<std::string> decode_base64url(std::string_view text) {
    if (text.size() % 4 == 0) {
        for (int i = 0; i < 2 && !text.empty() && text.back() == '='; ++i) {
            text.remove_suffix(1);
        }
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t bits = 0;
    int pending = 0;
    for (const char c : text) {
        const int value = sextet(c);
        if (value < 0) {
            return std::nullopt;
        }
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        pending += 6;
        if (pending >= 8) {
            pending -= 8;
            out.push_back(static_cast<char>((bits >> pending) & 0xFF));
        }
    }
    return out;
}

// The claims of a JWT, unchecked; no root when there are none.
detail::json_tree read_claims(std::string_view token) {
    const auto first_dot = token.find('.');
    const auto second_dot =
        token.find('.', first_dot == std::string_view::npos ? token.size() : first_dot + 1);
    if (second_dot == std::string_view::npos) {
        return {};
    }
    const auto payload = token.substr(first_dot + 1, second_dot - first_dot - 1);
    if (payload.size() > max_payload_chars) {
        return {};
    }
    const auto json_text = decode_base64url(payload);
    if (!json_text) {
        return {};
    }
    return detail::parse_json(*json_text, max_claims_depth).tree;
}

std::optional<std::string> subject_of(const detail::json_tree& claims) {
    const auto root = claims.root();
    const auto sub = root ? root->find("sub") : std::nullopt;
    if (!sub || !sub->is_string() || !validate_user_id(sub->string())) {
        return std::nullopt;
    }
    return std::string(sub->string());
}

}  // namespace

std::optional<std::string> token_subject(std::string_view token) { return subject_of(read_claims(token)); }

std::optional<token_preview> preview_token(std::string_view token) {
    const auto claims = read_claims(token);
    auto subject = subject_of(claims);
    if (!subject) {
        return std::nullopt;
    }
    const auto name = claims.root()->find("name");
    const auto exp = claims.root()->find("exp");
    // The relay's bound (token_verifier.cpp): exp * 1000 stays an exact double.
    constexpr std::int64_t max_exp_seconds = (std::int64_t{1} << 53) / 1000;
    const bool exp_in_range =
        exp && exp->is_integer() &&
        (exp->is_unsigned() ? exp->unsigned_integer() <= static_cast<std::uint64_t>(max_exp_seconds)
                            : exp->integer() >= -max_exp_seconds);
    if (!name || !name->is_string() || !exp_in_range) {
        return std::nullopt;
    }
    auto display_name = normalize_display_name(name->string());
    if (!display_name) {
        return std::nullopt;
    }
    return token_preview{user_info{std::move(*subject), std::move(display_name).value()},
                         exp->integer() * 1000};
}

}  // namespace roomchat
