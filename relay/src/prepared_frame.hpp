#pragma once
// One text message framed for the wire once, for any number of connections.
// A server's frames are not masked, so the same header and payload (what
// websocketpp calls a prepared message) are valid on every RFC 6455
// connection, and websocketpp queues a prepared message as it is: no copy,
// no framing and no UTF-8 check per recipient (the codec's output is valid
// UTF-8).

#include <memory>
#include <string>
#include <utility>

#include <websocketpp/frame.hpp>

namespace roomchat::relay {

// `Message` is a websocketpp message type (config::message_type).
template <typename Message>
std::shared_ptr<Message> prepare_text_frame(std::string&& payload) {
    namespace frame = websocketpp::frame;
    auto framed = std::make_shared<Message>(nullptr, frame::opcode::text, 0);
    framed->set_header(frame::prepare_header(
        frame::basic_header(frame::opcode::text, payload.size(), /*fin=*/true, /*mask=*/false),
        frame::extended_header(payload.size())));
    framed->get_raw_payload() = std::move(payload);
    framed->set_prepared(true);
    return framed;
}

}  // namespace roomchat::relay
