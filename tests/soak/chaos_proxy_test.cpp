#include "chaos_proxy.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace roomchat::soak {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using boost::system::error_code;

// Generous: the machines are shared and the debug build is sanitized. Only a
// broken proxy comes near it.
constexpr auto limit = 30s;

tcp::endpoint loopback(std::uint16_t port) { return {boost::asio::ip::address_v4::loopback(), port}; }

// Sends every byte back on each connection, on a thread of its own.
class echo_server {
public:
    echo_server() : acceptor_(io_, loopback(0)), port_(acceptor_.local_endpoint().port()) {
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~echo_server() {
        io_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return port_; }

private:
    struct session : std::enable_shared_from_this<session> {
        explicit session(tcp::socket s) : socket(std::move(s)) {}
        void echo() {
            socket.async_read_some(
                boost::asio::buffer(buffer), [self = shared_from_this()](error_code ec, std::size_t size) {
                    if (ec) return;
                    boost::asio::async_write(self->socket, boost::asio::buffer(self->buffer.data(), size),
                                             [self](error_code ec, std::size_t) {
                                                 if (!ec) self->echo();
                                             });
                });
        }
        tcp::socket socket;
        std::array<char, 8192> buffer{};
    };

    void accept() {
        acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
            if (ec) return;
            std::make_shared<session>(std::move(socket))->echo();
            accept();
        });
    }

    boost::asio::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_;
    std::thread thread_;
};

// A client whose every call gives up after `limit`.
class test_client {
public:
    explicit test_client(std::uint16_t port) : socket_(io_) { socket_.connect(loopback(port)); }

    void send(const std::string& data) { boost::asio::write(socket_, boost::asio::buffer(data)); }

    // Sends `data` while reading as many bytes back; what came back.
    std::string exchange(const std::string& data) {
        std::string received(data.size(), '\0');
        std::size_t got = 0;
        boost::asio::async_write(socket_, boost::asio::buffer(data), [](error_code, std::size_t) {});
        boost::asio::async_read(socket_, boost::asio::buffer(received),
                                [&got](error_code, std::size_t size) { got = size; });
        run();
        received.resize(got);
        return received;
    }

    // Whether the peer ends the connection (end of stream or reset) before sending anything.
    bool ends() {
        char byte = 0;
        error_code result;  // run() sees to it that the handler runs, if only as aborted
        socket_.async_read_some(boost::asio::buffer(&byte, 1),
                                [&result](error_code ec, std::size_t) { result = ec; });
        run();
        const bool reset = result == boost::asio::error::connection_reset;
        return reset || result == boost::asio::error::eof;
    }

private:
    void run() {
        io_.restart();
        io_.run_for(limit);
        if (io_.stopped()) return;
        // Out of time: abort what is pending, so no handler outlives the call.
        error_code ignored;
        socket_.close(ignored);
        io_.restart();
        io_.run();
    }

    boost::asio::io_context io_;
    tcp::socket socket_;
};

std::string random_bytes(std::size_t size, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> byte(0, 255);
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(byte(rng));
    return bytes;
}

// Like ==, but on failure says where, instead of printing megabytes.
testing::AssertionResult same_bytes(const std::string& got, const std::string& sent) {
    if (got == sent) return testing::AssertionSuccess();
    std::size_t first = 0;
    while (first < got.size() && first < sent.size() && got[first] == sent[first]) ++first;
    return testing::AssertionFailure()
           << "got " << got.size() << " of " << sent.size() << " bytes, first difference at " << first;
}

bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// A loopback port that nothing listens on: bound, then released.
std::uint16_t closed_port() {
    boost::asio::io_context io;
    const tcp::acceptor acceptor(io, loopback(0));
    return acceptor.local_endpoint().port();
}

TEST(chaos_proxy, without_faults_relays_a_megabyte_unchanged) {
    echo_server echo;
    chaos_proxy proxy(echo.port(), 1);
    test_client client(proxy.port());

    const std::string data = random_bytes(1024 * 1024, 1);
    EXPECT_TRUE(same_bytes(client.exchange(data), data));
    EXPECT_EQ(proxy.stats().bytes, 2 * data.size());  // there and back
    EXPECT_EQ(proxy.stats().splits + proxy.stats().delays + proxy.stats().stalls + proxy.stats().cuts, 0U);
}

