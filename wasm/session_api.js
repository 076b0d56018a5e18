// --post-js: the API of roomchat.d.ts over bindings.cpp's C exports.
// Strings go in as UTF-8 copied into the module's memory for the one call;
// what comes back is UTF-8 there: cells for timeline rows and what carries
// them (session_cells.hpp), JSON text for other structured values. Both
// leave here as plain objects. So errors are values and nothing of the C++
// object leaks to the caller but delete().

// The factory's own names: Emscripten's runtime, and bindings.cpp's exports.
/* global HEAPF64, HEAPU32, HEAPU8, UTF8ToString, addOnInit, _malloc, _free */
/* global _roomchat_composing, _roomchat_error_codes, _roomchat_error_message, _roomchat_http_response, _roomchat_load_older */
/* global _roomchat_mark_read, _roomchat_moderator, _roomchat_mute, _roomchat_network_changed, _roomchat_next_deadline, _roomchat_older, _roomchat_react, _roomchat_remove */
/* global _roomchat_on_timer, _roomchat_pending, _roomchat_protocol_version, _roomchat_rate_wait_ms */
/* global _roomchat_receive, _roomchat_restore, _roomchat_retry, _roomchat_self, _roomchat_send */
/* global _roomchat_session_delete, _roomchat_session_new, _roomchat_set_token, _roomchat_set_watching */
/* global _roomchat_start, _roomchat_state, _roomchat_stop, _roomchat_take_events, _roomchat_take_frames */
/* global _roomchat_timeline, _roomchat_timeline_before, _roomchat_timeline_from, _roomchat_timeline_latest */
/* global _roomchat_token_subject, _roomchat_transport_closed, _roomchat_transport_opened */
/* global _roomchat_unread_count, _roomchat_validate */

// Arguments of the wrong type throw a TypeError before anything reaches C++.
function roomchatNumber(value, name) {
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new TypeError(`roomchat: ${name} must be a number, not ${typeof value}`);
  }
  return value;
}

// call(pointer, byteLength) with `text` as UTF-8 in the module's memory, the
// memory freed after the call. The host's own encoder, not Emscripten's loop
// in JavaScript: receiving batch frames takes about 13% less (wasm_send),
// and a lone surrogate becomes U+FFFD, as in all UTF-8 a page sends (where
// Emscripten's took the next character with it). A UTF-16 code unit is at
// most 3 bytes of UTF-8; the 1 more keeps an empty text from a 0-byte malloc.
const roomchatEncoder = new TextEncoder();
function roomchatWithText(text, name, call) {
  if (typeof text !== 'string') throw new TypeError(`roomchat: ${name} must be a string, not ${typeof text}`);
  const capacity = text.length * 3;
  const pointer = _malloc(capacity + 1);
  if (!pointer) throw new RangeError('roomchat: out of memory');
  try {
    return call(pointer, roomchatEncoder.encodeInto(text, HEAPU8.subarray(pointer, pointer + capacity)).written);
  } finally {
    _free(pointer);
  }
}

const roomchatJson = (pointer) => JSON.parse(UTF8ToString(pointer));

// A reader of the cells at `view` (session_cells.hpp): the text is decoded
// once and cut by the lengths among the numbers. ignoreBOM: a U+FEFF first in
// the text would be a string's first character, not a mark to drop (today
// every text starts with an id or a JSON object).
const roomchatDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
function roomchatCells(view) {
  const [numbersAt, count, textAt, bytes] = HEAPU32.subarray(view >>> 2, (view >>> 2) + 4);
  const numbers = HEAPF64.subarray(numbersAt >>> 3, (numbersAt >>> 3) + count);
  const text = roomchatDecoder.decode(HEAPU8.subarray(textAt, textAt + bytes));
  let next = 0;
  let at = 0;
  return {
    more: () => next < count,
    number: () => numbers[next++],
    flag: () => numbers[next++] === 1,
    string: () => text.slice(at, (at += numbers[next++])),
  };
}

// The orders of session_cells.hpp. A property's value is read when the
// literal is evaluated, in the order written.
const roomchatUser = (cells) => ({ id: cells.string(), name: cells.string() });
// A count, then that many values; a loop, not Array.from, which costs more.
function roomchatList(cells, read) {
  const list = [];
  for (let count = cells.number(); count > 0; count -= 1) list.push(read(cells));
  return list;
}
const roomchatReaction = (cells) => ({
  emoji: cells.string(), users: roomchatList(cells, roomchatUser), mine: cells.flag(),
});
function roomchatRow(cells) {
  const row = {
    id: cells.string(), seq: cells.number(), from: roomchatUser(cells), text: cells.string(),
    ts: cells.number(), own: cells.flag(), state: cells.string(),
  };
  const mediaMs = cells.number();
  if (!Number.isNaN(mediaMs)) row.mediaMs = mediaMs;
  if (cells.flag()) row.system = true;
  if (cells.flag()) row.removed = true;
  const reactions = roomchatList(cells, roomchatReaction);
  if (reactions.length > 0) row.reactions = reactions;
  const failure = cells.string();
  if (failure) {
    row.failure = failure;
    row.failureMessage = cells.string();
  }
  return row;
}
const roomchatRows = (view) => roomchatList(roomchatCells(view), roomchatRow);
function roomchatWindow(view) {
  const cells = roomchatCells(view);
  return { rows: roomchatList(cells, roomchatRow), atStart: cells.flag(), atEnd: cells.flag() };
}
function roomchatEvents(view) {
  const cells = roomchatCells(view);
  const events = [];
  while (cells.more()) {
    const kind = cells.number();
    if (kind === 0) {
      events.push(JSON.parse(cells.string()));
    } else if (kind === 1) {
      const event = { type: 'message', message: roomchatRow(cells) };
      const before = cells.string();
      if (before) event.before = before;
      events.push(event);
    } else {
      const event = { type: 'unread_changed', count: cells.number() };
      const divider = cells.string();
      if (divider) event.divider = divider;
      events.push(event);
    }
  }
  return events;
}

