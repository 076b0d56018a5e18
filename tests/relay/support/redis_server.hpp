#pragma once
// Debian's redis-server (installed by toolchain/) as a child process on a
// free loopback port, for the Redis client's tests: nothing persisted, killed
// at the end. Stopping and starting it again on the same port is a Redis
// restart; pausing it (SIGSTOP) is a Redis that stops answering.

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace roomchat::relay_test {

class redis_server {
public:
    explicit redis_server(std::vector<std::string> extra_args = {});
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    pid_t pid() const noexcept { return pid_; }
    void stop();   // SIGKILL, and waits for it: its data is gone
    void start();  // again on the same port, empty
    void pause();  // SIGSTOP: connections stay open, nothing is answered
    void resume();

private:
    std::vector<std::string> extra_args_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace roomchat::relay_test
