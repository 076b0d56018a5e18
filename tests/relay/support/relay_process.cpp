#include "relay_process.hpp"

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace roomchat::relay_test {
namespace {

std::vector<char*> c_args(std::vector<std::string>& args) {
    std::vector<char*> out;
    for (auto& a : args) out.push_back(a.data());
    out.push_back(nullptr);
    return out;
}

// Reads one line from fd within the timeout.
std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
        char c = 0;
        const ssize_t n = read(fd, &c, 1);
        if (n <= 0) return std::nullopt;
        if (c == '\n') return line;
        line += c;
    }
    return std::nullopt;
}

const char* relay_binary() {
    const char* chosen = std::getenv("ROOMCHAT_RELAY_BINARY");
    return chosen != nullptr && *chosen != '\0' ? chosen : ROOMCHAT_RELAY_BINARY;
}

pid_t spawn(std::vector<std::string> args, const std::vector<std::string>& env, int stdout_fd,
            const std::string& log_path = {}) {
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(stdout_fd, STDOUT_FILENO);
        if (!log_path.empty()) {
            const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (log >= 0) dup2(log, STDERR_FILENO);
        }
        // The test's own sockets must not live on in the relay: a socket the
        // test closes would stay open (no FIN, no reset) while a relay holds a copy.
        closefrom(STDERR_FILENO + 1);
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));  // NOLINT: child only, then exec
        auto argv = c_args(args);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

// The exit status (128 + signal when killed), or nullopt if still running at the timeout.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (done < 0) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

}  // namespace

relay_process::relay_process(std::vector<std::string> args, std::string secret, std::vector<std::string> env,
                             std::string log_path) {
    std::vector<std::string> argv{relay_binary(), "--host", "127.0.0.1"};
    if (std::find(args.begin(), args.end(), "--port") == args.end()) {
        argv.insert(argv.end(), {"--port", "0"});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    if (!secret.empty()) env.push_back("ROOMCHAT_JWT_SECRET=" + secret);
    pid_ = spawn(argv, env, fds[1], log_path);
    close(fds[1]);
    // Kept open for the relay's lifetime so a later write cannot raise SIGPIPE.
    stdout_fd_ = fds[0];
    const auto line = read_line(fds[0], std::chrono::seconds(20));
    if (!line) {
        stop(SIGKILL, std::chrono::seconds(2));
        throw std::runtime_error("the relay printed no listening line");
    }
    line_ = *line;
    // "roomchat-relay listening on http://127.0.0.1:PORT/ (ws://127.0.0.1:PORT/ws)"
    const auto host = line_.find("127.0.0.1:");
    if (host == std::string::npos) throw std::runtime_error("unexpected listening line: " + line_);
    port_ = static_cast<std::uint16_t>(std::stoi(line_.substr(host + 10)));
    scheme_tls_ = line_.find("https://") != std::string::npos;
}

relay_process::~relay_process() {
    // A graceful stop, so that the relay writes its coverage counters (gcov
    // does at exit; SIGKILL loses them); stop() kills it if it hangs.
    if (pid_ > 0) stop(SIGTERM, std::chrono::seconds(5));
    if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::string relay_process::ws_url() const {
    return std::string(scheme_tls_ ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port_) + "/ws";
}

std::optional<int> relay_process::stop(int signal_number, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    kill(pid_, signal_number);
    auto status = wait_exit(pid_, timeout);
    if (!status) {
        kill(pid_, SIGKILL);
        wait_exit(pid_, std::chrono::seconds(5));
    }
    pid_ = -1;
    return status;
}

long relay_process::rss_kb() const {
    if (pid_ <= 0) return 0;
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return 0;
}

run_result run_relay_to_exit(const std::vector<std::string>& args, const std::vector<std::string>& env,
                             const std::string& log_path) {
    std::vector<std::string> argv{relay_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = spawn(argv, env, fds[1], log_path);
    close(fds[1]);
    run_result result;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0)
        result.output.append(buffer, static_cast<std::size_t>(n));
    close(fds[0]);
    result.status = wait_exit(pid, std::chrono::seconds(10)).value_or(-1);
    return result;
}

}  // namespace roomchat::relay_test