TEST(chaos_proxy, split_delayed_and_stalled_bytes_arrive_unchanged) {
    echo_server echo;
    chaos_proxy proxy(echo.port(), 2);
    chaos_faults faults;
    faults.split = 1000;
    faults.delay = 300;
    faults.max_delay_ms = 20;
    faults.stall = 50;
    faults.stall_ms = 50;
    proxy.set_faults(faults);
    test_client client(proxy.port());

    // A stall comes to one chunk in twenty and a round is a few dozen chunks,
    // so a round without one is not rare; another round settles it.
    for (std::uint32_t round = 0; round < 20 && proxy.stats().stalls == 0; ++round) {
        const std::string data = random_bytes(256 * 1024, round);
        ASSERT_TRUE(same_bytes(client.exchange(data), data));
    }
    const chaos_stats stats = proxy.stats();
    EXPECT_GT(stats.splits, 0U);
    EXPECT_GT(stats.delays, 0U);
    EXPECT_GT(stats.stalls, 0U);
    EXPECT_EQ(stats.cuts, 0U);
}

TEST(chaos_proxy, faults_out_of_range_are_refused) {
    chaos_proxy proxy(closed_port(), 7);
    chaos_faults faults;
    faults.split = 1001;
    EXPECT_THROW(proxy.set_faults(faults), std::invalid_argument);
    faults = {};
    faults.cut = -1;
    EXPECT_THROW(proxy.set_faults(faults), std::invalid_argument);
    faults = {};
    faults.max_delay_ms = 0;
    EXPECT_THROW(proxy.set_faults(faults), std::invalid_argument);
    faults = {};
    faults.stall_ms = -1;
    EXPECT_THROW(proxy.set_faults(faults), std::invalid_argument);
}

TEST(chaos_proxy, a_cut_closes_the_connection) {
    echo_server echo;
    chaos_proxy proxy(echo.port(), 3);
    chaos_faults faults;
    faults.cut = 1000;
    proxy.set_faults(faults);
    test_client client(proxy.port());

    client.send("hello");
    EXPECT_TRUE(client.ends());
    EXPECT_GT(proxy.stats().cuts, 0U);
}

TEST(chaos_proxy, cut_all_closes_an_idle_connection) {
    echo_server echo;
    chaos_proxy proxy(echo.port(), 4);
    test_client client(proxy.port());
    ASSERT_EQ(client.exchange("ping"), "ping");
    EXPECT_EQ(proxy.open_connections(), 1U);

    proxy.cut_all();
    EXPECT_EQ(proxy.open_connections(), 0U);
    EXPECT_EQ(proxy.stats().cuts, 1U);
    EXPECT_TRUE(client.ends());
}

TEST(chaos_proxy, a_client_is_closed_when_the_upstream_is_down) {
    chaos_proxy proxy(closed_port(), 5);
    test_client client(proxy.port());

    EXPECT_TRUE(client.ends());
    const chaos_stats stats = proxy.stats();
    EXPECT_EQ(stats.connections, 1U);
    EXPECT_EQ(stats.refused, 1U);
    EXPECT_EQ(proxy.open_connections(), 0U);
}

TEST(chaos_proxy, destructor_closes_open_and_stalled_connections) {
    echo_server echo;
    auto proxy = std::make_unique<chaos_proxy>(echo.port(), 6);
    test_client idle(proxy->port());
    ASSERT_EQ(idle.exchange("ping"), "ping");

    chaos_faults faults;
    faults.stall = 1000;
    faults.stall_ms = 600'000;  // far past the test's timeout: the destructor must not wait it out
    proxy->set_faults(faults);
    test_client stalled(proxy->port());
    stalled.send("x");
    ASSERT_TRUE(eventually([&proxy] { return proxy->stats().stalls == 1; }));

    proxy.reset();
    EXPECT_TRUE(idle.ends());
    EXPECT_TRUE(stalled.ends());
}

}  // namespace
}  // namespace roomchat::soak
