#pragma once
// The browser's side of the protocol, without any I/O. JavaScript owns the
// WebSocket and one timer; everything else is decided here:
//
//   JS                              client_session
//   start(now)                  ->  open_transport event
//   socket open: transport_opened   ->  auth frame
//   socket message: receive         ->  frames to send, UI events
//   socket close: transport_closed  ->  connection_changed(reconnecting), deadline
//   user typed: send(text)      ->  local echo (queued/sending), send frame
//   timer fired: on_timer(now)  ->  resends, reconnect (open_transport)
//
// After every call JS drains take_frames() and take_events() and re-arms its
// timer for next_deadline(). Times are milliseconds (Unix epoch).
//
// Guarantees (checked by tests/core/simulation_test.cpp over many seeds):
// every accepted message appears exactly once in the timeline, in relay
// sequence order; every message this client sent ends acknowledged once or
// failed with a reason; pending messages survive disconnects and go out
// again on reconnect with the same id, so the relay deduplicates them.
// When the relay restarts and its room starts over in a new epoch, the
// timeline is reset (timeline_reset, epoch_changed) and pending messages go
// out again, with their ids, into the new sequence.
// They also survive a page reload when the embedder stores pending() on
// every pending_changed event and hands it to restore() in the next load.
// A connection that stays silent while a send waits for its ack is taken for
// dead (a half-open TCP connection after sleep or a NAT timeout, which a
// browser may not notice for many minutes) and replaced, instead of resending
// into it.
//
// Where WebSockets do not get through (a proxy that refuses the upgrade), the
// session speaks the relay's HTTP API instead (docs/relay.md), with the same
// guarantees; JS then also makes the HTTP requests the session asks for:
//
//   http_request event          ->  fetch(); its answer: http_response(id, status, body)
//   http_abort event            ->  abort that fetch (its answer is not wanted)
//
// config.http_fallback_after WebSocket attempts in a row that do not reach the
// room switch to HTTP: the page after our position (or the latest) stands for
// the join, a long poll of the messages after it for the live stream, and
// a POST per send, with the message's id as always, one at a time: each
// fetch may take a connection of its own, and a POST could overtake the one
// still out, putting a user's messages out of the order typed. Meanwhile a
// WebSocket is tried again now and then (config.ws_retry); once one opens it
// carries the session again. HTTP has no presence and no read markers: the member list
// stays as last heard, and the relay hears the read marker on the next
// WebSocket join. When HTTP fails too (no answer, the relay going away), the
// relay itself may be away: the next attempt is a WebSocket again.
//
// Long sessions (a watch party of tens of thousands of messages) cost the same
// per message as short ones and hold bounded memory: the timeline keeps the
// newest config.max_timeline sequenced messages, unread counts follow each
// change instead of being recounted, and a view asks for the stretch it shows
// (timeline_latest/from/before) instead of copying the whole timeline.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "roomchat/backoff.hpp"
#include "roomchat/codec.hpp"
#include "roomchat/ids.hpp"
#include "roomchat/outbox.hpp"
#include "roomchat/outbox_queue.hpp"
#include "roomchat/protocol.hpp"
#include "roomchat/rate_limiter.hpp"
#include "roomchat/result.hpp"
#include "roomchat/text_rules.hpp"
#include "roomchat/timeline.hpp"
#include "roomchat/typing.hpp"
#include "roomchat/unread.hpp"

