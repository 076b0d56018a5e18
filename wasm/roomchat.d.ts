// The browser's API to the roomchat core (C++ compiled to WebAssembly).
// JavaScript owns the WebSocket and one timer; the core decides everything
// else. After every call, drain takeFrames() (send each on the socket) and
// takeEvents() (update the UI), then re-arm the timer for nextDeadline().
// All times are milliseconds since the Unix epoch (Date.now()).

export type ErrorCode =
  | 'empty_text' | 'text_too_long' | 'invalid_utf8' | 'control_character'
  | 'invalid_message_id' | 'invalid_user_id' | 'invalid_room_id' | 'invalid_epoch'
  | 'malformed_json' | 'frame_too_large' | 'too_deep' | 'unknown_type' | 'missing_field' | 'wrong_type'
  | 'unsupported_version'
  | 'auth_required' | 'auth_failed' | 'token_expired' | 'auth_timeout' | 'room_forbidden' | 'not_joined'
  | 'not_moderator'
  | 'rate_limited' | 'id_conflict' | 'room_full' | 'too_many_rooms' | 'muted' | 'no_such_message'
  | 'binary_frame' | 'too_many_connections' | 'slow_consumer' | 'going_away' | 'unavailable' | 'internal'
  | 'no_ack';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';
// What lies above the oldest row held:
// 'unknown'    no history page yet (or the timeline was just reset)
// 'available'  loadOlder() would fetch a page
// 'loading'    a page was asked for ("Loading older messages…")
// 'start'      the room's first message is held, or the room is empty
// 'gone'       the relay no longer has older messages: its capped history forgot them, or it
//              restarted during this session and the room started over ("Earlier messages are
//              no longer available")
export type OlderState = 'unknown' | 'available' | 'loading' | 'start' | 'gone';
export type DeliveryState = 'queued' | 'sending' | 'sent' | 'failed';

export interface User { id: string; name: string; }

// The emoji reactions may use (protocol.md).
export type ReactionEmoji = '👍' | '❤️' | '😂' | '😮' | '😢' | '🎉';

// Who reacted to a message with one emoji, this user's reactions on their way included.
export interface Reaction {
  emoji: string;
  users: User[];         // in the order they reacted
  mine: boolean;         // this user is among them
}

export interface TimelineMessage {
  id: string;            // stable key: the sender's client message id
  seq: number;           // 0 until the relay has sequenced it
  from: User;
  text: string;          // always render as text, never as HTML
  ts: number;            // relay time once sequenced, local time before
  mediaMs?: number;      // the sender's playback position when they sent (ms from the media's start)
  system?: true;         // posted by the host's backend ("Ann paused at 12:34"), not by a person
  removed?: true;        // removed by its author or a moderator: show a tombstone; text is empty
  reactions?: Reaction[];  // absent: none; in the order each emoji was first given
  own: boolean;
  state: DeliveryState;  // 'queued' shows as sending (waiting for connection)
  failure?: ErrorCode;   // state === 'failed'
  failureMessage?: string;
}

// A stretch of the timeline for a view that renders only part of it.
export interface TimelineWindow {
  rows: TimelineMessage[];  // timeline order: sequenced by seq, then pending
  atStart: boolean;         // nothing held is older than rows[0] (see older() for what the relay has)
  atEnd: boolean;           // the rows end with the newest row, pending ones included
}

