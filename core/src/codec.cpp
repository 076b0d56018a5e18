#include "roomchat/codec.hpp"

#include <exception>
#include <limits>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "roomchat/detail/json_shapes.hpp"
#include "roomchat/detail/json_tree.hpp"

#include "detail/json_reader.hpp"

namespace roomchat {
namespace {

// Encoding keeps insertion order so every frame reads "type" first and the
// output is byte-for-byte stable; decoding reads the core's flat tree
// (roomchat/detail/json_tree.hpp), where a field's read walks the object's members:
// cheap for the few a frame has, and linear (not worse) in the unknown ones
// a peer may add.
using out_json = nlohmann::ordered_json;
using detail::json_reader;
using detail::json_tree;
using detail::json_value;

// ---- encoding --------------------------------------------------------------

out_json frame_of(std::string_view type) {
    out_json j = out_json::object();
    j["type"] = type;
    return j;
}

out_json message_json(const chat_message& message) {
    out_json j{{"seq", message.seq},
               {"id", message.id.to_string()},
               {"from", detail::user_json<out_json>(message.from)},
               {"text", message.text},
               {"ts", message.ts}};
    if (message.media_ms) {
        j["media_ms"] = *message.media_ms;
    }
    if (message.system) {
        j["system"] = true;
    }
    if (message.removes) {
        j["removes"] = *message.removes;
    }
    if (message.removed) {
        j["removed"] = true;
    }
    if (message.reaction) {
        j["reaction"] = detail::reaction_json<out_json>(*message.reaction);
    }
    if (!message.reactions.empty()) {
        out_json tallies = out_json::array();
        for (const auto& tally : message.reactions) {
            out_json users = out_json::array();
            for (const auto& user : tally.users) {
                users.push_back(detail::user_json<out_json>(user));
            }
            tallies.push_back(out_json{{"emoji", tally.emoji}, {"users", std::move(users)}});
        }
        j["reactions"] = std::move(tallies);
    }
    if (message.reactions_seq != 0) {
        j["reactions_seq"] = message.reactions_seq;
    }
    return j;
}

out_json json_of(const auth_frame& f) {
    auto j = frame_of("auth");
    j["v"] = protocol_version;
    j["token"] = f.token;
    if (f.batch) {
        j["batch"] = true;
    }
    if (f.typing) {
        j["typing"] = true;
    }
    return j;
}

out_json json_of(const join_frame& f) {
    auto j = frame_of("join");
    j["room"] = f.room;
    if (f.since) {
        j["since"] = *f.since;
    }
    if (f.epoch) {
        j["epoch"] = *f.epoch;
    }
    return j;
}

out_json json_of(const leave_frame& f) {
    auto j = frame_of("leave");
    j["room"] = f.room;
    return j;
}

out_json json_of(const send_frame& f) {
    auto j = frame_of("send");
    j["room"] = f.room;
    j["id"] = f.id.to_string();
    j["text"] = f.text;
    if (f.media_ms) {
        j["media_ms"] = *f.media_ms;
    }
    if (f.removes) {
        j["removes"] = *f.removes;
    }
    if (f.reaction) {
        j["reaction"] = detail::reaction_json<out_json>(*f.reaction);
    }
    return j;
}

out_json json_of(const history_request_frame& f) {
    auto j = frame_of("history_request");
    j["room"] = f.room;
    if (f.before) {
        j["before"] = *f.before;
    }
    if (f.after) {
        j["after"] = *f.after;
    }
    j["limit"] = f.limit;
    return j;
}

out_json json_of(const read_frame& f) {
    auto j = frame_of("read");
    j["room"] = f.room;
    j["seq"] = f.seq;
    return j;
}

out_json json_of(const typing_frame& f) {
    auto j = frame_of("typing");
    j["room"] = f.room;
    j["active"] = f.active;
    return j;
}

out_json json_of(const mute_frame& f) {
    auto j = frame_of("mute");
    j["room"] = f.room;
    j["user"] = f.user;
    j["minutes"] = f.minutes;
    return j;
}

out_json json_of(const welcome_frame& f) {
    auto j = frame_of("welcome");
    j["user"] = detail::user_json<out_json>(f.user);
    j["max_text_code_points"] = f.max_text_code_points;
    j["rate"] = out_json{{"burst", f.rate.burst}, {"refill_interval_ms", f.rate.refill_interval_ms}};
    j["token_expires_at"] = f.token_expires_at;
    return j;
}

out_json json_of(const joined_frame& f) {
    auto j = frame_of("joined");
    j["room"] = f.room;
    j["epoch"] = f.epoch;
    j["members"] = out_json::array();
    for (const auto& member : f.members) {
        j["members"].push_back(detail::user_json<out_json>(member));
    }
    j["member_count"] = f.member_count;
    j["read_seq"] = f.read_seq;
    j["latest_seq"] = f.latest_seq;
    if (f.moderator) {
        j["moderator"] = true;
    }
    if (f.muted_until) {
        j["muted_until"] = *f.muted_until;
    }
    return j;
}

out_json json_of(const history_frame& f) {
    auto j = frame_of("history");
    j["room"] = f.room;
    if (f.epoch) {
        j["epoch"] = *f.epoch;
    }
    j["mode"] = to_string(f.mode);
    j["messages"] = out_json::array();
    for (const auto& message : f.messages) {
        j["messages"].push_back(message_json(message));
    }
    j["truncated"] = f.truncated;
    j["has_more"] = f.has_more;
    return j;
}

out_json json_of(const ack_frame& f) {
    auto j = frame_of("ack");
    j["room"] = f.room;
    j["epoch"] = f.epoch;
    j["id"] = f.id.to_string();
    j["seq"] = f.seq;
    j["ts"] = f.ts;
    return j;
}

out_json json_of(const nack_frame& f) {
    auto j = frame_of("nack");
    j["room"] = f.room;
    j["id"] = f.id.to_string();
    j["code"] = to_string(f.code);
    if (f.retry_after_ms) {
        j["retry_after_ms"] = *f.retry_after_ms;
    }
    return j;
}

out_json json_of(const message_frame& f) {
    auto j = frame_of("message");
    j["room"] = f.room;
    j["message"] = message_json(f.message);
    return j;
}

out_json json_of(const presence_frame& f) {
    auto j = frame_of("presence");
    j["room"] = f.room;
    j["event"] = to_string(f.event);
    j["user"] = detail::user_json<out_json>(f.user);
    j["member_count"] = f.member_count;
    return j;
}

out_json json_of(const read_marker_frame& f) {
    auto j = frame_of("read_marker");
    j["room"] = f.room;
    j["seq"] = f.seq;
    return j;
}

out_json json_of(const typist_frame& f) {
    auto j = frame_of("typist");
    j["room"] = f.room;
    j["user"] = detail::user_json<out_json>(f.user);
    j["active"] = f.active;
    return j;
}

out_json json_of(const muted_frame& f) {
    auto j = frame_of("muted");
    j["room"] = f.room;
    j["user"] = f.user;
    j["until"] = f.until;
    return j;
}

out_json json_of(const error_frame& f) {
    auto j = frame_of("error");
    j["code"] = to_string(f.code);
    j["message"] = f.message;
    if (f.room) {
        j["room"] = *f.room;
    }
    return j;
}

// Strings that are not valid UTF-8 cannot be JSON text; they are written with
// U+FFFD in place of the bad bytes rather than throwing (the text rules keep
// such strings out of frames in the first place).
template <typename Variant>
std::string dump(const Variant& frame) {
    const out_json j = std::visit([](const auto& f) { return json_of(f); }, frame);
    return j.dump(-1, ' ', false, out_json::error_handler_t::replace);
}

// ---- decoding --------------------------------------------------------------

std::optional<history_mode> parse_history_mode(std::string_view name) {
    for (const auto mode : {history_mode::latest, history_mode::after, history_mode::before}) {
        if (to_string(mode) == name) {
            return mode;
        }
    }
    return std::nullopt;
}

std::optional<presence_event> parse_presence_event(std::string_view name) {
    for (const auto event : {presence_event::join, presence_event::leave}) {
        if (to_string(event) == name) {
            return event;
        }
    }
    return std::nullopt;
}

user_info read_user(json_reader& r) {
    user_info user;
    user.id = r.user_id("id");
    user.name = r.string("name");
    return user;
}

// Absent, or a whole number of milliseconds up to max_media_ms.
std::optional<millis> read_media_ms(json_reader& r) {
    const auto media_ms = r.optional_integer<millis>("media_ms");
    if (media_ms && !checked_media_ms(media_ms)) {
        r.fail(errc::wrong_type, "media_ms");
    }
    return media_ms;
}

// From a client, the emoji must be one of the set; from the relay any text
// is taken, so a set grown later still reads.
reaction_change read_reaction(json_reader& r, bool checked) {
    reaction_change reaction;
    reaction.to = r.integer<seq_t>("to");
    reaction.emoji = r.string("emoji");
    reaction.add = r.boolean("add");
    if (checked && !r.failed() && !is_reaction_emoji(reaction.emoji)) {
        r.fail(errc::wrong_type, "emoji");
    }
    return reaction;
}

reaction_tally read_tally(json_reader& r) {
    reaction_tally tally;
    tally.emoji = r.string("emoji");
    tally.users = r.array("users", read_user);
    return tally;
}

chat_message read_message(json_reader& r) {
    chat_message message;
    message.seq = r.integer<seq_t>("seq");
    message.id = r.id("id");
    message.from = r.object("from", read_user);
    message.text = r.string("text");
    message.ts = r.integer<millis>("ts");
    message.media_ms = read_media_ms(r);
    message.system = r.optional_boolean("system");
    message.removes = r.optional_integer<seq_t>("removes");
    message.removed = r.optional_boolean("removed");
    if (r.has("reaction")) {
        message.reaction =
            r.object("reaction", [](json_reader& nested) { return read_reaction(nested, false); });
    }
    if (r.has("reactions")) {
        message.reactions = r.array("reactions", read_tally);
    }
    message.reactions_seq = r.optional_integer<seq_t>("reactions_seq").value_or(0);
    return message;
}

client_frame read_auth(json_reader& r) {
    const auto version = r.integer<std::uint64_t>("v");
    if (version != static_cast<std::uint64_t>(protocol_version)) {
        r.fail(errc::unsupported_version, "v");
    }
    auth_frame f;
    f.token = r.string("token");
    f.batch = r.optional_boolean("batch");
    f.typing = r.optional_boolean("typing");
    return f;
}

client_frame read_join(json_reader& r) {
    join_frame f;
    f.room = r.room("room");
    f.since = r.optional_integer<seq_t>("since");
    f.epoch = r.optional_epoch("epoch");
    return f;
}

client_frame read_leave(json_reader& r) { return leave_frame{r.room("room")}; }

client_frame read_send(json_reader& r) {
    send_frame f;
    f.room = r.room("room");
    f.id = r.id("id");
    f.text = r.string("text");
    f.media_ms = read_media_ms(r);
    f.removes = r.optional_integer<seq_t>("removes");
    if (r.has("reaction")) {
        f.reaction = r.object("reaction", [](json_reader& nested) { return read_reaction(nested, true); });
    }
    // A removal or a reaction says nothing of its own, and is one of the two.
    if (!is_message(f) && !r.failed() && (!f.text.empty() || f.media_ms || (f.removes && f.reaction))) {
        r.fail(errc::wrong_type, !f.text.empty() ? "text" : f.media_ms ? "media_ms" : "reaction");
    }
    return f;
}

client_frame read_history_request(json_reader& r) {
    history_request_frame f;
    f.room = r.room("room");
    f.before = r.optional_integer<seq_t>("before");
    f.after = r.optional_integer<seq_t>("after");
    f.limit = r.integer<std::uint32_t>("limit");
    if (r.failed()) {
        return f;
    }
    if (const auto error = check_history_request(f)) {
        r.fail(error->code, error->detail);
    }
    return f;
}

client_frame read_read(json_reader& r) {
    read_frame f;
    f.room = r.room("room");
    f.seq = r.integer<seq_t>("seq");
    return f;
}

client_frame read_typing(json_reader& r) {
    typing_frame f;
    f.room = r.room("room");
    f.active = r.boolean("active");
    return f;
}

client_frame read_mute(json_reader& r) {
    mute_frame f;
    f.room = r.room("room");
    f.user = r.user_id("user");
    f.minutes = r.integer<std::uint32_t>("minutes");
    if (!r.failed() && f.minutes > max_mute_minutes) {
        r.fail(errc::wrong_type, "minutes");
    }
    return f;
}

server_frame read_welcome(json_reader& r) {
    welcome_frame f;
    f.user = r.object("user", read_user);
    f.max_text_code_points = r.integer<std::uint32_t>("max_text_code_points");
    f.rate = r.object("rate", [](json_reader& rate) {
        rate_limit_config config;
        config.burst = rate.integer<std::uint32_t>("burst");
        config.refill_interval_ms = rate.integer<std::uint32_t>("refill_interval_ms");
        return config;
    });
    f.token_expires_at = r.integer<millis>("token_expires_at");
    return f;
}

server_frame read_joined(json_reader& r) {
    joined_frame f;
    f.room = r.room("room");
    f.epoch = r.epoch("epoch");
    f.members = r.array("members", read_user);
    f.member_count = r.integer<std::uint32_t>("member_count");
    f.read_seq = r.integer<seq_t>("read_seq");
    f.latest_seq = r.integer<seq_t>("latest_seq");
    f.moderator = r.optional_boolean("moderator");
    f.muted_until = r.optional_integer<millis>("muted_until");
    return f;
}

server_frame read_history(json_reader& r) {
    history_frame f;
    f.room = r.room("room");
    f.epoch = r.optional_epoch("epoch");
    f.mode = r.enumeration("mode", parse_history_mode);
    f.messages = r.array("messages", read_message);
    f.truncated = r.boolean("truncated");
    f.has_more = r.boolean("has_more");
    return f;
}

server_frame read_ack(json_reader& r) {
    ack_frame f;
    f.room = r.room("room");
    f.epoch = r.epoch("epoch");
    f.id = r.id("id");
    f.seq = r.integer<seq_t>("seq");
    f.ts = r.integer<millis>("ts");
    return f;
}

server_frame read_nack(json_reader& r) {
    nack_frame f;
    f.room = r.room("room");
    f.id = r.id("id");
    f.code = r.enumeration("code", errc_from_string);
    f.retry_after_ms = r.optional_integer<std::uint32_t>("retry_after_ms");
    return f;
}

server_frame read_message_frame(json_reader& r) {
    message_frame f;
    f.room = r.room("room");
    f.message = r.object("message", read_message);
    return f;
}

server_frame read_presence(json_reader& r) {
    presence_frame f;
    f.room = r.room("room");
    f.event = r.enumeration("event", parse_presence_event);
    f.user = r.object("user", read_user);
    f.member_count = r.integer<std::uint32_t>("member_count");
    return f;
}

server_frame read_read_marker(json_reader& r) {
    read_marker_frame f;
    f.room = r.room("room");
    f.seq = r.integer<seq_t>("seq");
    return f;
}

server_frame read_typist(json_reader& r) {
    typist_frame f;
    f.room = r.room("room");
    f.user = r.object("user", read_user);
    f.active = r.boolean("active");
    return f;
}

server_frame read_muted(json_reader& r) {
    muted_frame f;
    f.room = r.room("room");
    f.user = r.user_id("user");
    f.until = r.integer<millis>("until");
    return f;
}

server_frame read_error(json_reader& r) {
    error_frame f;
    f.code = r.enumeration("code", errc_from_string);
    f.message = r.string("message");
    f.room = r.optional_room("room");
    return f;
}

template <typename Frame>
struct frame_reader {
    std::string_view type;
    Frame (*read)(json_reader&);
};

constexpr frame_reader<client_frame> client_readers[] = {
    {"auth", read_auth},     {"join", read_join}, {"leave", read_leave},
    {"send", read_send},     {"read", read_read}, {"history_request", read_history_request},
    {"typing", read_typing}, {"mute", read_mute},
};

constexpr frame_reader<server_frame> server_readers[] = {
    {"welcome", read_welcome},   {"joined", read_joined},
    {"history", read_history},   {"ack", read_ack},
    {"nack", read_nack},         {"message", read_message_frame},
    {"presence", read_presence}, {"read_marker", read_read_marker},
    {"typist", read_typist},     {"muted", read_muted},
    {"error", read_error},
};

// The tree of a text that is one JSON object; its root is that object.
decoded<json_tree> parse_object(std::string_view text, const codec_limits& limits) {
    if (text.size() > limits.max_frame_bytes) {
        return decode_error{errc::frame_too_large, std::to_string(text.size()) + " bytes, limit " +
                                                       std::to_string(limits.max_frame_bytes)};
    }
    auto parsed = detail::parse_json(text, limits.max_depth);
    if (parsed.too_deep) {
        return decode_error{errc::too_deep, "nesting deeper than " + std::to_string(limits.max_depth)};
    }
    const auto root = parsed.tree.root();
    if (!root) {
        return decode_error{errc::malformed_json, "not valid JSON"};
    }
    if (!root->is_object()) {
        return decode_error{errc::malformed_json, "not a JSON object"};
    }
    return std::move(parsed.tree);
}

// One parsed frame object, the frame itself or an element of a batch's.
template <typename Frame, std::size_t N>
decoded<Frame> decode_object(json_value object, const json_reader::place& where,
                             const frame_reader<Frame> (&readers)[N]) {
    std::optional<decode_error> error;
    json_reader reader(object, where, error);
    const std::string type = reader.string("type");
    if (error) {
        return std::move(*error);
    }
    for (const auto& candidate : readers) {
        if (candidate.type == type) {
            Frame frame = candidate.read(reader);
            if (error) {
                return std::move(*error);
            }
            return frame;
        }
    }
    return decode_error{errc::unknown_type, where.prefix() + "type"};
}

// The frames of a batch, each decoded as if it had come alone; "batch" is not
// among `readers`, so a batch inside a batch is an unknown type.
template <typename Frame, std::size_t N>
std::vector<decoded<Frame>> read_batch(json_value object, const frame_reader<Frame> (&readers)[N]) {
    const auto frames = object.find("frames");
    if (!frames || !frames->is_array() || frames->size() == 0) {
        return {decode_error{errc::wrong_type, "frames"}};
    }
    std::vector<decoded<Frame>> out;
    out.reserve(frames->size());
    std::size_t i = 0;
    for (const json_value frame : *frames) {
        const json_reader::place element{nullptr, "frames", i++};
        if (frame.is_object()) {
            out.push_back(decode_object(frame, element, readers));
        } else {
            out.emplace_back(decode_error{errc::wrong_type, element.path()});
        }
    }
    return out;
}

// Parses `text` within the limits and hands the object to `read`; what fails
// on the way is a decode error, as `Result` holds one.
template <typename Result, typename Read>
Result read_object(std::string_view text, const codec_limits& limits, Read read) {
    try {
        const auto parsed = parse_object(text, limits);
        if (!parsed) {
            return Result{parsed.error()};
        }
        return read(*parsed->root());
    } catch (const std::exception& e) {
        // Only reachable through a bug in the checked accessors or exhausted
        // memory; either way the frame is refused instead of crashing the peer.
        return Result{decode_error{errc::malformed_json, e.what()}};
    }
}

}  // namespace

std::string encode(const client_frame& frame) { return dump(frame); }

std::string encode(const server_frame& frame) { return dump(frame); }

decoded<client_frame> decode_client_frame(std::string_view text, const codec_limits& limits) {
    return read_object<decoded<client_frame>>(
        text, limits, [](json_value object) { return decode_object(object, {}, client_readers); });
}

decoded<server_frame> decode_server_frame(std::string_view text, const codec_limits& limits) {
    return read_object<decoded<server_frame>>(
        text, limits, [](json_value object) { return decode_object(object, {}, server_readers); });
}

std::vector<decoded<server_frame>> decode_server_frames(std::string_view text, const codec_limits& limits) {
    using frames = std::vector<decoded<server_frame>>;
    return read_object<frames>(text, limits, [](json_value object) {
        const auto type = object.find("type");
        if (type && type->string() == "batch") {
            return read_batch(object, server_readers);
        }
        return frames{decode_object(object, {}, server_readers)};
    });
}

http_answer decode_http_answer(int status, std::string_view body) {
    if (status >= 200 && status < 300) {
        auto frame = decode_server_frame(body);
        if (frame) {
            return std::move(*frame);
        }
        return http_refusal{errc::going_away, "unreadable answer: " + frame.error().detail};
    }
    http_refusal refusal{status == 429 ? errc::rate_limited : errc::going_away,
                         "HTTP " + std::to_string(status)};
    const auto parsed = parse_object(body, server_frame_limits);
    if (!parsed) {
        return refusal;
    }
    const auto error = parsed->root()->find("error");
    if (!error || !error->is_object()) {
        return refusal;
    }
    const auto code = error->find("code");
    if (code && code->is_string()) {
        const auto name = code->string();
        // The relay's HTTP-only refusals (docs/relay.md) that mean "ask again later".
        const bool later = name == "too_many_polls" || name == "polls_full";
        refusal.code = later ? errc::rate_limited : errc_from_string(name).value_or(refusal.code);
    }
    const auto message = error->find("message");
    if (message && message->is_string()) {
        refusal.message = std::string(message->string());
    }
    const auto retry = error->find("retry_after_ms");
    if (retry && retry->is_unsigned() &&
        retry->unsigned_integer() <= std::numeric_limits<std::uint32_t>::max()) {
        refusal.retry_after_ms = static_cast<std::uint32_t>(retry->unsigned_integer());
    }
    return refusal;
}

std::optional<decode_error> check_history_request(const history_request_frame& request) {
    if (request.before && request.after) {
        return decode_error{errc::wrong_type, "after"};
    }
    if (request.limit == 0) {
        return decode_error{errc::wrong_type, "limit"};
    }
    return std::nullopt;
}

std::string_view to_string(history_mode mode) noexcept {
    switch (mode) {
        case history_mode::latest:
            return "latest";
        case history_mode::after:
            return "after";
        case history_mode::before:
            return "before";
    }
    return {};
}

std::string_view to_string(presence_event event) noexcept {
    switch (event) {
        case presence_event::join:
            return "join";
        case presence_event::leave:
            return "leave";
    }
    return {};
}

}  // namespace roomchat
