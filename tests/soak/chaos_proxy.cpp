#include "chaos_proxy.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace roomchat::soak {
namespace {

using boost::asio::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;

// Bytes [begin, end) of the chunk just read, written after waiting `wait`.
struct piece {
    std::size_t begin = 0;
    std::size_t end = 0;
    milliseconds wait{0};
};

// What happens to one chunk: cut, or written as these pieces in order.
struct chunk_plan {
    bool cut = false;
    std::vector<piece> pieces;
};

class connection;

}  // namespace

struct chaos_proxy::impl {
    impl(std::uint16_t upstream_port, std::uint64_t seed);
    void accept_next();
    chunk_plan plan(std::size_t size);  // for a chunk of `size` bytes just read
    void count(std::uint64_t chaos_stats::*field);
    void opened(const std::shared_ptr<connection>& c);
    void closed(const std::shared_ptr<connection>& c);

    boost::asio::io_context io;
    tcp::acceptor acceptor;
    const std::uint16_t port;  // kept, so that port() need not touch the acceptor
    const tcp::endpoint upstream;
    // Only the I/O thread touches these two.
    std::mt19937_64 rng;
    std::set<std::shared_ptr<connection>> open;

    mutable std::mutex mutex;  // guards the three below
    chaos_faults faults;
    chaos_stats stats;
    std::size_t open_count = 0;

    std::thread thread;
};

namespace {

// A client and its upstream socket, pumping bytes both ways. Every handler
// holds a shared_ptr to it, so it lives until its last operation completes.
class connection : public std::enable_shared_from_this<connection> {
public:
    connection(chaos_proxy::impl& proxy, tcp::socket client)
        : proxy_(proxy), client_(std::move(client)), upstream_(proxy.io) {}

    void start() {
        proxy_.opened(shared_from_this());
        upstream_.async_connect(proxy_.upstream, [this, self = shared_from_this()](error_code ec) {
            if (closed_) return;
            // A connect to a free port in the ephemeral range can pick that same
            // port as its source and connect to itself (TCP simultaneous open):
            // that is the relay being down, not up.
            if (!ec && upstream_.local_endpoint(ec) == proxy_.upstream)
                ec = boost::asio::error::connection_refused;
            if (ec) {
                proxy_.count(&chaos_stats::refused);
                return close(true);
            }
            // So that the pieces of a split chunk leave as separate segments.
            client_.set_option(tcp::no_delay(true), ec);
            upstream_.set_option(tcp::no_delay(true), ec);
            read(to_upstream_);
            read(to_client_);
        });
    }

    void cut() {
        proxy_.count(&chaos_stats::cuts);
        close(true);
    }

    // `reset` closes with linger 0, so the peers see a reset rather than an end.
    void close(bool reset) {
        if (closed_) return;
        closed_ = true;
        proxy_.closed(shared_from_this());
        for (tcp::socket* socket : {&client_, &upstream_}) {
            error_code ignored;
            if (reset) socket->set_option(tcp::socket::linger(true, 0), ignored);
            socket->close(ignored);
        }
        to_upstream_.timer.cancel();
        to_client_.timer.cancel();
    }

private:
    // One direction. It reads a chunk, writes it out, and only then reads the
    // next: what is held back waits in the kernel's buffers, in order, and a
    // slow reader pushes back on the sender just as without the proxy.
    struct pipe {
        pipe(tcp::socket& from, tcp::socket& to) : from(from), to(to), timer(from.get_executor()) {}
        tcp::socket& from;
        tcp::socket& to;
        boost::asio::steady_timer timer;
        std::array<char, 16 * 1024> buffer{};
        std::vector<piece> pieces;
        std::size_t next_piece = 0;
        bool ended = false;
    };

    void read(pipe& p) {
        p.from.async_read_some(boost::asio::buffer(p.buffer),
                               [this, self = shared_from_this(), &p](error_code ec, std::size_t size) {
                                   if (closed_) return;
                                   if (ec == boost::asio::error::eof) return end(p);
                                   // A peer that vanished abruptly is passed on as abruptly.
                                   if (ec) return close(true);
                                   chunk_plan plan = proxy_.plan(size);
                                   if (plan.cut) return cut();
                                   p.pieces = std::move(plan.pieces);
                                   p.next_piece = 0;
                                   write_next(p);
                               });
    }

    void write_next(pipe& p) {
        if (p.next_piece == p.pieces.size()) return read(p);
        p.timer.expires_after(p.pieces[p.next_piece].wait);
        p.timer.async_wait([this, self = shared_from_this(), &p](error_code ec) {
            if (ec || closed_) return;
            const piece& next = p.pieces[p.next_piece++];
            boost::asio::async_write(p.to,
                                     boost::asio::buffer(p.buffer.data() + next.begin, next.end - next.begin),
                                     [this, self, &p](error_code ec, std::size_t) {
                                         if (closed_) return;
                                         if (ec) return close(true);
                                         write_next(p);
                                     });
        });
    }

