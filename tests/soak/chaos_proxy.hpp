#pragma once
// A TCP proxy for the chaos soak. It sits between real WebSocket clients and
// the relay and, as a seeded generator decides, splits, delays, stalls or cuts
// what passes through. Within one direction bytes are never reordered,
// duplicated, altered or dropped: the network may be slow and choppy, but it
// stays TCP. Only a cut loses bytes, and it ends the connection.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace roomchat::soak {

// Each probability is in per mille, rolled for every chunk (what one read
// returned) in each direction. set_faults() throws std::invalid_argument for
// a probability outside 0..1000, max_delay_ms below 1 or stall_ms below 0.
struct chaos_faults {
    int split = 0;  // write the chunk as 2..8 pieces cut at random bytes, 0-2 ms apart
    int delay = 0;  // hold the chunk back 1..max_delay_ms first
    int max_delay_ms = 150;
    int stall = 0;  // hold the whole direction back stall_ms first
    int stall_ms = 1500;
    int cut = 0;  // reset both sockets (linger 0); whatever is held back is lost
};

// Totals since construction.
struct chaos_stats {
    std::uint64_t connections = 0;  // client connections accepted
    std::uint64_t refused = 0;      // of those, closed because the upstream connect failed
    std::uint64_t chunks = 0;       // chunks read, both directions
    std::uint64_t bytes = 0;        // bytes read, both directions
    std::uint64_t splits = 0;
    std::uint64_t delays = 0;
    std::uint64_t stalls = 0;
    std::uint64_t cuts = 0;  // by the cut fault and by cut_all()
};

class chaos_proxy {
public:
    // Listens on 127.0.0.1 at an ephemeral port; connects each client to
    // 127.0.0.1:upstream_port. One thread of its own does all the I/O.
    chaos_proxy(std::uint16_t upstream_port, std::uint64_t seed);
    // Closes the listener and every connection, then joins the thread.
    ~chaos_proxy();
    chaos_proxy(const chaos_proxy&) = delete;
    chaos_proxy& operator=(const chaos_proxy&) = delete;

    std::uint16_t port() const;

    // The rest may be called from any thread but the proxy's own.
    void set_faults(const chaos_faults& faults);  // applies to chunks read from now on
    void cut_all();                               // returns once every open connection is cut
    chaos_stats stats() const;
    std::size_t open_connections() const;  // accepted and not yet closed

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace roomchat::soak
