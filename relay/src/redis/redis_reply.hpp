#pragma once
// A Redis reply as plain values, copied out of hiredis's redisReply (which
// hiredis frees when the reply callback returns), so callers never touch
// hiredis's structures.

#include <cstdint>
#include <string>
#include <vector>

struct redisReply;

namespace roomchat::relay::redis {

struct reply {
    enum class kind { nil, integer, string, status, error, array };

    kind type = kind::nil;
    std::int64_t integer = 0;
    std::string text;  // string, status and error replies (binary-safe)
    std::vector<reply> elements;

    bool is_error() const noexcept { return type == kind::error; }

    static reply from(const redisReply& raw);
};

}  // namespace roomchat::relay::redis