addOnInit(() => {
  Module['protocolVersion'] = _roomchat_protocol_version();
});
Module['errorCodes'] = () => roomchatJson(_roomchat_error_codes());
Module['errorMessage'] = (code, retryAfterMs = 0) => roomchatWithText(code, 'code',
  (p, n) => UTF8ToString(_roomchat_error_message(p, n, roomchatNumber(retryAfterMs, 'retryAfterMs'))));
Module['tokenSubject'] = (token) => roomchatWithText(token, 'token',
  (p, n) => roomchatJson(_roomchat_token_subject(p, n)));

Module['createSession'] = function (config) {
  let session = roomchatWithText(config.room, 'room', (room, roomSize) =>
    roomchatWithText(config.token, 'token', (token, tokenSize) =>
      _roomchat_session_new(room, roomSize, token, tokenSize,
        roomchatNumber(config.pageSize || 0, 'pageSize'), roomchatNumber(config.maxTimeline || 0, 'maxTimeline'))));
  const live = () => {
    if (!session) throw new Error('roomchat: this ChatSession was deleted');
    return session;
  };
  const at = (now) => roomchatNumber(now, 'now');
  // method(session, now) for the methods that take only the time.
  const timed = (method) => (now) => method(live(), at(now));
  // A method taking one string, then the time, and giving JSON back.
  const withText = (method, name) => (text, now) =>
    roomchatWithText(text, name, (p, n) => method(live(), p, n, at(now)));
  return {
    start: timed(_roomchat_start),
    transportOpened: timed(_roomchat_transport_opened),
    transportClosed: timed(_roomchat_transport_closed),
    networkChanged: (online, now) => _roomchat_network_changed(live(), online ? 1 : 0, at(now)),
    receive: withText(_roomchat_receive, 'frameText'),
    httpResponse: (id, status, body, now) => roomchatWithText(body, 'body', (p, n) =>
      _roomchat_http_response(live(), roomchatNumber(id, 'id'), roomchatNumber(status, 'status'), p, n, at(now))),
    onTimer: timed(_roomchat_on_timer),
    nextDeadline: () => roomchatJson(_roomchat_next_deadline(live())),

    // No mediaTime, or not a number: the message carries no playback position.
    send: (text, now, mediaTime) => roomchatWithText(text, 'text', (p, n) =>
      roomchatJson(_roomchat_send(live(), p, n, at(now), typeof mediaTime === 'number' ? mediaTime : NaN))),
    retry: (id, now) => roomchatJson(withText(_roomchat_retry, 'id')(id, now)),
    markRead: (seq, now) => _roomchat_mark_read(live(), roomchatNumber(seq, 'seq'), at(now)),
    setWatching: (watching, now) => _roomchat_set_watching(live(), watching ? 1 : 0, at(now)),
    composing: (hasText, now) => _roomchat_composing(live(), hasText ? 1 : 0, at(now)),
    mute: (userId, minutes, now) => roomchatWithText(userId, 'userId', (p, n) =>
      roomchatJson(_roomchat_mute(live(), p, n, roomchatNumber(minutes, 'minutes'), at(now)))),
    moderator: () => Boolean(_roomchat_moderator(live())),
    remove: (seq, now) => roomchatJson(_roomchat_remove(live(), roomchatNumber(seq, 'seq'), at(now))),
    react: (seq, emoji, now) => roomchatWithText(emoji, 'emoji', (p, n) =>
      roomchatJson(_roomchat_react(live(), roomchatNumber(seq, 'seq'), p, n, at(now)))),
    loadOlder: timed(_roomchat_load_older),
    setToken: withText(_roomchat_set_token, 'token'),
    stop: timed(_roomchat_stop),
    // undefined is not JSON: it reads as the wrong type, like any non-array.
    restore: (messages, now) => roomchatJson(withText(_roomchat_restore, 'messages')(JSON.stringify(messages) ?? 'null', now)),

    takeFrames: () => roomchatJson(_roomchat_take_frames(live())),
    takeEvents: () => roomchatEvents(_roomchat_take_events(live())),

    validate: (text, now) => roomchatJson(withText(_roomchat_validate, 'text')(text, now)),
    rateWaitMs: timed(_roomchat_rate_wait_ms),
    state: () => UTF8ToString(_roomchat_state(live())),
    unreadCount: () => _roomchat_unread_count(live()),
    timeline: () => roomchatRows(_roomchat_timeline(live())),
    timelineLatest: (count) => roomchatWindow(_roomchat_timeline_latest(live(), roomchatNumber(count, 'count'))),
    timelineFrom: (fromSeq, count) => roomchatWindow(
      _roomchat_timeline_from(live(), roomchatNumber(fromSeq, 'fromSeq'), roomchatNumber(count, 'count'))),
    timelineBefore: (beforeSeq, count) => roomchatWindow(
      _roomchat_timeline_before(live(), roomchatNumber(beforeSeq, 'beforeSeq'), roomchatNumber(count, 'count'))),
    older: () => UTF8ToString(_roomchat_older(live())),
    pending: () => roomchatJson(_roomchat_pending(live())),
    self: () => roomchatJson(_roomchat_self(live())),

    delete: () => {
      _roomchat_session_delete(live());
      session = 0;
    },
  };
};
