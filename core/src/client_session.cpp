#include "roomchat/client_session.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "roomchat/token_subject.hpp"

namespace roomchat {

namespace {

bool is_fatal(errc code) {
    return code == errc::auth_failed || code == errc::token_expired || code == errc::room_forbidden;
}

}  // namespace

std::string_view to_string(reset_reason reason) noexcept {
    switch (reason) {
        case reset_reason::history_truncated:
            return "history_truncated";
        case reset_reason::epoch_changed:
            return "epoch_changed";
    }
    return "unknown";
}

std::string_view to_string(older_state state) noexcept {
    switch (state) {
        case older_state::unknown:
            return "unknown";
        case older_state::available:
            return "available";
        case older_state::loading:
            return "loading";
        case older_state::start:
            return "start";
        case older_state::gone:
            return "gone";
    }
    return "unknown";
}

std::string_view to_string(carrier via) noexcept {
    switch (via) {
        case carrier::websocket:
            return "websocket";
        case carrier::http:
            return "http";
    }
    return "unknown";
}

std::string_view to_string(connection_state state) noexcept {
    switch (state) {
        case connection_state::connecting:
            return "connecting";
        case connection_state::online:
            return "online";
        case connection_state::reconnecting:
            return "reconnecting";
        case connection_state::offline:
            return "offline";
    }
    return "unknown";
}

client_session::client_session(client_config config, random_source random)
    : config_(std::move(config)), random_(std::move(random)), limiter_(config_.rate) {
    config_.max_timeline = std::max<std::size_t>(config_.max_timeline, 1);
}

// ---- connection ---------------------------------------------------------

void client_session::start(millis now) {
    if (started_ || stopped_) {
        return;
    }
    started_ = true;
    if (const auto valid = validate_room_id(config_.room); !valid) {
        // No relay would admit it, and over HTTP it would make another path.
        emit(events::error{valid.error(), "room id \"" + config_.room + "\""});
        auth_blocked_ = true;
        go_offline(valid.error());
        return;
    }
    if (!network_up_) {
        go_offline(std::nullopt);
        return;
    }
    announce_state();
    connect(now);
}

void client_session::connect(millis now) {
    got_joined_ = false;
    got_join_history_ = false;
    deadline(timer::reconnect).reset();
    deadline(timer::handshake) = now + config_.request_timeout_ms;
    const bool fall_back = config_.http_fallback_after > 0 && ws_failures_ >= config_.http_fallback_after;
    carrier_ = fall_back ? carrier::http : carrier::websocket;
    if (carrier_ == carrier::websocket) {
        link_ = link_phase::opening;
        emit(events::open_transport{});
    } else {
        // No welcome over HTTP: the token tells who we are and when it runs
        // out, and the join's page is the join.
        if (const auto preview = preview_token(config_.token)) {
            take_identity(preview->user, now);
            arm_token_refresh(preview->expires_at, now);
        }
        join_over_http(now);
        return;
    }
    set_state(connection_state::connecting, 0, std::nullopt);
}

void client_session::transport_opened(millis now) {
    if (ws_retrying_) {
        take_websocket(now);
        return;
    }
    if (link_ != link_phase::opening || carrier_ != carrier::websocket) {
        return;
    }
    link_ = link_phase::authenticating;
    transmit(auth_frame{config_.token, /*batch=*/true, /*typing=*/true});
}

void client_session::transport_closed(millis now) {
    if (ws_retrying_) {
        ws_retrying_ = false;  // still no WebSocket: HTTP carries on
        arm_ws_retry(now);
        return;
    }
    if (link_ == link_phase::closed || carrier_ != carrier::websocket) {
        return;
    }
    if (link_ != link_phase::joined) {
        ++ws_failures_;
    }
    drop_connection();
    if (stopped_ || auth_blocked_) {
        return;
    }
    if (!network_up_) {
        go_offline(std::nullopt);
        return;
    }
    schedule_reconnect(now);
}

void client_session::drop_connection() {
    link_ = link_phase::closed;
    if (ws_retrying_) {
        ws_retrying_ = false;
        emit(events::close_transport{"the relay is out of reach"});
    }
    abort_calls(std::nullopt);
    deadline(timer::handshake).reset();
    deadline(timer::older_request).reset();
    deadline(timer::gap_request).reset();
    deadline(timer::read).reset();  // the next joined says where the relay's marker is
    typing_signal_.forget();        // the relay forgot it with the connection
    if (typists_.clear()) announce_typing();
    deadline(timer::poll).reset();
    deadline(timer::ws_retry).reset();
    timeline_.drop_held_back();
    for (const auto& id : outbox_.requeue_in_flight()) {
        emit_pending(id);
    }
    announce_older();  // a page asked for on this connection will not come
}

void client_session::schedule_reconnect(millis now) {
    const millis at = now + backoff_delay(config_.reconnect, reconnect_attempts_, random_);
    ++reconnect_attempts_;
    deadline(timer::reconnect) = at;
    set_state(connection_state::reconnecting, at, std::nullopt);
}

void client_session::go_offline(std::optional<errc> reason) {
    deadline(timer::reconnect).reset();
    set_state(connection_state::offline, 0, reason);
}

void client_session::maybe_online(millis now) {
    if (link_ != link_phase::joining || !got_joined_ || !got_join_history_) {
        return;
    }
    link_ = link_phase::joined;
    deadline(timer::handshake).reset();
    reconnect_attempts_ = 0;
    if (carrier_ == carrier::websocket) {
        ws_failures_ = 0;
        ws_retries_ = 0;
    } else {
        poll(now);
        if (!armed(timer::ws_retry)) {
            arm_ws_retry(now);
        }
    }
    set_state(connection_state::online, 0, std::nullopt);
    pump_outbox(now);
    check_gap(now);
}

void client_session::network_changed(bool online, millis now) {
    network_up_ = online;
    if (!started_ || stopped_ || auth_blocked_) {
        return;
    }
    if (!online) {
        if (link_ != link_phase::closed) {
            emit(events::close_transport{"network offline"});
            drop_connection();
        }
        go_offline(std::nullopt);
    } else if (link_ == link_phase::closed) {
        reconnect_attempts_ = 0;
        ws_failures_ = 0;  // perhaps another network, whose proxies let WebSockets through
        connect(now);
    }
}

void client_session::set_token(std::string token, millis now) {
    config_.token = std::move(token);
    deadline(timer::token_refresh).reset();  // the welcome for this token sets the next one
    if (stopped_) {
        return;
    }
    if (carrier_ == carrier::http && link_ != link_phase::closed) {
        // Every request carries the token; the poll out now carries the old
        // one, which the relay checks again when it answers.
        if (const auto preview = preview_token(config_.token)) {
            arm_token_refresh(preview->expires_at, now);
        }
        if (link_ == link_phase::joined) {
            abort_calls(call_kind::poll);
            poll(now);
        }
        return;
    }
    switch (link_) {
        case link_phase::authenticating:
        case link_phase::joining:
        case link_phase::joined:
            transmit(auth_frame{config_.token, /*batch=*/true, /*typing=*/true});
            break;
        case link_phase::opening:
            break;  // transport_opened sends the new token
        case link_phase::closed:
            if (auth_blocked_) {
                auth_blocked_ = false;
                if (started_ && network_up_) {
                    reconnect_attempts_ = 0;
                    connect(now);
                }
            }
            break;
    }
}

void client_session::stop(millis /*now*/) {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    deadline(timer::token_refresh).reset();
    if (link_ != link_phase::closed) {
        emit(events::close_transport{"stopped"});
        drop_connection();
    }
    go_offline(std::nullopt);
}

// Offline nothing is due: every timer but the token refresh is disarmed, and
// that one waits until the session tries again.
void client_session::on_timer(millis now) {
    if (state_ == connection_state::offline) {
        return;
    }
    for (std::size_t i = 0; i < timers_.size(); ++i) {
        const auto which = static_cast<timer>(i);
        if (auto& at = deadline(which); at && now >= *at) {
            at.reset();
            fire(which, now);
        }
    }
    if (link_ == link_phase::joined) {
        pump_outbox(now);
    }
}

void client_session::fire(timer which, millis now) {
    switch (which) {
        case timer::token_refresh:
            emit(events::token_expiring{token_expires_at_});
            break;
        case timer::reconnect:
            connect(now);
            break;
        case timer::handshake:
            if (carrier_ == carrier::http) {
                http_lost(now);
                break;
            }
            ++ws_failures_;
            emit(events::close_transport{"no answer from the relay"});
            drop_connection();
            schedule_reconnect(now);
            break;
        case timer::older_request:
            abort_calls(call_kind::older);
            announce_older();  // given up: load_older() may ask again
            break;
        case timer::gap_request:
            check_gap(now);
            break;
        case timer::read:
            send_read(now);
            break;
        case timer::typing:
            if (typists_.expire(now)) announce_typing();
            break;
        case timer::poll:
            if (std::any_of(calls_.begin(), calls_.end(),
                            [](const auto& out) { return out.second.kind == call_kind::poll; })) {
                http_lost(now);  // not even the relay's own timeout came back
            } else {
                poll(now);
            }
            break;
        case timer::ws_retry:
            if (ws_retrying_) {
                ws_retrying_ = false;
                emit(events::close_transport{"no answer from the relay"});
                arm_ws_retry(now);
            } else {
                ws_retrying_ = true;
                emit(events::open_transport{});
                deadline(timer::ws_retry) = now + config_.request_timeout_ms;
            }
            break;
        case timer::count_:
            break;
    }
}

std::optional<millis> client_session::next_deadline() const {
    if (state_ == connection_state::offline) {
        return std::nullopt;
    }
    std::optional<millis> earliest =
        link_ == link_phase::joined ? outbox_.next_deadline(outbox_limit()) : std::nullopt;
    for (const auto& at : timers_) {
        if (at && (!earliest || *at < *earliest)) {
            earliest = at;
        }
    }
    return earliest;
}

void client_session::set_state(connection_state state, millis retry_at, std::optional<errc> reason) {
    if (state == state_ && retry_at == retry_at_ && reason == state_reason_ && carrier_ == via_announced_) {
        return;
    }
    state_ = state;
    retry_at_ = retry_at;
    state_reason_ = reason;
    announce_state();
}

void client_session::announce_state() {
    via_announced_ = carrier_;
    emit(events::connection_changed{state_, retry_at_, state_reason_, carrier_});
}

// ---- frames from the relay ----------------------------------------------

void client_session::receive(std::string_view frame_text, millis now) {
    // While HTTP carries the session no WebSocket is open: a frame now is a
    // late one of a socket given up, as it is before the next one opens.
    const auto given_up = [this] {
        return link_ == link_phase::closed || link_ == link_phase::opening || carrier_ == carrier::http;
    };
    if (given_up()) {
        return;
    }
    last_heard_at_ = now;
    // The messages of a batch are told as each applies, the unread count once
    // after the last: the UI shows a count, not its steps, and a batch of 100
    // would otherwise cost 100 events.
    unread_held_ = true;
    for (auto& decoded : decode_server_frames(frame_text)) {
        if (given_up()) {
            break;  // a frame earlier in the batch ended the connection
        }
        if (!decoded) {
            emit(events::error{decoded.error().code, decoded.error().detail});
            continue;
        }
        std::visit([&](const auto& frame) { handle(frame, now); }, *decoded);
    }
    unread_held_ = false;
    if (std::exchange(read_held_, false)) {
        read_newest(now);
    }
    announce_unread();
}

void client_session::handle(const welcome_frame& frame, millis now) {
    arm_token_refresh(frame.token_expires_at, now);
    config_.text.max_code_points = frame.max_text_code_points;
    if (!(frame.rate == config_.rate)) {
        // Tokens spent under the old settings do not carry over.
        limiter_ = rate_limiter(frame.rate, now);
        config_.rate = frame.rate;
    }
    take_identity(frame.user, now);
    if (link_ == link_phase::authenticating) {
        link_ = link_phase::joining;
        join_frame join{config_.room, std::nullopt, std::nullopt};
        if (timeline_.based() && timeline_.contiguous() > 0) {
            join.since = timeline_.contiguous();
            join.epoch = epoch_;
        }
        transmit(join);
    }
}

void client_session::take_identity(const user_info& user, millis now) {
    const bool new_identity = !(self_ == user);
    self_ = user;
    emit(events::identity{user});
    if (new_identity) {
        for (const auto& entry : outbox_.entries()) {
            emit_pending(entry.id);  // shown before the author was known
        }
        // Another user's token: what is ours and what unread changed.
        unread_.recount(timeline_.messages(), self_id());
        refresh_unread(now);
    }
}

// Lead by at most half the remaining life; a token already past its expiry
// by our clock (skew) asks at once.
void client_session::arm_token_refresh(millis expires_at, millis now) {
    token_expires_at_ = expires_at;
    // (Unsigned difference: exact for any two int64 values in order.)
    const std::uint64_t remaining =
        expires_at > now ? static_cast<std::uint64_t>(expires_at) - static_cast<std::uint64_t>(now) : 0;
    const auto lead =
        std::min<std::uint64_t>(remaining / 2, static_cast<std::uint64_t>(config_.token_refresh_lead_ms));
    deadline(timer::token_refresh) = expires_at - static_cast<millis>(lead);
}

void client_session::handle(const joined_frame& frame, millis now) {
    if (frame.room != config_.room) {
        return;
    }
    if (epoch_ != frame.epoch) {
        start_epoch(frame.epoch);
    }
    members_ = frame.members;
    member_count_ = frame.member_count;
    moderator_ = frame.moderator;
    // Told when a mute starts or ends, not again for one already known.
    const millis muted_until = frame.muted_until.value_or(0);
    const bool muted = muted_until > now;
    if (muted != (muted_until_ > now)) {
        emit(events::muted{std::string(self_id()), muted ? muted_until : 0});
    }
    muted_until_ = muted_until;
    emit(events::presence_changed{members_, member_count_});
    timeline_.note_seq(frame.latest_seq);
    if (unread_.read_seq() > frame.read_seq) {
        // Read while offline: the relay has not heard yet.
        transmit(read_frame{config_.room, unread_.read_seq()});
        read_sent_at_ = now;
    } else {
        unread_.advance(frame.read_seq, timeline_.messages(), self_id());
    }
    refresh_unread(now);
    if (link_ == link_phase::joining) {
        got_joined_ = true;
        maybe_online(now);
    }
}

// The room started over (or this is the first join): seqs of an earlier epoch
// mean nothing in the new one, so the timeline and the read marker start
// afresh. Pending messages stay and go out again into the new sequence.
void client_session::start_epoch(const std::string& epoch) {
    const bool started_over = epoch_.has_value();
    epoch_ = epoch;
    if (!started_over) {
        return;
    }
    room_started_over_ = true;
    timeline_ = detail::timeline{};
    unread_ = detail::unread_tracker{};
    divider_.reset();
    older_available_ = false;
    deadline(timer::older_request).reset();
    emit(events::timeline_reset{reset_reason::epoch_changed});
    announce_unread();
    announce_older();
}

namespace {

// The messages of a page, as rows: removals and reactions are none.
std::size_t rows_in(const history_frame& page) {
    return static_cast<std::size_t>(std::count_if(page.messages.begin(), page.messages.end(),
                                                  [](const chat_message& m) { return is_message(m); }));
}

}  // namespace

void client_session::handle(const history_frame& frame, millis now) {
    if (frame.room != config_.room) {
        return;
    }
    if (link_ == link_phase::joining && frame.epoch && frame.epoch != epoch_) {
        start_epoch(*frame.epoch);  // the join's page came before its joined
    }
    if (frame.mode == history_mode::before) {
        if (!timeline_.based()) {
            return;
        }
        deadline(timer::older_request).reset();
        older_available_ = frame.has_more;
        merge_page(frame);  // not trimmed: the reader asked for these
        emit(events::history_loaded{frame.mode, rows_in(frame), older_available_});
        refresh_unread(now);
        announce_older();
        return;
    }

    const seq_t contiguous_before = timeline_.contiguous();
    if (frame.truncated && timeline_.based()) {
        timeline_.reset();
        unread_.forget_messages();
        divider_.reset();
        emit(events::timeline_reset{reset_reason::history_truncated});
    }
    merge_page(frame);
    trim_timeline();
    emit(events::history_loaded{frame.mode, rows_in(frame), older_available_});
    refresh_unread(now);
    announce_older();

    if (link_ == link_phase::joining) {
        got_join_history_ = true;
        maybe_online(now);
    } else if (link_ == link_phase::joined && armed(timer::gap_request)) {
        // A page that brought nothing new (a stale copy) leaves the request
        // outstanding; its timeout asks again rather than looping at once.
        if (frame.truncated || timeline_.contiguous() != contiguous_before) {
            deadline(timer::gap_request).reset();
        }
        check_gap(now);
    }
}

void client_session::merge_page(const history_frame& frame) {
    if (!timeline_.based()) {
        const seq_t first = frame.messages.empty() ? timeline_.contiguous() + 1 : frame.messages.front().seq;
        auto held_back = timeline_.set_base(first - 1);
        older_available_ = frame.has_more;
        for (const auto& message : frame.messages) {
            merge(message);
        }
        for (const auto& message : held_back) {
            merge(message);
        }
        return;
    }
    // Older pages come newest first so every row lands before a known one.
    if (frame.mode == history_mode::before) {
        for (auto it = frame.messages.rbegin(); it != frame.messages.rend(); ++it) {
            merge(*it);
        }
        return;
    }
    for (const auto& message : frame.messages) {
        merge(message);
    }
}

// Inserts into the timeline; true when shown (not held back, not a duplicate).
bool client_session::place(const chat_message& message) {
    const auto outcome = timeline_.insert(message);
    if (outcome == detail::insert_outcome::shown) {
        unread_.inserted(message, self_id());
    }
    return outcome == detail::insert_outcome::shown || outcome == detail::insert_outcome::entry;
}

// After messages arrived at the newer end: the oldest beyond the cap go.
void client_session::trim_timeline() {
    const auto trimmed = timeline_.trim(config_.max_timeline);
    if (trimmed.empty()) {
        return;
    }
    for (const seq_t seq : timeline_.changed()) {
        emit_row(seq);  // reactions the block reached past a trimmed hole
    }
    unread_.trimmed(trimmed, timeline_.messages(), self_id());
    // The relay may still have them; if not, its next older page says so.
    older_available_ = true;
}

void client_session::merge(const chat_message& message) {
    // Held back, it is not shown yet: an own pending message stays pending
    // (and shown as such) until it is.
    if (!place(message)) {
        return;
    }
    // Our own pending message coming back (lost ack, or another tab's echo)
    // is its acknowledgement.
    if (self_ && message.from.id == self_->id && outbox_.take(message.id)) {
        emit(events::pending_changed{});
    }
    emit_sequenced(message);
}

void client_session::handle(const ack_frame& frame, millis now) {
    // An ack counting in another epoch places nothing in ours; the resend is
    // answered in ours.
    if (frame.room != config_.room || frame.epoch != epoch_) {
        return;
    }
    const auto* entry = outbox_.find(frame.id);
    if (entry == nullptr) {
        return;  // a duplicate ack, or the message already came back
    }
    chat_message message{frame.seq,      frame.id,       self_.value_or(user_info{}),
                         entry->text,    frame.ts,       entry->media_ms,
                         false,          entry->removes, false,
                         entry->reaction};
    const bool shown = place(message);
    if (!timeline_.based()) {
        return;  // held back: pending until the first page places it (merge)
    }
    outbox_.take(frame.id);
    emit(events::pending_changed{});
    if (shown) {
        emit_sequenced(message);
        trim_timeline();
        refresh_unread(now);
        announce_older();
    }
    check_gap(now);
}

void client_session::handle(const nack_frame& frame, millis now) {
    if (frame.room != config_.room) {
        return;
    }
    const auto* entry = outbox_.find(frame.id);
    if (entry == nullptr || entry->state != delivery_state::sending) {
        return;  // stale: already answered, requeued or given up
    }
    if (frame.code == errc::token_expired) {
        // Refused only until the fresh token arrives: the message waits for it.
        outbox_.hold(frame.id, now + backoff_delay(config_.resend, entry->attempts, random_), true);
        ask_for_token(now);
    } else if (is_retryable(frame.code)) {
        const millis wait = frame.retry_after_ms ? static_cast<millis>(*frame.retry_after_ms)
                                                 : backoff_delay(config_.resend, entry->attempts, random_);
        const millis until = now + wait;
        outbox_.hold(frame.id, until, frame.code == errc::rate_limited);
        if (frame.code == errc::rate_limited && until != rate_limited_until_) {
            rate_limited_until_ = until;
            emit(events::rate_limited{until});
        }
    } else {
        if (frame.code == errc::muted) {
            muted_until_ = now + static_cast<millis>(frame.retry_after_ms.value_or(0));
            emit(events::muted{std::string(self_id()), muted_until_});
        }
        give_up(frame.id, frame.code);
        return;
    }
    emit_pending(frame.id);
}

void client_session::give_up(const message_id& id, errc reason) {
    const auto* entry = outbox_.find(id);
    if (entry != nullptr && !is_row(*entry)) {
        // No row to show it failed, nothing to retry: the user is told once,
        // and a reaction's message shows again without it.
        const auto taken = outbox_.take(id);
        emit(events::error{reason, std::string(message(reason))});
        if (taken->reaction) {
            emit_row(taken->reaction->to);
        }
    } else {
        outbox_.fail(id, reason);
        emit_pending(id);
    }
    emit(events::pending_changed{});
}

void client_session::handle(const message_frame& frame, millis now) {
    if (frame.room != config_.room) {
        return;
    }
    if (is_message(frame.message) && typists_.forget(frame.message.from.id)) {
        announce_typing();  // what they typed came
    }
    merge(frame.message);
    trim_timeline();
    refresh_unread(now);
    announce_older();
    check_gap(now);
}

void client_session::handle(const presence_frame& frame, millis /*now*/) {
    if (frame.room != config_.room) {
        return;
    }
    const auto same_user = [&](const user_info& member) { return member.id == frame.user.id; };
    members_.erase(std::remove_if(members_.begin(), members_.end(), same_user), members_.end());
    if (frame.event == presence_event::join) {
        members_.push_back(frame.user);
    } else if (typists_.forget(frame.user.id)) {
        announce_typing();
    }
    member_count_ = frame.member_count;
    emit(events::presence_changed{members_, member_count_});
}

void client_session::handle(const read_marker_frame& frame, millis now) {
    if (frame.room == config_.room && unread_.advance(frame.seq, timeline_.messages(), self_id())) {
        refresh_unread(now);
    }
}

void client_session::handle(const typist_frame& frame, millis now) {
    if (frame.room == config_.room && frame.user.id != self_id() &&
        typists_.heard(frame.user, frame.active, now)) {
        announce_typing();
    }
}

void client_session::handle(const muted_frame& frame, millis /*now*/) {
    if (frame.room != config_.room) {
        return;
    }
    if (frame.user == self_id()) {
        muted_until_ = frame.until;
    }
    emit(events::muted{frame.user, frame.until});
}

void client_session::announce_typing() {
    deadline(timer::typing) = typists_.next_expiry();
    emit(events::typing_changed{typists_.list()});
}

void client_session::handle(const error_frame& frame, millis now) {
    if (frame.code == errc::token_expired && frame.room) {
        // A request refused while the token is stale: the connection stays,
        // and works again once the fresh token is in.
        ask_for_token(now);
        return;
    }
    emit(events::error{frame.code, frame.message});
    // Once welcomed, an auth_failed is a refused refresh: the relay keeps the
    // connection on the token in use (docs/protocol.md), and so do we.
    const bool refused_refresh =
        frame.code == errc::auth_failed && (link_ == link_phase::joining || link_ == link_phase::joined);
    if (link_ == link_phase::joining && frame.room == config_.room && !is_fatal(frame.code)) {
        // The join itself was refused (rate_limited, room_full,
        // too_many_rooms): ask again later, on a fresh connection.
        emit(events::close_transport{std::string(to_string(frame.code))});
        drop_connection();
        schedule_reconnect(now);
        return;
    }
    if (!is_fatal(frame.code) || refused_refresh) {
        return;
    }
    refuse_token(frame.code);
}

// The relay refused the token (or the room to it): nothing more until set_token.
void client_session::refuse_token(errc code) {
    auth_blocked_ = true;
    emit(events::close_transport{std::string(to_string(code))});
    drop_connection();
    go_offline(code);
}

// ---- the HTTP carrier -----------------------------------------------------

void client_session::call(http_call what, std::string method, std::string target, std::string body) {
    const std::uint32_t id = next_call_++;
    what.token = config_.token;
    calls_.emplace(id, what);
    emit(events::http_request{id, std::move(method), std::move(target), config_.token, std::move(body)});
}

// Room ids are URL-safe and no dot segment (ids.hpp); start() goes no further
// with any other, so the target is never another path.
std::string client_session::messages_target() const { return "api/rooms/" + config_.room + "/messages"; }

// HTTP has no joined frame: the join's page is the join, given the
// handshake's time like a WebSocket's.
void client_session::join_over_http(millis now) {
    link_ = link_phase::joining;
    got_joined_ = true;
    got_join_history_ = false;
    deadline(timer::handshake) = now + config_.request_timeout_ms;
    set_state(connection_state::connecting, 0, std::nullopt);
    request_join_page();
}

// What a WebSocket join asks (join.since): the messages after our position,
// or the latest page.
void client_session::request_join_page() {
    std::string target = messages_target();
    if (timeline_.based() && timeline_.contiguous() > 0) {
        target += "?after=" + std::to_string(timeline_.contiguous());
    }
    call({call_kind::page, {}}, "GET", std::move(target));
}

void client_session::poll(millis now) {
    call({call_kind::poll, {}}, "GET",
         messages_target() + "?after=" + std::to_string(timeline_.contiguous()) +
             "&wait_ms=" + std::to_string(config_.poll_wait_ms));
    deadline(timer::poll) = now + config_.poll_wait_ms + config_.request_timeout_ms;
}

void client_session::http_response(std::uint32_t id, int status, std::string_view body, millis now) {
    const auto out = calls_.find(id);
    if (out == calls_.end()) {
        return;  // aborted, or of a link given up
    }
    const http_call what = out->second;
    calls_.erase(out);
    if (status == 0) {
        // No answer at all: for a page or poll, the link is gone.
        if (what.kind == call_kind::send) {
            answer(what, http_refusal{errc::going_away, "no answer"}, now);
        } else {
            http_lost(now);
        }
        return;
    }
    last_heard_at_ = now;
    answer(what, decode_http_answer(status, body), now);
    abort_stale_posts(std::nullopt);
    pump_outbox(now);  // the message out may be settled now (its ack, a poll's echo): the next goes
}

void client_session::answer(const http_call& what, http_answer answer, millis now) {
    if (what.kind == call_kind::poll) {
        deadline(timer::poll).reset();
    }
    if (const auto* refusal = std::get_if<http_refusal>(&answer)) {
        answer_refusal(what, *refusal, now);
        return;
    }
    auto& frame = std::get<server_frame>(answer);
    if (const auto* ack = std::get_if<ack_frame>(&frame); ack && what.kind == call_kind::send) {
        handle(*ack, now);
    } else if (const auto* page = std::get_if<history_frame>(&frame); page && what.kind != call_kind::send) {
        answer_page(what, *page, now);
    } else {
        emit(events::error{errc::wrong_type, "the relay answered with an unexpected frame"});
        http_lost(now);
    }
}

void client_session::answer_page(const http_call& what, const history_frame& page, millis now) {
    if (what.kind == call_kind::older) {
        if (!page.epoch || page.epoch == epoch_) {
            handle(page, now);  // a page of an earlier epoch has no place in ours
        }
        return;
    }
    if (page.epoch && epoch_ && page.epoch != epoch_) {
        // The room started over: our position means nothing in its new
        // sequence, so neither do the messages after it. Start over from
        // the latest page, as a WebSocket join naming our epoch would.
        start_epoch(*page.epoch);
        abort_calls(call_kind::older);
        deadline(timer::poll).reset();
        join_over_http(now);
        return;
    }
    if (page.epoch && !epoch_) {
        start_epoch(*page.epoch);
    }
    handle(page, now);  // joining: the join's page; joined: the live stream
    if (what.kind == call_kind::poll && link_ == link_phase::joined) {
        poll(now);
    }
}

void client_session::answer_refusal(const http_call& what, const http_refusal& refusal, millis now) {
    if ((refusal.code == errc::auth_failed || refusal.code == errc::token_expired) &&
        what.token != config_.token) {
        // Made with a token replaced since: the fresh one is asked.
        switch (what.kind) {
            case call_kind::page:
                request_join_page();
                return;
            case call_kind::poll:
                poll(now);
                return;
            case call_kind::send:
                outbox_.hold(what.message, now, true);  // posted again by http_response's pump
                emit_pending(what.message);
                return;
            case call_kind::older:
                break;  // given up below: load_older() may ask again
        }
    }
    if (what.kind == call_kind::send) {
        answer_send_refusal(what.message, refusal, now);
        return;
    }
    if (what.kind == call_kind::older) {
        deadline(timer::older_request).reset();
        announce_older();
        return;
    }
    if (is_fatal(refusal.code)) {
        emit(events::error{refusal.code, refusal.message});
        if (refusal.code == errc::token_expired) {
            ask_for_token(now);
        }
        refuse_token(refusal.code);
        return;
    }
    if (what.kind == call_kind::poll && refusal.code == errc::rate_limited) {
        // Too many requests from this address, or polls from this user (other
        // tabs), or from everyone: ask again once allowed.
        const millis wait = refusal.retry_after_ms ? static_cast<millis>(*refusal.retry_after_ms)
                                                   : backoff_delay(config_.resend, 0, random_);
        deadline(timer::poll) = now + wait;
        return;
    }
    if (refusal.code == errc::going_away) {
        http_lost(now);
        return;
    }
    // The relay answered, so HTTP gets through: the next attempt uses it again.
    emit(events::error{refusal.code, refusal.message});
    drop_connection();
    schedule_reconnect(now);
}

// The relay's verdict on one POST, as a nack over a WebSocket would be. The
// link itself is the poll's business: a POST that got no answer is a lost
// attempt of its message, which goes again after the resend backoff and ends
// failed (no_ack) after config.max_send_attempts, however the link fares.
void client_session::answer_send_refusal(const message_id& id, const http_refusal& refusal, millis now) {
    const auto* entry = outbox_.find(id);
    if (entry == nullptr || entry->state != delivery_state::sending) {
        return;
    }
    if (refusal.code == errc::going_away) {
        outbox_.hold(id, now + backoff_delay(config_.resend, entry->attempts, random_), false);
        emit_pending(id);
        return;
    }
    if (refusal.code == errc::auth_failed || refusal.code == errc::room_forbidden) {
        // The token is refused, not the message: it waits for a new token.
        outbox_.hold(id, now, true);
        emit_pending(id);
        emit(events::error{refusal.code, refusal.message});
        refuse_token(refusal.code);
        return;
    }
    handle(nack_frame{config_.room, id, refusal.code, refusal.retry_after_ms}, now);
}

// HTTP failed too: the relay itself may be away, so the next attempt, after
// the usual backoff, is a WebSocket again.
void client_session::http_lost(millis now) {
    drop_connection();
    ws_failures_ = 0;
    schedule_reconnect(now);
}

// Aborts the POSTs whose answers no longer matter: of messages settled (an
// ack, a poll's echo, a failure) or posted again, which the relay's dedupe
// answers the same. A fetch left hanging would hold one of the few
// connections a browser opens to the relay.
void client_session::abort_stale_posts(std::optional<message_id> posting) {
    for (auto it = calls_.begin(); it != calls_.end();) {
        const auto* entry = it->second.kind == call_kind::send ? outbox_.find(it->second.message) : nullptr;
        if (it->second.kind == call_kind::send &&
            (entry == nullptr || entry->state != delivery_state::sending || it->second.message == posting)) {
            emit(events::http_abort{it->first});
            it = calls_.erase(it);
        } else {
            ++it;
        }
    }
}

// Aborts the requests out (of one kind, or all): their answers are not wanted.
void client_session::abort_calls(std::optional<call_kind> kind) {
    for (auto it = calls_.begin(); it != calls_.end();) {
        if (kind && it->second.kind != *kind) {
            ++it;
            continue;
        }
        emit(events::http_abort{it->first});
        it = calls_.erase(it);
    }
}

void client_session::arm_ws_retry(millis now) {
    deadline(timer::ws_retry) = now + backoff_delay(config_.ws_retry, ws_retries_, random_);
    ++ws_retries_;
}

// A WebSocket opened beside HTTP: it carries the session from now on. What
// was posted and not answered goes out again on it, with its id, and the
// relay's dedupe answers it once.
void client_session::take_websocket(millis now) {
    ws_retrying_ = false;  // this socket is the one to keep
    drop_connection();     // the HTTP link
    carrier_ = carrier::websocket;
    link_ = link_phase::authenticating;
    got_joined_ = false;
    got_join_history_ = false;
    deadline(timer::handshake) = now + config_.request_timeout_ms;
    set_state(connection_state::connecting, 0, std::nullopt);
    transmit(auth_frame{config_.token, /*batch=*/true, /*typing=*/true});
}

// ---- outbox, gaps, unread -----------------------------------------------

// A user's messages reach the room in the order typed: a WebSocket keeps
// the order of its frames, HTTP posts one message at a time.
detail::in_flight client_session::outbox_limit() const noexcept {
    return carrier_ == carrier::http ? detail::in_flight::one : detail::in_flight::many;
}

void client_session::pump_outbox(millis now) {
    if (link_ != link_phase::joined) {
        return;
    }
    std::optional<millis> limited_until;
    for (const auto& work : outbox_.due(now, config_.max_send_attempts, outbox_limit())) {
        if (work.give_up) {
            give_up(work.id, errc::no_ack);
            continue;
        }
        const auto* entry = outbox_.find(work.id);
        // Over HTTP the poll's deadline tells whether the link lives; a POST
        // unanswered for its wait is only asked again (below).
        if (carrier_ == carrier::websocket && entry->state == delivery_state::sending &&
            last_heard_at_ < entry->sent_at) {
            // Not a word since this went out: on a live TCP connection the ack
            // could not have been lost, so the connection is dead. Replace it;
            // the message goes out again on the new one. The attempt was a
            // whole one (unanswered for its full wait), so it counts.
            outbox_.hold(work.id, now, false);
            emit_pending(work.id);
            emit(events::close_transport{"the relay went silent"});
            drop_connection();
            schedule_reconnect(now);
            return;
        }
        if (!limited_until) {
            if (const auto wait = limiter_.try_acquire(now); wait > 0) {
                limited_until = now + static_cast<millis>(wait);
            }
        }
        if (limited_until) {
            // Everything due waits for the same token, in order.
            outbox_.defer(work.id, *limited_until);
            continue;
        }
        const bool was_queued = entry->state == delivery_state::queued;
        const roomchat::send_frame frame{config_.room,    entry->id,      entry->text,
                                         entry->media_ms, entry->removes, entry->reaction};
        if (carrier_ == carrier::http) {
            abort_stale_posts(entry->id);  // one POST of a message at a time: the latest attempt
            // The POST body is the send frame: the relay reads its id, text, media_ms, removes and reaction.
            call({call_kind::send, entry->id}, "POST", messages_target(), encode(client_frame{frame}));
        } else {
            transmit(frame);
        }
        outbox_.sent(work.id, now, config_.resend, random_);
        if (was_queued) {
            emit_pending(work.id);
        }
    }
    if (limited_until && *limited_until != rate_limited_until_) {
        rate_limited_until_ = *limited_until;
        emit(events::rate_limited{*limited_until});
    }
}

// Over HTTP the poll asks for everything after our position: no gap stays.
void client_session::check_gap(millis now) {
    if (!joined_by_websocket() || armed(timer::gap_request) || !timeline_.has_gap()) {
        return;
    }
    transmit(history_request_frame{config_.room, std::nullopt, timeline_.contiguous(), config_.page_size});
    deadline(timer::gap_request) = now + config_.request_timeout_ms;
}

// After anything that may change what is unread. While the reader watches,
// what arrived is read; otherwise the divider goes before the oldest unread
// message when there was nothing unread before (or no divider).
void client_session::refresh_unread(millis now) {
    if (watching_ && unread_held_) {
        read_held_ = true;  // receive() reads once its frames are applied
    } else if (watching_) {
        read_newest(now);
    }
    const auto summary = unread_.summary();
    const bool unread_started = unread_reckoned_ == 0 && summary.count > 0;
    if (!watching_ && summary.first_unread && (unread_started || !divider_)) {
        divider_ = summary.first_unread;
    }
    announce_unread();
}

// The UI hears of changes only.
void client_session::announce_unread() {
    const events::unread_changed current{unread_.summary().count, divider_};
    unread_reckoned_ = current.count;
    if (unread_held_) {
        return;  // receive() announces once its frames are applied
    }
    if (!(current == unread_announced_)) {
        unread_announced_ = current;
        emit(current);
    }
}

void client_session::announce_older() {
    const auto now = older();
    if (now != older_announced_) {
        older_announced_ = now;
        emit(events::older_changed{now});
    }
}

// ---- inputs from the user -----------------------------------------------

result<message_id> client_session::send(std::string_view text, millis now, std::optional<millis> media_ms) {
    auto normalized = normalize_text(text, config_.text);
    if (!normalized) {
        return normalized.error();
    }
    const auto id = message_id::generate(random_);
    typing_signal_.sent();
    divider_.reset();
    read_newest(now);
    announce_unread();
    // A stamp the relay would refuse (and with it the message) is left off.
    outbox_.add(id, std::move(normalized).value(), now, checked_media_ms(media_ms));
    pump_outbox(now);
    if (outbox_.find(id)->state == delivery_state::queued) {
        emit_pending(id);  // the pump did not announce it
    }
    emit(events::pending_changed{});
    return id;
}

status client_session::retry(const message_id& id, millis now) {
    const auto* entry = outbox_.find(id);
    if (entry == nullptr) {
        return errc::invalid_message_id;
    }
    if (outbox_.retry(id, now)) {
        emit_pending(id);
        emit(events::pending_changed{});
        pump_outbox(now);
    }
    return ok_v;
}

result<std::size_t> client_session::restore(const std::vector<pending_message>& messages, millis now) {
    if (started_ || stopped_) {
        return errc::internal;
    }
    std::size_t restored = 0;
    for (const auto& message : messages) {
        // A removal or a reaction has no text: the relay judges its target.
        const bool entry = message.removes || message.reaction;
        auto normalized =
            entry ? result<std::string>(std::string()) : normalize_text(message.text, config_.text);
        if (message.id == message_id{} || outbox_.find(message.id) != nullptr || !normalized ||
            (entry && !message.text.empty()) || (message.removes && message.reaction) ||
            (message.reaction && !is_reaction_emoji(message.reaction->emoji))) {
            continue;
        }
        outbox_.add(message.id, std::move(normalized).value(), message.created_at,
                    entry ? std::nullopt : checked_media_ms(message.media_ms), message.removes,
                    message.reaction);
        // Due now, whatever clock wrote created_at.
        outbox_.defer(message.id, now);
        if (message.failure) {
            outbox_.fail(message.id, *message.failure);
        }
        emit_pending(message.id);
        ++restored;
    }
    if (restored > 0) {
        emit(events::pending_changed{});
    }
    return restored;
}

void client_session::composing(bool has_text, millis now) {
    if (!joined_by_websocket()) {
        return;
    }
    if (const auto signal = typing_signal_.composer(has_text, now)) {
        transmit(typing_frame{config_.room, *signal});
    }
}

status client_session::mute(std::string_view user_id, std::uint32_t minutes, millis /*now*/) {
    if (const auto valid = validate_user_id(user_id); !valid) {
        return valid.error();
    }
    if (minutes > max_mute_minutes) {
        return errc::wrong_type;
    }
    if (!joined_by_websocket()) {
        return errc::not_joined;
    }
    transmit(mute_frame{config_.room, std::string(user_id), minutes});
    return ok_v;
}

status client_session::remove(seq_t seq, millis now) {
    const auto& held = timeline_.messages();
    const auto target = held.find(seq);
    if (target == held.end() || target->second.removed) {
        return errc::no_such_message;
    }
    if (!moderator_ && !row(target->second).own) {
        return errc::not_moderator;
    }
    const auto& pending = outbox_.entries();
    if (std::any_of(pending.begin(), pending.end(),
                    [&](const outbox_entry& e) { return e.removes == seq; })) {
        return ok_v;
    }
    outbox_.add(message_id::generate(random_), std::string(), now, std::nullopt, seq);
    pump_outbox(now);
    emit(events::pending_changed{});
    return ok_v;
}

status client_session::react(seq_t seq, std::string_view emoji, millis now) {
    const auto target = timeline_.messages().find(seq);
    if (target == timeline_.messages().end() || target->second.removed) {
        return errc::no_such_message;
    }
    if (!is_reaction_emoji(emoji)) {
        return errc::wrong_type;
    }
    if (muted_wait_ms(now) > 0) {
        return errc::muted;
    }
    const auto shown = row(target->second).reactions;
    const auto tally =
        std::find_if(shown.begin(), shown.end(), [&](const row_reaction& r) { return r.emoji == emoji; });
    const bool mine = tally != shown.end() && tally->mine;
    outbox_.add(message_id::generate(random_), std::string(), now, std::nullopt, std::nullopt,
                reaction_change{seq, std::string(emoji), !mine});
    emit_row(seq);
    pump_outbox(now);
    emit(events::pending_changed{});
    return ok_v;
}

void client_session::mark_read(seq_t seq, millis now) {
    advance_read(seq, now);
    refresh_unread(now);
}

void client_session::set_watching(bool watching, millis now) {
    if (watching != watching_) {
        watching_ = watching;
        refresh_unread(now);
    }
}

// Only when something is unread: the marker passing our own messages tells
// the relay (and our other tabs) nothing.
void client_session::read_newest(millis now) {
    if (unread_.summary().count > 0 && !timeline_.messages().empty()) {
        advance_read(timeline_.messages().rbegin()->first, now);
    }
}

void client_session::advance_read(seq_t seq, millis now) {
    // A marker beyond every known message would hide the next ones.
    seq = std::min(seq, timeline_.newest_known());
    if (unread_.advance(seq, timeline_.messages(), self_id())) {
        send_read(now);
    }
}

// Offline, the next joined compares markers and sends ours if it is ahead.
void client_session::send_read(millis now) {
    // Once the relay said joined, it takes read frames: the join's own page
    // (read at once by a watching reader) is told without waiting for more.
    if (carrier_ == carrier::http ||
        (link_ != link_phase::joined && !(link_ == link_phase::joining && got_joined_))) {
        return;
    }
    if (read_sent_at_ && now < *read_sent_at_ + config_.read_interval_ms) {
        deadline(timer::read) = *read_sent_at_ + config_.read_interval_ms;
        return;
    }
    transmit(read_frame{config_.room, unread_.read_seq()});
    read_sent_at_ = now;
    deadline(timer::read).reset();
}

// Once per welcomed token: the embedder is fetching a new one or cannot.
void client_session::ask_for_token(millis now) {
    if (armed(timer::token_refresh)) {
        deadline(timer::token_refresh).reset();
        fire(timer::token_refresh, now);  // early
    }
}

void client_session::load_older(millis now) {
    if (link_ != link_phase::joined || !older_available_ || armed(timer::older_request) ||
        !timeline_.based()) {
        return;
    }
    if (carrier_ == carrier::http) {
        call({call_kind::older, {}}, "GET",
             messages_target() + "?before=" + std::to_string(timeline_.block_start()) +
                 "&limit=" + std::to_string(config_.page_size));
    } else {
        transmit(
            history_request_frame{config_.room, timeline_.block_start(), std::nullopt, config_.page_size});
    }
    deadline(timer::older_request) = now + config_.request_timeout_ms;
    announce_older();
}

// ---- outputs and queries ------------------------------------------------

void client_session::transmit(const client_frame& frame) { frames_.push_back(encode(frame)); }

void client_session::emit(client_event event) { events_.push_back(std::move(event)); }

// Right after the timeline placed it: a message shows as the timeline holds
// it, and so do the messages it changed (a removal's, reactions').
void client_session::emit_sequenced(const chat_message& message) {
    if (is_message(message)) {
        emit_row(message.seq);
    }
    for (const seq_t seq : timeline_.changed()) {
        emit_row(seq);
    }
}

void client_session::emit_row(seq_t seq) {
    const auto held = timeline_.messages().find(seq);
    if (held == timeline_.messages().end()) {
        return;
    }
    auto before = timeline_.id_after(seq);
    if (!before) {
        before = outbox_.first_id();
    }
    emit(events::message_upserted{row(held->second), before});
}

void client_session::emit_pending(const message_id& id) {
    if (const auto* entry = outbox_.find(id); entry != nullptr && is_row(*entry)) {
        emit(events::message_upserted{row(*entry), outbox_.id_after(id)});
    }
}

timeline_message client_session::row(const chat_message& message) const {
    timeline_message row;
    row.id = message.id;
    row.seq = message.seq;
    row.from = message.from;
    row.text = message.text;
    row.ts = message.ts;
    row.media_ms = message.media_ms;
    row.system = message.system;
    row.removed = message.removed;
    row.own = !message.system && self_ && message.from.id == self_->id;
    row.state = delivery_state::sent;
    // What the relay holds, then this user's reactions on their way.
    std::vector<reaction_tally> tallies = message.reactions;
    if (self_) {
        for (const auto& entry : outbox_.entries()) {
            if (entry.reaction && entry.reaction->to == message.seq) {
                tally_reaction(tallies, *self_, *entry.reaction);
            }
        }
    }
    row.reactions.reserve(tallies.size());
    for (auto& tally : tallies) {
        const bool mine = self_ && std::any_of(tally.users.begin(), tally.users.end(),
                                               [&](const user_info& u) { return u.id == self_->id; });
        row.reactions.push_back(row_reaction{std::move(tally.emoji), std::move(tally.users), mine});
    }
    return row;
}

timeline_message client_session::row(const outbox_entry& entry) const {
    timeline_message row;
    row.id = entry.id;
    row.from = self_.value_or(user_info{});
    row.text = entry.text;
    row.ts = entry.created_at;
    row.media_ms = entry.media_ms;
    row.own = true;
    row.state = entry.state;
    row.failure = entry.failure;
    return row;
}

std::string_view client_session::self_id() const noexcept {
    return self_ ? std::string_view(self_->id) : std::string_view();
}

std::vector<std::string> client_session::take_frames() { return std::exchange(frames_, {}); }

std::vector<client_event> client_session::take_events() { return std::exchange(events_, {}); }

result<std::string> client_session::validate(std::string_view text, millis now) const {
    auto normalized = normalize_text(text, config_.text);
    if (normalized || normalized.error() == errc::empty_text) {
        if (muted_wait_ms(now) > 0) {
            return errc::muted;
        }
        if (rate_wait_ms(now) > 0) {
            return errc::rate_limited;
        }
    }
    return normalized;
}

std::uint32_t client_session::muted_wait_ms(millis now) const {
    return static_cast<std::uint32_t>(
        std::clamp<millis>(muted_until_ - now, 0, std::numeric_limits<std::uint32_t>::max()));
}

std::uint32_t client_session::rate_wait_ms(millis now) const {
    const millis imposed = std::max<millis>(rate_limited_until_ - now, 0);
    return std::max(limiter_.wait_ms(now), static_cast<std::uint32_t>(imposed));
}

connection_state client_session::state() const noexcept { return state_; }

std::vector<timeline_message> client_session::timeline() const {
    return window(timeline_.messages().begin(), 0, timeline_.messages().size() + outbox_.entries().size())
        .rows;
}

timeline_window client_session::timeline_latest(std::size_t count) const {
    const auto& pending = outbox_.entries();
    std::size_t pending_first = pending.size();
    std::size_t rows = 0;
    for (; rows < count && pending_first > 0; --pending_first) {
        rows += is_row(pending[pending_first - 1]) ? 1 : 0;
    }
    if (rows == count) {
        return window(timeline_.messages().end(), pending_first, count);
    }
    const auto& held = timeline_.messages();
    auto first = held.end();
    for (std::size_t back = count - rows; back > 0 && first != held.begin(); --back) {
        --first;
    }
    return window(first, 0, count);
}

timeline_window client_session::timeline_from(seq_t from, std::size_t count) const {
    return window(timeline_.messages().lower_bound(from), 0, count);
}

timeline_window client_session::timeline_before(seq_t before, std::size_t count) const {
    const auto& held = timeline_.messages();
    auto first = held.lower_bound(before);
    std::size_t rows = 0;
    for (; rows < count && first != held.begin(); ++rows) {
        --first;
    }
    return window(first, 0, rows);
}

// Up to `count` rows from a place in the timeline: the sequenced row `first`,
// or (first at the end) the pending row `pending_first`.
timeline_window client_session::window(std::map<seq_t, chat_message>::const_iterator first,
                                       std::size_t pending_first, std::size_t count) const {
    const auto& held = timeline_.messages();
    const auto& pending = outbox_.entries();
    timeline_window out;
    out.rows.reserve(std::min(count, held.size() + pending.size()));
    out.at_start = first == held.begin() && pending_first == 0;
    auto it = first;
    for (; it != held.end() && out.rows.size() < count; ++it) {
        out.rows.push_back(row(it->second));
    }
    std::size_t next = pending_first;
    if (it == held.end()) {
        for (; next < pending.size(); ++next) {
            if (!is_row(pending[next])) {
                continue;
            }
            if (out.rows.size() == count) {
                break;
            }
            out.rows.push_back(row(pending[next]));
        }
    }
    out.at_end = it == held.end() && next == pending.size();
    return out;
}

older_state client_session::older() const noexcept {
    if (armed(timer::older_request)) {
        return older_state::loading;
    }
    if (!timeline_.based()) {
        return older_state::unknown;
    }
    if (older_available_) {
        return older_state::available;
    }
    const auto& held = timeline_.messages();
    const bool from_the_start = held.empty() ? timeline_.newest_known() == 0 : held.begin()->first == 1;
    return from_the_start && !room_started_over_ ? older_state::start : older_state::gone;
}

std::vector<pending_message> client_session::pending() const {
    std::vector<pending_message> out;
    out.reserve(outbox_.entries().size());
    for (const auto& entry : outbox_.entries()) {
        out.push_back(pending_message{entry.id, entry.text, entry.created_at, entry.failure, entry.media_ms,
                                      entry.removes, entry.reaction});
    }
    return out;
}

std::size_t client_session::unread_count() const noexcept { return unread_.summary().count; }

const std::optional<user_info>& client_session::self() const noexcept { return self_; }

}  // namespace roomchat
