#include "chat_session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "roomchat/text_rules.hpp"

#include "crypto_random.hpp"
#include "session_json.hpp"

namespace roomchat::wasm {
namespace {

// Number.MAX_SAFE_INTEGER: every whole number up to it survives the trip through a double.
constexpr double max_safe_integer = 9007199254740991.0;

// Clamps before converting: casting NaN or an out-of-range double is undefined behaviour.
double whole_in_range(double value, double low, double high) {
    return std::isnan(value) ? 0.0 : std::trunc(std::clamp(value, low, high));
}

millis to_millis(double now) {
    return static_cast<millis>(whole_in_range(now, -max_safe_integer, max_safe_integer));
}

seq_t to_seq(double seq) { return static_cast<seq_t>(whole_in_range(seq, 0, max_safe_integer)); }

// A count of rows: NaN or negative is none; more than fits in 32 bits (and so
// in wasm32's memory) is as many as that.
std::size_t to_count(double count) { return static_cast<std::size_t>(whole_in_range(count, 0, UINT32_MAX)); }

client_config make_config(std::string room, std::string token, double page_size, double max_timeline) {
    client_config config;
    config.room = std::move(room);
    config.token = std::move(token);
    if (page_size >= 1) {
        config.page_size = static_cast<std::uint32_t>(whole_in_range(page_size, 1, UINT32_MAX));
    }
    if (max_timeline >= 1) {
        config.max_timeline = to_count(max_timeline);
    }
    return config;
}

}  // namespace

chat_session::chat_session(std::string room, std::string token, double page_size, double max_timeline)
    : session_(make_config(std::move(room), std::move(token), page_size, max_timeline), crypto_random()) {}

void chat_session::start(double now) { session_.start(to_millis(now)); }
void chat_session::transport_opened(double now) { session_.transport_opened(to_millis(now)); }
void chat_session::transport_closed(double now) { session_.transport_closed(to_millis(now)); }
void chat_session::network_changed(bool online, double now) {
    session_.network_changed(online, to_millis(now));
}
void chat_session::receive(std::string_view frame_text, double now) {
    session_.receive(frame_text, to_millis(now));
}
void chat_session::http_response(double id, double status, std::string_view body, double now) {
    // Ids and statuses the session never gave (not whole, out of range) answer nothing it asked.
    const bool known_id = id >= 1 && id <= std::numeric_limits<std::uint32_t>::max() && id == std::floor(id);
    const bool known_status = status >= 0 && status <= 999 && status == std::floor(status);
    if (known_id && known_status) {
        session_.http_response(static_cast<std::uint32_t>(id), static_cast<int>(status), body,
                               to_millis(now));
    }
}
void chat_session::on_timer(double now) { session_.on_timer(to_millis(now)); }
std::string chat_session::next_deadline() const { return deadline_json(session_.next_deadline()); }

std::string chat_session::send(std::string_view text, double now, double media_seconds) {
    return send_result_json(session_.send(text, to_millis(now), media_ms_of_seconds(media_seconds)));
}

std::string chat_session::retry(std::string_view id, double now) {
    const auto parsed = message_id::parse(id);
    if (!parsed) return status_json(parsed.error());
    return status_json(session_.retry(*parsed, to_millis(now)));
}

void chat_session::mark_read(double seq, double now) { session_.mark_read(to_seq(seq), to_millis(now)); }
void chat_session::set_watching(bool watching, double now) {
    session_.set_watching(watching, to_millis(now));
}
void chat_session::composing(bool has_text, double now) { session_.composing(has_text, to_millis(now)); }
std::string chat_session::mute(std::string_view user_id, double minutes, double now) {
    // Not a whole number that fits: wrong_type here, before the cast; the
    // session refuses one past max_mute_minutes the same way.
    if (!(minutes >= 0 && minutes <= UINT32_MAX) || minutes != std::trunc(minutes)) {
        return status_json(errc::wrong_type);
    }
    return status_json(session_.mute(user_id, static_cast<std::uint32_t>(minutes), to_millis(now)));
}

std::string chat_session::remove(double seq, double now) {
    return status_json(session_.remove(to_seq(seq), to_millis(now)));
}

std::string chat_session::react(double seq, std::string_view emoji, double now) {
    return status_json(session_.react(to_seq(seq), emoji, to_millis(now)));
}

void chat_session::load_older(double now) { session_.load_older(to_millis(now)); }
void chat_session::set_token(std::string token, double now) {
    session_.set_token(std::move(token), to_millis(now));
}
void chat_session::stop(double now) { session_.stop(to_millis(now)); }

std::string chat_session::restore(std::string_view pending, double now) {
    auto messages = pending_from_json(pending);
    if (!messages) return restore_result_json(messages.error());
    return restore_result_json(session_.restore(*messages, to_millis(now)));
}

std::string chat_session::take_frames() { return frames_json(session_.take_frames()); }
void chat_session::take_events(cells& out) { write_events(out, session_.take_events()); }

std::string chat_session::validate(std::string_view text, double now) const {
    const millis at = to_millis(now);
    const auto verdict = session_.validate(text, at);
    // The counter shows what would be sent (trimmed), also while the rate
    // limit holds sends back; a text the rules refuse has no such form.
    const auto sendable =
        verdict || verdict.error() != errc::rate_limited ? verdict : normalize_text(text, session_.limits());
    const auto code_points =
        count_code_points(sendable ? std::string_view(*sendable) : std::string_view(text));
    return validation_json(verdict, code_points, session_.limits().max_code_points, session_.rate_wait_ms(at),
                           session_.muted_wait_ms(at));
}

double chat_session::rate_wait_ms(double now) const { return session_.rate_wait_ms(to_millis(now)); }
std::string chat_session::state() const { return std::string(to_string(session_.state())); }
double chat_session::unread_count() const { return static_cast<double>(session_.unread_count()); }
void chat_session::timeline(cells& out) const { write_rows(out, session_.timeline()); }
void chat_session::timeline_latest(cells& out, double count) const {
    write_window(out, session_.timeline_latest(to_count(count)));
}
void chat_session::timeline_from(cells& out, double from, double count) const {
    write_window(out, session_.timeline_from(to_seq(from), to_count(count)));
}
void chat_session::timeline_before(cells& out, double before, double count) const {
    write_window(out, session_.timeline_before(to_seq(before), to_count(count)));
}
std::string chat_session::older() const { return std::string(to_string(session_.older())); }
std::string chat_session::pending() const { return pending_json(session_.pending()); }
std::string chat_session::self() const { return self_json(session_.self()); }

}  // namespace roomchat::wasm