namespace roomchat {

enum class connection_state {
    connecting,    // first connection attempt under way
    online,        // authenticated and joined: sends go out
    reconnecting,  // lost the connection; next attempt at retry_at
    offline,       // the network is down or auth failed; waits for network_changed/set_token
};

std::string_view to_string(connection_state state) noexcept;

// What carries the session to the relay (see the contract above).
enum class carrier {
    websocket,
    http,  // long poll and POST: the fallback when WebSockets do not get through
};

std::string_view to_string(carrier via) noexcept;

struct client_config {
    std::string room;
    std::string token;
    text_limits text;                             // replaced by the relay's welcome
    rate_limit_config rate;                       // replaced by the relay's welcome
    backoff_policy resend{2'000, 16'000, 2, 20};  // waiting for an ack
    std::uint32_t max_send_attempts = 5;          // then failed with errc::no_ack
    backoff_policy reconnect{500, 30'000, 2, 20};
    std::uint32_t page_size = 50;
    // The newest sequenced messages the timeline holds; the oldest beyond go
    // (trimmed) whenever messages arrive at the newer end: live, acknowledged,
    // or in a page of history after our position. An older page is never
    // trimmed on arrival, since the reader asked for it and would ask again:
    // the relay's capped history bounds what older pages add, so the timeline
    // holds at most this many plus those. Pending messages are never trimmed.
    // Trimmed messages can be loaded again: load_older() asks before the
    // oldest held one. At least 1.
    std::size_t max_timeline = 5'000;
    // Longest wait for the relay to answer the handshake or a history
    // request; then the connection is dropped or the request asked again.
    millis request_timeout_ms = 10'000;
    // Read markers go to the relay at most this often (the latest one wins),
    // however fast messages arrive while the reader is at the bottom.
    millis read_interval_ms = 1'000;
    // token_expiring comes this long before the token's expiry (at most half
    // its remaining life), so the embedder refreshes it while it still works.
    millis token_refresh_lead_ms = 60'000;
    // WebSocket attempts in a row that do not reach the room before the
    // session switches to HTTP; 0 never switches.
    std::uint32_t http_fallback_after = 2;
    // While HTTP carries the session: when to try a WebSocket again.
    backoff_policy ws_retry{15'000, 300'000, 2, 20};
    // How long the relay may hold a long poll (at most 30 s, docs/relay.md):
    // under the 30 to 60 s after which common proxies drop a quiet request.
    millis poll_wait_ms = 25'000;
};

// The people who reacted to a row with one emoji (protocol.hpp), this
// user's reactions on their way included.
struct row_reaction {
    std::string emoji;
    std::vector<user_info> users;  // in the order they reacted
    bool mine = false;             // this user is among them
};

// A row of the timeline as the UI renders it.
struct timeline_message {
    message_id id;  // stable key for the UI
    seq_t seq = 0;  // 0 while not yet acknowledged
    user_info from;
    std::string text;
    millis ts = 0;                        // relay time once sequenced, local time before
    std::optional<millis> media_ms;       // the sender's playback position (protocol.hpp)
    bool system = false;                  // the host's backend speaking as the room (protocol.hpp)
    bool removed = false;                 // removed by its author or a moderator: a tombstone, text empty
    std::vector<row_reaction> reactions;  // in the order each emoji was first given
    bool own = false;
    delivery_state state = delivery_state::sent;  // others' messages are always sent
    std::optional<errc> failure;                  // state == failed
};

// An own message not yet acknowledged, as an embedder keeps it across page
// loads (pending(), restore()). Queued and sending are not told apart: both
// go out again after a restore. A failed one keeps its reason, so the user
// can still retry it. A removal (remove()) is one too, with no text.
struct pending_message {
    message_id id;
    std::string text;  // normalised
    millis created_at = 0;
    std::optional<errc> failure;                    // set: failed and waiting for retry()
    std::optional<millis> media_ms = std::nullopt;  // its playback position; restore() drops a bad one
    std::optional<seq_t> removes = std::nullopt;    // a removal of the message with this seq
    std::optional<reaction_change> reaction = std::nullopt;  // a reaction (react())

