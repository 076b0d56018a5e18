#pragma once
// hiredis's asynchronous API driven from a Boost.Asio loop: hiredis ships
// adapters for libev, libuv and others, not for Asio. hiredis asks for read
// and write readiness on its socket through five hooks; these wait for it
// with the socket's descriptor in the loop's reactor and call back into
// hiredis, which does all the Redis protocol work. Nothing blocks.

#include <boost/asio/io_context.hpp>

struct redisAsyncContext;

namespace roomchat::relay::redis {

// Installs the hooks on `context` (one not yet attached). hiredis calls the
// cleanup hook when it frees the context; from then on no wait touches it.
// False when the context already has hooks.
bool attach(redisAsyncContext& context, boost::asio::io_context& io);

}  // namespace roomchat::relay::redis