export type ChatEvent =
  | { type: 'open_transport' }
  | { type: 'close_transport'; reason: string }
  // `via`: what carries the session, a WebSocket or, where those do not get through, HTTP.
  | { type: 'connection_changed'; state: ConnectionState; retryAt?: number; reason?: ErrorCode; via: 'websocket' | 'http' }
  // Make this HTTP request to the relay: `target` is relative to the WebSocket URL as an
  // http(s) URL, sent with `Authorization: Bearer <token>` and the JSON `body` if any. Answer
  // with httpResponse(id, ...).
  | { type: 'http_request'; id: number; method: 'GET' | 'POST'; target: string; token: string; body?: string }
  // The answer to request `id` is no longer wanted: abort it and report nothing.
  | { type: 'http_abort'; id: number }
  | { type: 'identity'; self: User }
  // Insert or update `message`, placed before the message with id `before` (at the end when absent).
  | { type: 'message'; message: TimelineMessage; before?: string }
  // Forget every sequenced row (keep pending ones); the next pages refill the timeline.
  // 'epoch_changed': the room started over (a relay restart) and earlier messages are gone for
  // good; 'history_truncated': the relay's capped history no longer reaches this client's position.
  | { type: 'timeline_reset'; reason: 'history_truncated' | 'epoch_changed' }
  | { type: 'history_loaded'; mode: 'latest' | 'after' | 'before'; count: number; hasMore: boolean }
  // older() changed: a request went out, a page came, a request timed out or its connection
  // was lost, the timeline was reset, or the oldest rows were trimmed (maxTimeline).
  | { type: 'older_changed'; older: OlderState }
  // `divider`: the id of the message the "new messages" divider goes before. It marks where the
  // reader's absence began: it stays while they read on (setWatching, markRead), moves when
  // unread messages start again while they are away, and is gone once they send or the
  // timeline resets. At most one per received WebSocket message, after its messages.
  | { type: 'unread_changed'; count: number; divider?: string }
  // `members`: the relay's list on joining (at most 1000 by default) changed by each presence
  // frame since, in no particular order; `count` is everyone present, listed or not.
  | { type: 'presence_changed'; members: User[]; count: number }
  // Who else is typing, in the order they started (empty: nobody). An entry goes when they stop,
  // send, leave, or are not heard from for 6 s; every entry goes when the connection is lost.
  | { type: 'typing_changed'; users: User[] }
  | { type: 'rate_limited'; retryAt: number }
  // A moderator's mute of `user` (a user id) ends at `until` (0: lifted). For this user: sends
  // are refused until then (validate() says 'muted'); for another: the mute this moderator asked
  // for took effect.
  | { type: 'muted'; user: string; until: number }
  // The token runs out at expiresAt (or has): get a fresh one and call setToken(). Comes once per
  // welcome, a minute ahead (at most half the remaining life); sends refused meanwhile wait for it.
  | { type: 'token_expiring'; expiresAt: number }
  | { type: 'error'; code: ErrorCode; message: string; detail: string }
  // pending() changed (a message was typed or restored, acknowledged, failed or retried): store it again.
  | { type: 'pending_changed' };

// An own message not yet acknowledged, as the page stores it to survive a reload.
// JSON-compatible: store JSON.stringify(session.pending()) and restore(JSON.parse(stored)).
export interface PendingMessage {
  id: string;            // the original message id: a resend the relay already took is deduplicated
  text: string;          // normalised
  createdAt: number;     // when it was typed
  failure?: ErrorCode;   // present: failed, waiting for retry(id)
  mediaMs?: number;      // its playback position
  removes?: number;      // a removal (remove(seq)) of the message with this seq; text is empty
  reaction?: { to: number; emoji: string; add: boolean };  // a reaction (react(seq, emoji)); text is empty
}

// `restored` counts the entries put back; invalid ones (bad id, text the rules refuse,
// an id already pending, a malformed entry) are skipped. Not ok when called after start()
// ('internal'), with something other than an array ('wrong_type') or with JSON nested
// deeper than 8 (the array is 1, an entry 2: 'too_deep').
export type RestoreResult = { ok: true; restored: number } | { ok: false; code: ErrorCode; message: string };

export type SendResult = { ok: true; id: string } | { ok: false; code: ErrorCode; message: string };
export type Status = { ok: true } | { ok: false; code: ErrorCode; message: string };

export interface Validation {
  ok: boolean;
  codePoints: number;      // for the character counter: of the text as it would be sent (trimmed)
                           // when ok, of the raw text otherwise
  maxCodePoints: number;   // the relay's limit once welcomed, 500 before
  code?: ErrorCode;        // why a send would not go out now: the text's fault, else
                           // 'rate_limited' while waitMs > 0 (for an empty text too)
  message?: string;        // for people; with rate_limited, says in how many seconds
  waitMs: number;          // rateWaitMs(now)
}

export interface ChatConfig {
  room: string;
  token: string;
  pageSize?: number;       // messages per history page (default 50)
  // The newest sequenced messages held (default 5000); older ones are trimmed as new ones
  // arrive, and can be loaded again with loadOlder(). Pages loaded by loadOlder() are kept
  // until the next new message. Pending messages are never trimmed.
  maxTimeline?: number;
}

export interface ChatSession {
  start(now: number): void;
  transportOpened(now: number): void;
  transportClosed(now: number): void;
  networkChanged(online: boolean, now: number): void;
  // One WebSocket text message as it came: a frame, or a batch of them (the
  // session's auth asks the relay for batches; docs/protocol.md).
  receive(frameText: string, now: number): void;
  // The answer to an http_request event: its status (0 when no answer came) and body text.
  httpResponse(id: number, status: number, body: string, now: number): void;
  onTimer(now: number): void;
  nextDeadline(): number | null;