    friend bool operator==(const pending_message& a, const pending_message& b) {
        return a.id == b.id && a.text == b.text && a.created_at == b.created_at && a.failure == b.failure &&
               a.media_ms == b.media_ms && a.removes == b.removes && a.reaction == b.reaction;
    }
};

// A stretch of the timeline, for a view that renders only part of it
// (web/view/message_list.js keeps about 150 rows in the page).
struct timeline_window {
    std::vector<timeline_message> rows;  // timeline order: sequenced by seq, then pending
    // Nothing held is older than rows.front() (older pages may still exist:
    // see client_session::older()). With no rows: nothing held is older than
    // where the window would start.
    bool at_start = false;
    // The rows end with the newest row, pending ones included. With no rows:
    // nothing held is newer than where the window would end.
    bool at_end = false;
};

// What lies before the oldest held message (client_session::older()).
enum class older_state {
    unknown,    // no history page yet (or the timeline was just reset)
    available,  // load_older() would fetch a page
    loading,    // an older page was asked for and has not come yet
    start,      // the room's first message (seq 1) is held, or the room is empty,
                // and nothing came before it: no restart during this session
    gone,       // the relay no longer has the older messages: its capped history
                // forgot them, or it restarted and the room started over (a new
                // epoch) since this session joined
};
std::string_view to_string(older_state state) noexcept;

// Why the timeline was emptied (events::timeline_reset).
enum class reset_reason {
    history_truncated,  // the relay's capped history no longer reaches our position
    epoch_changed,      // the room started over (a relay restart): earlier messages are gone
};
std::string_view to_string(reset_reason reason) noexcept;

namespace events {
struct open_transport {};  // open a WebSocket to the relay now (beside HTTP: see http_request)
// Close it (auth refused, stop(), network gone, no answer). The session
// already counts it as closed: do not report transport_closed for it.
struct close_transport {
    std::string reason;
};
struct connection_changed {
    connection_state state = connection_state::connecting;
    millis retry_at = 0;  // reconnecting: when the next attempt starts
    std::optional<errc> reason;
    carrier via = carrier::websocket;  // connecting and online: what carries it
};
// Make an HTTP request to the relay: `target` is relative to the WebSocket
// URL, as an http(s) URL (for wss://relay.example/ws:
// https://relay.example/api/rooms/lobby/messages?after=41&wait_ms=25000), with
// `Authorization: Bearer <token>` and, when `body` is not empty, the JSON body.
// Report its answer to http_response(id, ...), status 0 when none came (a
// network error, a refused connection).
struct http_request {
    std::uint32_t id = 0;
    std::string method;  // GET or POST
    std::string target;
    std::string token;
    std::string body;
};
// The answer to request `id` is no longer wanted: abort it, report nothing.
struct http_abort {
    std::uint32_t id = 0;
};
struct identity {  // the relay's welcome: who we are
    user_info self;
};
// A message appeared or changed. Place it before the message `before`
// (or at the end when absent); it may already be shown, then move/update it.
struct message_upserted {
    timeline_message message;
    std::optional<message_id> before;
};
// The timeline was emptied but for pending messages; the next page refills it.
struct timeline_reset {
    reset_reason reason = reset_reason::history_truncated;
};
struct history_loaded {
    history_mode mode = history_mode::latest;
    std::size_t count = 0;  // messages in it (rows: removals and reactions are none)
    bool has_more = false;  // older messages can be loaded
};
// older() changed: what the top of the view shows ("Loading older
// messages…", the room's beginning, "Earlier messages are no longer
// available") follows it without keeping state of its own.
struct older_changed {
    older_state state = older_state::unknown;
};
// The unread count or the "new messages" divider changed. The divider goes
// before the oldest message that was unread when the reader stopped watching
// (set_watching), and stays there while they read on, so that it shows where
// their absence began. It moves when unread messages start again while they
// are away, and is gone once they send or the timeline resets. Told once
// per received WebSocket message, after its messages: a batch of frames
// gives one, with the count after the last.
struct unread_changed {
    std::size_t count = 0;
    std::optional<message_id> divider;
    friend bool operator==(const unread_changed& a, const unread_changed& b) {
        return a.count == b.count && a.divider == b.divider;
    }
};
struct presence_changed {
    std::vector<user_info> members;  // as listed by the relay (capped in big rooms)
    std::size_t count = 0;           // users present, listed or not
};
// Who else is typing changed (typing.hpp): the list, in the order they
// started. Empty once the connection is lost, since their stops would be missed.
struct typing_changed {
    std::vector<user_info> users;
};
struct rate_limited {
    millis retry_at = 0;  // the held message goes out by itself then
};
// A moderator's mute of `user` (this user: sends are refused until then;
// another: the mute this moderator asked for took effect) ends at `until`,
// or (0) was lifted.
struct muted {
    std::string user;
    millis until = 0;
};
// The token runs out at `expires_at` (or already has): hand a fresh one to
// set_token(). Sent once per welcome (a connection's, a refresh's), ahead of
// time; sends refused meanwhile wait for it.
struct token_expiring {
    millis expires_at = 0;
};
struct error {
    errc code = errc::internal;
    std::string detail;
};
// What pending() returns changed: a message was typed or restored,
// acknowledged, failed or retried. Moves between queued and sending do not
// count. The time to store pending() again.
struct pending_changed {};
}  // namespace events

using client_event = std::variant<events::open_transport, events::close_transport, events::connection_changed,
                                  events::http_request, events::http_abort, events::identity,
                                  events::message_upserted, events::timeline_reset, events::history_loaded,
                                  events::older_changed, events::unread_changed, events::presence_changed,
                                  events::typing_changed, events::rate_limited, events::muted,
                                  events::token_expiring, events::error, events::pending_changed>;

class client_session {
public:
    client_session(client_config config, random_source random);

