#include "asio_events.hpp"

#include <hiredis/async.h>
#include <memory>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace roomchat::relay::redis {
namespace {

namespace asio = boost::asio;
using wait_type = asio::posix::stream_descriptor::wait_type;

// One per context. Pending waits hold it alive; hiredis's reference (`self`)
// ends at cleanup, when hiredis is about to close the socket: the descriptor
// lets go of it first, and waits still pending find no context.
struct watcher : std::enable_shared_from_this<watcher> {
    watcher(redisAsyncContext& context, asio::io_context& io)
        : context(&context), descriptor(io, context.c.fd) {}

    // What hiredis wants of one direction, and whether a wait for it is out.
    struct interest {
        bool wanted = false;
        bool waiting = false;
    };

    redisAsyncContext* context;
    asio::posix::stream_descriptor descriptor;
    std::shared_ptr<watcher> self;
    interest read;
    interest write;

    interest& of(wait_type type) { return type == wait_type::wait_read ? read : write; }

    void want(wait_type type, bool wanted) {
        of(type).wanted = wanted;
        arm(type);
    }

    // hiredis's hooks must be idempotent: at most one wait each way.
    void arm(wait_type type) {
        interest& way = of(type);
        if (context == nullptr || !way.wanted || way.waiting) return;
        way.waiting = true;
        descriptor.async_wait(type, [w = shared_from_this(), type](const boost::system::error_code& ec) {
            interest& way = w->of(type);
            way.waiting = false;
            if (ec || w->context == nullptr || !way.wanted) return;
            if (type == wait_type::wait_read) {
                redisAsyncHandleRead(w->context);
            } else {
                redisAsyncHandleWrite(w->context);
            }
            w->arm(type);
        });
    }

    void cleanup() {
        context = nullptr;
        read.wanted = write.wanted = false;
        boost::system::error_code ignored;
        descriptor.cancel(ignored);
        descriptor.release();  // hiredis closes the socket itself
        self.reset();          // may destroy this: nothing after it
    }
};

watcher& of(void* data) { return *static_cast<watcher*>(data); }

}  // namespace

bool attach(redisAsyncContext& context, asio::io_context& io) {
    if (context.ev.data != nullptr) return false;
    auto events = std::make_shared<watcher>(context, io);
    events->self = events;
    context.ev.data = events.get();
    context.ev.addRead = [](void* data) { of(data).want(wait_type::wait_read, true); };
    context.ev.delRead = [](void* data) { of(data).want(wait_type::wait_read, false); };
    context.ev.addWrite = [](void* data) { of(data).want(wait_type::wait_write, true); };
    context.ev.delWrite = [](void* data) { of(data).want(wait_type::wait_write, false); };
    context.ev.cleanup = [](void* data) { of(data).cleanup(); };
    return true;
}

}  // namespace roomchat::relay::redis
