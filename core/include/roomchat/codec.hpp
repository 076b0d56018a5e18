#pragma once
// JSON text <-> protocol frames. Decoding is strict: a frame with an unknown
// type, a missing or mistyped field, text over the size limit or nesting over
// the depth limit is an error value; nothing throws out of these functions.
// Unknown extra fields are ignored so that newer peers stay compatible.
// Every frame carries "type"; auth carries "v" (protocol_version).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "roomchat/protocol.hpp"
#include "roomchat/result.hpp"

namespace roomchat {

struct codec_limits {
    std::size_t max_frame_bytes = 16 * 1024;  // checked before parsing
    std::size_t max_depth = 8;                // objects/arrays nested
};

// What a client accepts from the relay: history pages (up to the relay's max
// page size of full-length messages) and member lists are far larger than the
// 16 KiB a client frame may have. The deepest frame the relay sends is a
// page in a batch whose messages carry reactions: batch, frames, the page,
// messages, a message, reactions, a tally, users, a user (9).
inline constexpr codec_limits server_frame_limits{1024 * 1024, 9};

// The error of a failed decode: the code and which field or why.
struct decode_error {
    errc code = errc::malformed_json;
    std::string detail;
};

template <typename T>
using decoded = result<T, decode_error>;

std::string encode(const client_frame& frame);
std::string encode(const server_frame& frame);

decoded<client_frame> decode_client_frame(std::string_view text, const codec_limits& limits = {});
decoded<server_frame> decode_server_frame(std::string_view text,
                                          const codec_limits& limits = server_frame_limits);
// What a client that asked for batches (auth_frame::batch) decodes: a batch
// frame (batch.hpp) gives one element per frame in it, in order, each decoded
// as if it had come alone; any other text gives one element. A batch that is
// not one (no "frames", not an array, empty) is a single wrong_type error.
std::vector<decoded<server_frame>> decode_server_frames(std::string_view text,
                                                        const codec_limits& limits = server_frame_limits);

// An answer of the relay's HTTP API (docs/relay.md), which a client uses when
// WebSockets do not get through (client_session's HTTP fallback). A 2xx body
// is a frame: a history page, an ack. Any other status carries
// {"error":{"code","message","retry_after_ms"?}}, read into an http_refusal.
// The relay's HTTP-only too_many_polls and polls_full read as rate_limited. A
// refusal that does not read so (a proxy's own error page) or a 2xx body
// that is no frame reads as going_away (rate_limited for a 429): the relay may
// be fine; the way to it is not.
struct http_refusal {
    errc code = errc::going_away;
    std::string message;
    std::optional<std::uint32_t> retry_after_ms = std::nullopt;
};
using http_answer = std::variant<server_frame, http_refusal>;
http_answer decode_http_answer(int status, std::string_view body);

// The one rule for which page a history request asks, however it came (the
// WebSocket frame, the HTTP API's query string): at most one of before and
// after, neither meaning the latest page, and a limit of at least 1. The
// error names the field at fault.
std::optional<decode_error> check_history_request(const history_request_frame& request);

std::string_view to_string(history_mode mode) noexcept;
std::string_view to_string(presence_event event) noexcept;

}  // namespace roomchat