    // ---- inputs from the transport and the clock
    void start(millis now);
    void transport_opened(millis now);
    void transport_closed(millis now);
    void network_changed(bool online, millis now);
    // One WebSocket message: a frame, or a batch of them (the auth frame asks
    // for batches), handled in order as if each had come alone.
    void receive(std::string_view frame_text, millis now);
    // The answer to an http_request: its HTTP status (0: none came) and body.
    void http_response(std::uint32_t id, int status, std::string_view body, millis now);
    void on_timer(millis now);
    std::optional<millis> next_deadline() const;

    // ---- inputs from the user
    // Validates, assigns a new id, echoes the message locally and sends it
    // when online and the rate limit allows. Validation errors return the
    // code and change nothing. Sending reads the room: the reader has seen
    // the conversation they answer, so the unread count and divider clear.
    // `media_ms` stamps it with the sender's playback position (protocol.hpp);
    // one that is no position (checked_media_ms) is left off rather than have the relay refuse
    // the message.
    result<message_id> send(std::string_view text, millis now, std::optional<millis> media_ms = std::nullopt);
    // Resends a failed message with its original id.
    status retry(const message_id& id, millis now);
    // The user has seen everything up to `seq`. The unread count follows at
    // once; the relay hears at most every config.read_interval_ms.
    void mark_read(seq_t seq, millis now);
    // Whether the reader watches the newest messages (the view shows them
    // and the page is visible). While they do, every message is read as it
    // arrives, and the divider stays where it is.
    void set_watching(bool watching, millis now);
    // The composer changed: it holds text (the user types) or is empty
    // (cleared). The room's other members see the user typing while
    // keystrokes come, and no longer once the text is cleared or its message
    // arrives (typing.hpp). Only a joined WebSocket carries it; HTTP has no
    // typing.
    void composing(bool has_text, millis now);
    // As a moderator of the room (the token's mod claim; the relay refuses
    // anyone else with not_moderator): mutes `user_id` for `minutes` (1 to
    // max_mute_minutes), or lifts the mute (0). The relay's answer comes as
    // events::muted; an invalid user id or minutes returns the code and
    // sends nothing, and so does a session that is not joined.
    status mute(std::string_view user_id, std::uint32_t minutes, millis now);
    // Removes the message with this seq from the room, for everyone
    // (protocol.hpp): one of this user's own or, as a moderator, anyone's.
    // It goes out like a message (same id on every resend, so the relay
    // removes once), and when the relay has decided, the message comes
    // again as a message_upserted, removed. A final refusal comes as
    // events::error. Returns no_such_message when the timeline holds no
    // such message or it is removed, not_moderator when it is another's and
    // this user no moderator; asking again while one is on its way changes
    // nothing.
    status remove(seq_t seq, millis now);
    // Adds this user's `emoji` (one of reaction_emoji) to the message with
    // this seq, or takes it back when they gave it: a toggle, as the row
    // shows it. The row shows the change at once (its reactions count what
    // is on its way); it goes out like a message, and a final refusal comes
    // as events::error and the row as it was. Returns no_such_message for
    // no message held or a removed one, wrong_type for another emoji, muted
    // while a moderator's mute holds.
    status react(seq_t seq, std::string_view emoji, millis now);
    // Asks for the page before the oldest held message when older() is
    // available; a request unanswered within config.request_timeout_ms is
    // given up (older() available again) and may be asked again.
    void load_older(millis now);
    void set_token(std::string token, millis now);
    void stop(millis now);
    // Before start(): puts back what pending() returned in an earlier page
    // load, in order, with the original ids, so a message the relay took
    // before the reload comes back in the join history or is acknowledged
    // again by the relay's dedupe, never shown twice. Each is echoed like a
    // new send; failed ones stay failed until retry(). Entries with the zero
    // id, an id already pending or a text the text rules refuse are skipped.
    // Returns how many were restored; errc::internal (a caller bug) once
    // started, when restoring could show a message already in the timeline twice.
    result<std::size_t> restore(const std::vector<pending_message>& messages, millis now);

