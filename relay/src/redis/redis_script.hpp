#pragma once
// A Lua script run the way Redis means scripts to be run: by its SHA1
// (EVALSHA), so each call sends only its keys and arguments. A Redis that
// does not hold the script (it restarted, or never saw it) answers NOSCRIPT,
// and the call is sent again once with the whole text (EVAL), which Redis
// keeps for the calls after it.

#include <string>
#include <vector>

#include "redis_client.hpp"

namespace roomchat::relay::redis {

class script {
public:
    explicit script(std::string text);

    // Runs the script with `keys` (KEYS) and `args` (ARGV); the handler gets
    // its reply (a script error is an error reply) or why none came.
    void run(client& redis, const std::vector<std::string>& keys, const std::vector<std::string>& args,
             reply_handler handler) const;

    // Has Redis keep the script (SCRIPT LOAD), the answer ignored. Sent
    // first on each new connection, so that no call behind it meets
    // NOSCRIPT: the resend with the whole text goes behind calls sent after
    // the first one, and two sends of one client would be decided out of
    // order.
    void load(client& redis) const;

    const std::string& sha1() const noexcept { return sha1_; }

private:
    std::string text_;
    std::string sha1_;  // lowercase hex, as Redis names scripts
};

}  // namespace roomchat::relay::redis
