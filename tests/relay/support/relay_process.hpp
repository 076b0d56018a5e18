#pragma once
// Runs the real roomchat-relay binary as a child process on an ephemeral
// loopback port, the way an operator would, and stops it with a signal. The
// binary is this build's, or ROOMCHAT_RELAY_BINARY from the environment (to
// measure a release relay with the same tests).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace roomchat::relay_test {

// 40 bytes: long enough for the relay's 32-byte minimum.
inline const std::string test_secret = "relay-test-secret-0123456789abcdefghijkl";

class relay_process {
public:
    // Extra command-line options (with "--port N" it listens there, e.g. to
    // restart on the same port); the secret travels in ROOMCHAT_JWT_SECRET.
    // With `log_path`, the relay's stderr (its log) goes to that file.
    explicit relay_process(std::vector<std::string> args = {}, std::string secret = test_secret,
                           std::vector<std::string> env = {}, std::string log_path = {});
    ~relay_process();
    relay_process(const relay_process&) = delete;
    relay_process& operator=(const relay_process&) = delete;

    std::uint16_t port() const { return port_; }
    std::string ws_url() const;
    const std::string& listening_line() const { return line_; }

    // Sends the signal and waits: the exit status (128 + signal when killed), or
    // nullopt when it had to be killed after the timeout.
    std::optional<int> stop(int signal_number, std::chrono::milliseconds timeout);
    pid_t pid() const { return pid_; }
    // Resident memory now, from /proc (kB); 0 once stopped.
    long rss_kb() const;

private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string line_;
    bool scheme_tls_ = false;
};

// Runs the relay to completion (e.g. --help) and returns stdout and the exit
// status; with `log_path`, its stderr (its log) goes to that file.
struct run_result {
    int status = -1;
    std::string output;
};
run_result run_relay_to_exit(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                             const std::string& log_path = {});

}  // namespace roomchat::relay_test