    // The sender finished: pass the end on, and close once both ways ended.
    void end(pipe& p) {
        p.ended = true;
        error_code ignored;
        p.to.shutdown(tcp::socket::shutdown_send, ignored);
        if (to_upstream_.ended && to_client_.ended) close(false);
    }

    chaos_proxy::impl& proxy_;
    tcp::socket client_;
    tcp::socket upstream_;
    pipe to_upstream_{client_, upstream_};
    pipe to_client_{upstream_, client_};
    bool closed_ = false;
};

// Each close takes the connection out of `open`.
void close_all(std::set<std::shared_ptr<connection>>& open, bool cut) {
    while (!open.empty()) {
        const std::shared_ptr<connection> c = *open.begin();
        cut ? c->cut() : c->close(false);
    }
}

void check_per_mille(int value, const char* name) {
    if (value < 0 || value > 1000)
        throw std::invalid_argument(std::string("chaos_faults.") + name + " is not per mille");
}

}  // namespace

chaos_proxy::impl::impl(std::uint16_t upstream_port, std::uint64_t seed)
    : acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)),
      port(acceptor.local_endpoint().port()),
      upstream(boost::asio::ip::address_v4::loopback(), upstream_port),
      rng(seed) {}

void chaos_proxy::impl::accept_next() {
    acceptor.async_accept([this](error_code ec, tcp::socket client) {
        if (ec == boost::asio::error::operation_aborted) return;
        if (!ec) std::make_shared<connection>(*this, std::move(client))->start();
        accept_next();
    });
}

chunk_plan chaos_proxy::impl::plan(std::size_t size) {
    // One lock for the whole plan: it takes microseconds, and reads faults and counts stats.
    const std::lock_guard lock(mutex);
    ++stats.chunks;
    stats.bytes += size;
    const auto between = [this](auto low, auto high) {
        return std::uniform_int_distribution(low, high)(rng);
    };
    const auto roll = [&between](int per_mille) { return between(0, 999) < per_mille; };
    if (roll(faults.cut)) return {true, {}};

    milliseconds wait{0};
    if (roll(faults.stall)) {
        ++stats.stalls;
        wait += milliseconds(faults.stall_ms);
    }
    if (roll(faults.delay)) {
        ++stats.delays;
        wait += milliseconds(between(1, faults.max_delay_ms));
    }
    std::set<std::size_t> bounds{0, size};
    if (roll(faults.split) && size > 1) {
        ++stats.splits;
        const std::size_t pieces = between(std::size_t{2}, std::min<std::size_t>(size, 8));
        while (bounds.size() < pieces + 1) bounds.insert(between(std::size_t{1}, size - 1));
    }
    chunk_plan plan;
    for (auto begin = bounds.begin(), end = std::next(begin); end != bounds.end(); begin = end++) {
        plan.pieces.push_back({*begin, *end, plan.pieces.empty() ? wait : milliseconds(between(0, 2))});
    }
    return plan;
}

void chaos_proxy::impl::count(std::uint64_t chaos_stats::*field) {
    const std::lock_guard lock(mutex);
    ++(stats.*field);
}

void chaos_proxy::impl::opened(const std::shared_ptr<connection>& c) {
    open.insert(c);
    const std::lock_guard lock(mutex);
    ++stats.connections;
    ++open_count;
}

void chaos_proxy::impl::closed(const std::shared_ptr<connection>& c) {
    open.erase(c);
    const std::lock_guard lock(mutex);
    --open_count;
}

chaos_proxy::chaos_proxy(std::uint16_t upstream_port, std::uint64_t seed)
    : impl_(std::make_unique<impl>(upstream_port, seed)) {
    impl_->accept_next();
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

chaos_proxy::~chaos_proxy() {
    // With the listener and every socket and timer closed, run() runs out of work.
    boost::asio::post(impl_->io, [this] {
        error_code ignored;
        impl_->acceptor.close(ignored);
        close_all(impl_->open, false);
    });
    impl_->thread.join();
}

std::uint16_t chaos_proxy::port() const { return impl_->port; }

void chaos_proxy::set_faults(const chaos_faults& faults) {
    check_per_mille(faults.split, "split");
    check_per_mille(faults.delay, "delay");
    check_per_mille(faults.stall, "stall");
    check_per_mille(faults.cut, "cut");
    if (faults.max_delay_ms < 1) throw std::invalid_argument("chaos_faults.max_delay_ms is below 1");
    if (faults.stall_ms < 0) throw std::invalid_argument("chaos_faults.stall_ms is below 0");
    const std::lock_guard lock(impl_->mutex);
    impl_->faults = faults;
}

void chaos_proxy::cut_all() {
    std::packaged_task<void()> cut([this] { close_all(impl_->open, true); });
    std::future<void> done = cut.get_future();
    boost::asio::post(impl_->io, std::move(cut));
    done.get();
}

chaos_stats chaos_proxy::stats() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

std::size_t chaos_proxy::open_connections() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->open_count;
}

}  // namespace roomchat::soak