    // ---- outputs
    std::vector<std::string> take_frames();
    std::vector<client_event> take_events();

    // ---- queries for the UI
    // Whether `text` could be sent now: the text rules' verdict (the
    // normalised text, or why not), except that while the rate limit holds
    // sends back (rate_wait_ms), a text they accept, or an empty one, reads
    // rate_limited: the reason a send would wait. While a moderator's mute
    // holds (muted_wait_ms), such a text reads muted instead.
    result<std::string> validate(std::string_view text, millis now) const;
    // The limits validate() applies: the relay's once welcomed.
    const text_limits& limits() const noexcept { return config_.text; }
    // Milliseconds until a message would go out: the local bucket's wait or
    // the relay's retry-after from a rate_limited nack, whichever is longer.
    std::uint32_t rate_wait_ms(millis now) const;
    // Milliseconds until a moderator's mute of this user ends, as the relay
    // said (a nack muted, a muted frame); 0 when none holds.
    std::uint32_t muted_wait_ms(millis now) const;
    connection_state state() const noexcept;
    // Every row: sequenced by seq, then pending. O(timeline): a view should
    // ask for the stretch it shows with the windows below.
    std::vector<timeline_message> timeline() const;
    // Windows of the timeline, each O(log n + count), never O(timeline).
    // With only pending rows, those are the window.
    // The newest `count` rows (pending last).
    timeline_window timeline_latest(std::size_t count) const;
    // Up to `count` rows starting with the first sequenced row whose seq >=
    // `from` (0: the oldest held); pending rows follow once every sequenced
    // row is in.
    timeline_window timeline_from(seq_t from, std::size_t count) const;
    // Up to `count` sequenced rows older than seq `before`, ending right
    // before it (or before the pending rows when every held seq is older).
    timeline_window timeline_before(seq_t before, std::size_t count) const;
    older_state older() const noexcept;
    // Own messages not yet acknowledged, in the order they go out.
    std::vector<pending_message> pending() const;
    std::size_t unread_count() const noexcept;
    const std::optional<user_info>& self() const noexcept;
    // Whether the relay let this user join as a moderator of the room
    // (joined.moderator): a view offers mute() then.
    bool moderator() const noexcept { return moderator_; }

private:
    // How far the current connection has come. The public connection_state
    // is what the UI shows; this is what the next frame must be.
    enum class link_phase {
        closed,          // no transport
        opening,         // open_transport asked for, waiting for transport_opened
        authenticating,  // auth sent, waiting for welcome
        joining,         // join sent, waiting for joined and its history page
        joined,          // online
    };

