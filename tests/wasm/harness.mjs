// Loads the built module and drives a ChatSession the way the browser does:
// the test plays the relay, owns the clock and fires the timer at
// nextDeadline(). Relay frames are written by hand with the wire names of
// docs/protocol.md, so the tests check the protocol and not just a round trip.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = process.env.ROOMCHAT_WASM_DIR ?? path.resolve(here, '../../build/wasm/wasm');

export async function loadRoomchat() {
  const js = path.join(wasmDir, 'roomchat.js');
  const wasm = path.join(wasmDir, 'roomchat.wasm');
  for (const file of [js, wasm]) {
    if (!fs.existsSync(file)) {
      throw new Error(`${file} is missing: build the module first with ` +
        '`cmake --preset wasm && cmake --build --preset wasm`');
    }
  }
  const { default: createRoomchat } = await import(pathToFileURL(js).href);
  // Emscripten 3.1.6 cannot fetch the .wasm itself under Node 20.
  return createRoomchat({ wasmBinary: fs.readFileSync(wasm) });
}

export const ROOM = 'lobby';
export const ANN = { id: 'ann', name: 'Ann' };
export const BOB = { id: 'bob', name: 'Bob' };
export const START = 1_700_000_000_000;
export const EPOCH = '0123456789abcdef';

// ---- relay -> client frames -------------------------------------------------

export const welcome = (user, { maxText = 500, burst = 5, refillMs = 1000 } = {}) => ({
  type: 'welcome', user, max_text_code_points: maxText,
  rate: { burst, refill_interval_ms: refillMs }, token_expires_at: START + 3_600_000,
});
export const joined = (members, { readSeq = 0, latestSeq = 0, epoch = EPOCH } = {}) => ({
  type: 'joined', room: ROOM, epoch, members, member_count: members.length, read_seq: readSeq, latest_seq: latestSeq,
});
export const history = (mode, messages, { truncated = false, hasMore = false, epoch = EPOCH } = {}) => ({
  type: 'history', room: ROOM, epoch, mode, messages, truncated, has_more: hasMore,
});
export const wireMessage = (seq, id, from, text, ts = START + seq) => ({ seq, id, from, text, ts });
export const messageFrame = (message) => ({ type: 'message', room: ROOM, message });
export const ack = (id, seq, ts = START + seq, epoch = EPOCH) => ({ type: 'ack', room: ROOM, epoch, id, seq, ts });
export const nack = (id, code, retryAfterMs) => ({
  type: 'nack', room: ROOM, id, code,
  ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }),
});
export const presence = (event, user, memberCount) => ({
  type: 'presence', room: ROOM, event, user, member_count: memberCount,
});

// Message ids of other people's messages: one canonical id per n, distinct
// for every n (a fixed first digit keeps even n = 0 from being the nil id).
export const otherId = (n) => `e${n.toString(16).padStart(31, '0')}`;

export class Driver {
  constructor(roomchat, { token = 'token-ann', pageSize, maxTimeline } = {}) {
    this.session = roomchat.createSession({ room: ROOM, token, pageSize, maxTimeline });
    this.now = START;
  }

  // Everything the session produced since the last drain; frames parsed.
  drain() {
    return {
      frames: this.session.takeFrames().map((text) => JSON.parse(text)),
      events: this.session.takeEvents(),
    };
  }

  // Calls a session method with the current time appended, then drains.
  call(method, ...args) {
    const value = this.session[method](...args, this.now);
    return { value, ...this.drain() };
  }

  receive(frame) {
    return this.call('receive', JSON.stringify(frame));
  }

  // Moves the clock to the session's deadline and fires the timer there.
  fireTimer() {
    const deadline = this.session.nextDeadline();
    assert.notEqual(deadline, null, 'the session should have a deadline');
    this.now = Math.max(this.now, deadline);
    return this.call('onTimer');
  }

  // start -> open_transport, then handshake().
  connect(options) {
    const started = this.call('start');
    assert.ok(started.events.some((e) => e.type === 'open_transport'), 'asks JS to open the socket');
    const shaken = this.handshake(options);
    return { ...shaken, events: [...started.events, ...shaken.events] };
  }

  // The socket is open: auth -> welcome -> join -> joined + history.
  // `backlog` is the room's history as the relay answers the join.
  handshake({ user = ANN, members = [user], rate, maxText, backlog = [], hasMore = false, readSeq = 0, epoch = EPOCH } = {}) {
    const opened = this.call('transportOpened');
    assert.deepEqual(opened.frames.map((f) => f.type), ['auth']);
    const welcomed = this.receive(welcome(user, { ...rate, maxText }));
    const join = welcomed.frames.find((f) => f.type === 'join');
    assert.ok(join, 'joins after the welcome');
    const since = join.since ?? 0;
    const latestSeq = backlog.length ? backlog.at(-1).seq : since;
    const joinedOut = this.receive(joined(members, { readSeq, latestSeq, epoch }));
    const page = backlog.filter((m) => m.seq > since);
    const historyOut = this.receive(history(join.since === undefined ? 'latest' : 'after', page, { hasMore, epoch }));
    return {
      auth: opened.frames[0],
      join,
      frames: [...welcomed.frames, ...joinedOut.frames, ...historyOut.frames],
      events: [...opened.events, ...welcomed.events, ...joinedOut.events, ...historyOut.events],
    };
  }
}

export const ofType = (events, type) => events.filter((e) => e.type === type);
export const lastOfType = (events, type) => ofType(events, type).at(-1);