  // mediaTime: the host player's position in seconds (HTMLMediaElement.currentTime); the
  // message carries it as mediaMs. Not a position (NaN, negative, past a week): no stamp.
  send(text: string, now: number, mediaTime?: number): SendResult;
  retry(id: string, now: number): Status;
  markRead(seq: number, now: number): void;
  // Whether the reader watches the newest messages (they are on screen and the page is
  // visible). While they do, each message is read as it arrives, with no unread_changed.
  setWatching(watching: boolean, now: number): void;
  // The composer changed: call on every input with whether it holds text. The others see this
  // user typing while keystrokes come (said again at most every 3 s), and no longer once the
  // text is cleared or sent. Only a WebSocket carries it.
  composing(hasText: boolean, now: number): void;
  // As a moderator (moderator() true): mute the user `userId` for `minutes` (1 to 1440), or lift
  // the mute (0). The relay answers with a muted event, or an error event (not_moderator). Not ok:
  // an invalid user id or minutes ('invalid_user_id', 'wrong_type'), or not joined ('not_joined').
  mute(userId: string, minutes: number, now: number): Status;
  // Whether the relay let this user join as a moderator of the room (the token's mod claim).
  moderator(): boolean;
  // Removes the message with this seq for everyone: one of this user's own, or any as a
  // moderator. It goes out (and is resent) like a message; once decided, the row comes again
  // in a 'message' event with removed: true. A final refusal comes as an 'error' event. Not ok:
  // no such message held or it is removed ('no_such_message'), another's and not a moderator
  // ('not_moderator'). Asking again while one is on its way changes nothing.
  remove(seq: number, now: number): Status;
  // Toggles this user's `emoji` on the message with this seq: added when they have not given it,
  // taken back when they have. The row shows it at once (a 'message' event); it goes out (and is
  // resent) like a message; a final refusal is an 'error' event and the row as it was. Not ok: no
  // such message held or it is removed ('no_such_message'), an emoji outside the set
  // ('wrong_type'), a mute holding ('muted').
  react(seq: number, emoji: ReactionEmoji, now: number): Status;
  // Asks for the page before the oldest row when older() is 'available'; an answer that does
  // not come within 10 s is given up ('available' again).
  loadOlder(now: number): void;
  setToken(token: string, now: number): void;
  stop(now: number): void;
  // Before start(): puts back what pending() returned in an earlier page load,
  // echoing each as a message event (failed ones stay failed until retry).
  restore(messages: PendingMessage[], now: number): RestoreResult;

  takeFrames(): string[];
  takeEvents(): ChatEvent[];

  validate(text: string, now: number): Validation;
  // Milliseconds until a send would go out at once: the local rate limit's
  // wait or the relay's retry-after, whichever is longer.
  rateWaitMs(now: number): number;
  state(): ConnectionState;
  unreadCount(): number;
  timeline(): TimelineMessage[];  // every row: costs as much as the timeline is long
  // Windows of the timeline: each costs as much as the rows it returns, not the timeline.
  // With only pending rows, those are the window.
  timelineLatest(count: number): TimelineWindow;                  // the newest `count` rows
  // Up to `count` rows from the first sequenced row with seq >= fromSeq (0: the oldest held);
  // pending rows follow once every sequenced row is in.
  timelineFrom(fromSeq: number, count: number): TimelineWindow;
  // Up to `count` sequenced rows older than seq `beforeSeq`, ending right before it.
  timelineBefore(beforeSeq: number, count: number): TimelineWindow;
  older(): OlderState;
  pending(): PendingMessage[];   // in the order they go out
  self(): User | null;

  // Frees the C++ object; the session is unusable afterwards.
  delete(): void;
}

export interface RoomchatModule {
  // Random bytes for message ids come from crypto.getRandomValues inside the module.
  createSession(config: ChatConfig): ChatSession;
  // One English sentence for people; '' for a code this module does not know.
  // With a wait (rate_limited), it also says in how many seconds sending works again.
  errorMessage(code: ErrorCode, retryAfterMs?: number): string;
  // Every code the core has (errc.hpp), in its order: the ErrorCode union above must name
  // exactly these (tests/wasm/error_codes.test.mjs checks both ways).
  errorCodes(): ErrorCode[];
  // The `sub` claim of a JWT, read without verifying it (the relay verifies): whose unsent
  // messages a page may store. null when the token has no valid one (or claims
  // past 16 KiB or nested deeper than 16).
  tokenSubject(token: string): string | null;
  protocolVersion: number;
  // The module object also carries Emscripten's internals (the C exports that createSession
  // wraps, HEAP views, ...); they are not part of this API.
}

export interface ModuleOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;  // required under Node 20 (see docs/wasm-api.md)
  locateFile?: (path: string, prefix: string) => string;
}

// ES module factory (wasm/roomchat.js): resolves once the .wasm is instantiated.
export default function createRoomchat(options?: ModuleOptions): Promise<RoomchatModule>;