    // Every deadline of the session but the outbox's (its messages keep
    // their own), one entry each: armed with a time while something is due,
    // disarmed otherwise. next_deadline() is the earliest armed one; on_timer()
    // fires each that is due, in this order. Whatever ends the condition a
    // timer waits for disarms it, so no timer needs checking against the
    // connection's phase.
    enum class timer : std::size_t {
        token_refresh,  // token_expiring is due (armed by each welcome)
        reconnect,      // reconnecting: connect() (until then closed)
        handshake,      // opening to joining: no answer from the relay by then
        older_request,  // an older-page request is outstanding until then
        gap_request,    // a gap request is outstanding until then
        read,           // a newer read marker goes out then
        typing,         // a typist not renewed since typing_expiry_ms goes then
        poll,           // HTTP: the long poll is given up then, or (none out) asked then
        ws_retry,       // HTTP: a WebSocket is tried then, or (one opening) given up then
        count_,
    };
    std::optional<millis>& deadline(timer which) noexcept { return timers_[static_cast<std::size_t>(which)]; }
    bool armed(timer which) const noexcept { return timers_[static_cast<std::size_t>(which)].has_value(); }
    void fire(timer which, millis now);

    void connect(millis now);
    void drop_connection();
    void refuse_token(errc code);
    void schedule_reconnect(millis now);
    void go_offline(std::optional<errc> reason);
    void maybe_online(millis now);
    void set_state(connection_state state, millis retry_at, std::optional<errc> reason);
    void announce_state();

    void handle(const welcome_frame& frame, millis now);
    void handle(const joined_frame& frame, millis now);
    void handle(const history_frame& frame, millis now);
    void handle(const ack_frame& frame, millis now);
    void handle(const nack_frame& frame, millis now);
    void handle(const message_frame& frame, millis now);
    void handle(const presence_frame& frame, millis now);
    void handle(const read_marker_frame& frame, millis now);
    void handle(const typist_frame& frame, millis now);
    void handle(const muted_frame& frame, millis now);
    void handle(const error_frame& frame, millis now);

    void start_epoch(const std::string& epoch);
    void send_read(millis now);
    void ask_for_token(millis now);
    void take_identity(const user_info& user, millis now);
    void arm_token_refresh(millis expires_at, millis now);

    // ---- the HTTP carrier
    enum class call_kind {
        page,   // the join's page: after our position, or the latest
        poll,   // the long poll after our position
        older,  // load_older's page
        send,   // a POST of `message`
    };
    struct http_call {
        call_kind kind = call_kind::page;
        message_id message;
        std::string token = {};  // the one it was made with
    };
    void call(http_call what, std::string method, std::string target, std::string body = {});
    std::string messages_target() const;
    void join_over_http(millis now);
    void request_join_page();
    void poll(millis now);
    void answer(const http_call& what, http_answer answer, millis now);
    void answer_page(const http_call& what, const history_frame& page, millis now);
    void answer_refusal(const http_call& what, const http_refusal& refusal, millis now);
    void answer_send_refusal(const message_id& id, const http_refusal& refusal, millis now);
    void http_lost(millis now);
    void abort_stale_posts(std::optional<message_id> posting);
    void abort_calls(std::optional<call_kind> kind);
    void arm_ws_retry(millis now);
    void take_websocket(millis now);

    void merge_page(const history_frame& frame);
    void merge(const chat_message& message);
    bool place(const chat_message& message);
    void trim_timeline();
    void pump_outbox(millis now);
    detail::in_flight outbox_limit() const noexcept;
    void check_gap(millis now);
    void advance_read(seq_t seq, millis now);
    void read_newest(millis now);
    void refresh_unread(millis now);
    void announce_unread();
    void announce_older();
    // The typists changed: they are told, and the next expiry armed.
    void announce_typing();

