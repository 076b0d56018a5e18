#include "redis_reply.hpp"

#include <hiredis/hiredis.h>

namespace roomchat::relay::redis {

reply reply::from(const redisReply& raw) {
    reply out;
    switch (raw.type) {
        case REDIS_REPLY_INTEGER:
            out.type = kind::integer;
            out.integer = raw.integer;
            break;
        case REDIS_REPLY_STRING:
            out.type = kind::string;
            out.text.assign(raw.str, raw.len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = kind::status;
            out.text.assign(raw.str, raw.len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = kind::error;
            out.text.assign(raw.str, raw.len);
            break;
        case REDIS_REPLY_ARRAY:
            out.type = kind::array;
            out.elements.reserve(raw.elements);
            for (std::size_t i = 0; i < raw.elements; ++i) out.elements.push_back(from(*raw.element[i]));
            break;
        default:  // REDIS_REPLY_NIL
            break;
    }
    return out;
}

}  // namespace roomchat::relay::redis
