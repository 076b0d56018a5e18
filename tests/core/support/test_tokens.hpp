#pragma once
// Tokens shaped as the host mints them (a JWT: header.claims.signature), for
// sessions that read their identity from the token (the HTTP fallback). The
// signature is the relay's business: the core never checks it.

#include <cstdint>
#include <string>

#include "roomchat/protocol.hpp"

namespace roomchat::test {

inline std::string base64url(const std::string& bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t bits = 0;
    int pending = 0;
    for (const unsigned char c : bytes) {
        bits = (bits << 8U) | c;
        pending += 8;
        while (pending >= 6) {
            pending -= 6;
            out.push_back(alphabet[(bits >> static_cast<unsigned>(pending)) & 63U]);
        }
    }
    if (pending > 0) {
        out.push_back(alphabet[(bits << static_cast<unsigned>(6 - pending)) & 63U]);
    }
    return out;
}

// `user`'s token for room lobby, running out at `exp_seconds` (Unix time).
inline std::string token_of(const user_info& user, std::int64_t exp_seconds) {
    const std::string claims = R"({"sub":")" + user.id + R"(","name":")" + user.name +
                               R"(","room":"lobby","exp":)" + std::to_string(exp_seconds) + "}";
    return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims) + ".c2ln";
}

}  // namespace roomchat::test