    void transmit(const client_frame& frame);
    void emit(client_event event);
    void emit_sequenced(const chat_message& message);
    // The held message with this seq, as a row, where it goes.
    void emit_row(seq_t seq);
    void emit_pending(const message_id& id);
    // A message or removal that will not go out: failed (retry() may send
    // it again), or, a removal, dropped with events::error.
    void give_up(const message_id& id, errc reason);
    timeline_message row(const chat_message& message) const;
    timeline_message row(const outbox_entry& entry) const;
    timeline_window window(std::map<seq_t, chat_message>::const_iterator first, std::size_t pending_first,
                           std::size_t count) const;
    std::string_view self_id() const noexcept;
    // Joined over a WebSocket: what gap requests, typing and mutes need.
    bool joined_by_websocket() const noexcept {
        return link_ == link_phase::joined && carrier_ == carrier::websocket;
    }

    client_config config_;
    random_source random_;
    rate_limiter limiter_;
    detail::timeline timeline_;
    detail::outbox_queue outbox_;
    detail::unread_tracker unread_;
    bool watching_ = false;              // set_watching
    std::optional<message_id> divider_;  // events::unread_changed
    events::unread_changed unread_announced_;
    bool unread_held_ = false;  // receive(): one unread_changed per WebSocket message
    // receive(): a watching reader reads what a WebSocket message brought
    // once, after its last frame (one read frame, with the newest seq).
    bool read_held_ = false;
    // The count at the last announce_unread, told or held: whether unread
    // messages start again (refresh_unread) must not wait for the telling.
    std::size_t unread_reckoned_ = 0;
    std::optional<user_info> self_;
    std::vector<user_info> members_;
    std::size_t member_count_ = 0;
    bool moderator_ = false;               // the last joined frame's
    detail::typing_signal typing_signal_;  // composing()
    detail::typists typists_;              // the others, as typist frames tell
    std::optional<std::string> epoch_;     // the room's, from the last joined
    bool room_started_over_ = false;       // the epoch changed since the first join

    connection_state state_ = connection_state::connecting;
    millis retry_at_ = 0;  // as connection_changed last said
    std::optional<errc> state_reason_;
    link_phase link_ = link_phase::closed;
    bool started_ = false;
    bool stopped_ = false;
    bool network_up_ = true;
    bool auth_blocked_ = false;  // the relay refused the token; waits for set_token
    bool got_joined_ = false;
    bool got_join_history_ = false;
    std::uint32_t reconnect_attempts_ = 0;  // since the last successful join
    millis last_heard_at_ = 0;              // the last frame or HTTP answer from the relay

    carrier carrier_ = carrier::websocket;  // of the current link (link_)
    carrier via_announced_ = carrier::websocket;
    std::uint32_t ws_failures_ = 0;             // WebSocket attempts in a row that did not reach the room
    std::uint32_t ws_retries_ = 0;              // WebSockets tried in vain while HTTP carried the session
    bool ws_retrying_ = false;                  // one opens beside HTTP (timer::ws_retry)
    std::map<std::uint32_t, http_call> calls_;  // HTTP requests out, by id
    std::uint32_t next_call_ = 1;

    bool older_available_ = false;
    older_state older_announced_ = older_state::unknown;
    millis rate_limited_until_ = 0;       // last rate_limited event announced
    millis muted_until_ = 0;              // this user's mute here, as the relay last said
    std::optional<millis> read_sent_at_;  // when the last read frame went out
    millis token_expires_at_ = 0;         // of the token the relay last welcomed
    std::array<std::optional<millis>, static_cast<std::size_t>(timer::count_)> timers_{};

    std::vector<std::string> frames_;
    std::vector<client_event> events_;
};

}  // namespace roomchat
