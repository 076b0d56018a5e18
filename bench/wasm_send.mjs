// Not a test: times the browser side of typing and sending in the wasm module
// (build/wasm/wasm/roomchat.js, or $ROOMCHAT_WASM_DIR), the work the chat UI
// does between a key press and the screen. Budget: typing and sending never
// lag (< 100 ms). Prints figures, asserts nothing about time.
//   node bench/wasm_send.mjs [sends=2000]
//
// A minimal fake relay drives one session online (hand-written frames, wire
// names of docs/protocol.md) with a 1000-message timeline, then measures:
//   - send: send(text) + takeFrames() + takeEvents() (Enter -> local echo);
//   - receive: receive(one message frame) + takeEvents(), for a reader who
//     marks each message read and for one away while the unread count grows;
//   - validate: validate() of a 500-code-point text (every keystroke);
//   - apply 10,000 incoming messages: a fresh session like the one above takes
//     10,000 message frames, one WebSocket message each and in batch frames
//     packed as the relay packs them (core/include/roomchat/batch.hpp), each
//     followed by the drain web/transport.js does (takeFrames, takeEvents,
//     nextDeadline); once watching the newest messages (each read as it
//     arrives) and once away (the unread count grows). Budget: < 50 ms.
import { performance } from 'node:perf_hooks';

import {
  ANN, BOB, ROOM, START, ack, history, joined, loadRoomchat, messageFrame, otherId, welcome, wireMessage,
} from '../tests/wasm/harness.mjs';

const sends = Number(process.argv[2] ?? 2000);
const timelineSize = 1000;
const incoming = 10_000;
const applyRuns = 5;
// frame_batch::max_bytes (core/include/roomchat/batch.hpp).
const batchMaxBytes = 16 * 1024;
const from = (seq, text) => wireMessage(seq, otherId(seq), BOB, text);
const chatter = (n) => `message ${n}: did you see that? the goal in the second half was great`;

// Microseconds per call of fn(i), sorted; after(i) runs untimed between calls.
function timed(count, fn, after = () => {}) {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    fn(i);
    samples[i] = (performance.now() - t0) * 1000;
    after(i);
  }
  return samples.sort();
}

const at = (sorted, q) => sorted[Math.round(q * (sorted.length - 1))];

function row(label, sorted) {
  const cell = (v) => v.toFixed(1).padStart(9);
  console.log(`  ${label.padEnd(46)} ${String(sorted.length).padStart(7)} ${cell(at(sorted, 0.5))}` +
    `${cell(at(sorted, 0.99))}${cell(sorted[sorted.length - 1])}   100000`);
}

const roomchat = await loadRoomchat();
let now = START;

// Online: start -> socket open -> auth -> welcome -> join -> joined + history
// of timelineSize messages. The relay's rate limit is lifted so every send
// goes out at once.
function onlineSession() {
  const session = roomchat.createSession({ room: ROOM, token: 'token-ann' });
  const receive = (frame) => session.receive(JSON.stringify(frame), now);
  session.start(now);
  session.transportOpened(now);
  receive(welcome(ANN, { burst: 1_000_000, refillMs: 1 }));
  const join = session.takeFrames().map((text) => JSON.parse(text)).find((f) => f.type === 'join');
  if (!join) throw new Error('the session did not join after the welcome');
  const backlog = Array.from({ length: timelineSize }, (_, i) => from(i + 1, chatter(i + 1)));
  receive(joined([ANN, BOB], { readSeq: timelineSize, latestSeq: timelineSize }));
  receive(history('latest', backlog));
  session.takeFrames();
  session.takeEvents();
  if (session.state() !== 'online') throw new Error(`session is ${session.state()}, not online`);
  if (session.timeline().length < timelineSize) {
    throw new Error(`timeline holds ${session.timeline().length} messages, not ${timelineSize}`);
  }
  return session;
}

const session = onlineSession();
const receive = (frame) => session.receive(JSON.stringify(frame), now);
// The relay acks each send outside the timed part, as it would before the next key press.
let seq = timelineSize;
let sent = null;
const sendSamples = timed(sends, (i) => {
  const result = session.send(`hello everyone, message number ${i}`, now);
  const out = session.takeFrames();
  session.takeEvents();
  sent = { result, frames: out };
}, () => {
  if (!sent.result.ok) throw new Error(`send refused: ${sent.result.code}`);
  if (!sent.frames.some((text) => JSON.parse(text).type === 'send')) throw new Error('send produced no frame');
  seq += 1;
  now += 1;
  receive(ack(sent.result.id, seq, now));
  session.takeFrames();
  session.takeEvents();
});

// A reader at the bottom of the list marks each message read as it shows
// (untimed); a reader away from the tab lets the unread count pile up.
session.markRead(seq, now);
session.takeFrames();
session.takeEvents();
const receiveOne = () => {
  seq += 1;
  now += 1;
  receive(messageFrame(from(seq, chatter(seq))));
  session.takeEvents();
};
const receiveSamples = timed(sends, receiveOne, () => {
  session.markRead(seq, now);
  session.takeFrames();
  session.takeEvents();
});
const awaySamples = timed(sends, receiveOne);
if (session.unreadCount() !== sends) throw new Error(`unread is ${session.unreadCount()}, not ${sends}`);

const longText = 'é'.repeat(499) + '!';
const validateSamples = timed(sends, () => {
  if (!session.validate(longText, now).ok) throw new Error('a 500-code-point text should be valid');
});

// The frames as the relay sends them, one WebSocket message each: alone, or
// joined into batches of at most batchMaxBytes (frame_batch's rule).
function wireMessages(texts, batched) {
  if (!batched) return texts;
  const out = [];
  let batch = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length > 0) out.push(batch.length === 1 ? batch[0] : `{"type":"batch","frames":[${batch.join(',')}]}`);
    batch = [];
    bytes = 0;
  };
  for (const text of texts) {
    const envelope = '{"type":"batch","frames":[]}'.length;
    if (batch.length > 0 && envelope + bytes + batch.length + Buffer.byteLength(text) > batchMaxBytes) flush();
    batch.push(text);
    bytes += Buffer.byteLength(text);
  }
  flush();
  return out;
}

// Milliseconds to apply `incoming` messages to a fresh online session.
function applyIncoming({ batched, watching }) {
  const fresh = onlineSession();
  fresh.setWatching(watching, now);
  fresh.takeFrames();
  fresh.takeEvents();
  const texts = Array.from({ length: incoming }, (_, i) => {
    const n = timelineSize + 1 + i;
    return JSON.stringify(messageFrame(from(n, chatter(n))));
  });
  const messages = wireMessages(texts, batched);
  const t0 = performance.now();
  for (const text of messages) {
    fresh.receive(text, now);
    fresh.takeFrames();
    fresh.takeEvents();
    fresh.nextDeadline();
  }
  const ms = performance.now() - t0;
  const unread = fresh.unreadCount();
  fresh.delete();
  if (unread !== (watching ? 0 : incoming)) throw new Error(`unread is ${unread} after applying ${incoming}`);
  return { ms, wsMessages: messages.length };
}

const applyRows = [
  { label: 'one frame per message, watching', batched: false, watching: true },
  { label: 'one frame per message, away', batched: false, watching: false },
  { label: 'batch frames, watching', batched: true, watching: true },
  { label: 'batch frames, away', batched: true, watching: false },
].map((shape) => {
  const runs = Array.from({ length: applyRuns }, () => applyIncoming(shape));
  const ms = runs.map((run) => run.ms).sort((a, b) => a - b);
  return { ...shape, ms, wsMessages: runs[0].wsMessages };
});

console.log(`wasm_send: roomchat.wasm under node ${process.version}, ` +
  `timeline of ${timelineSize} messages\n`);
console.log(`  ${'per call (us)'.padEnd(46)} ${'samples'.padStart(7)} ${'p50'.padStart(9)}` +
  `${'p99'.padStart(9)}${'max'.padStart(9)}   budget`);
row('send + takeFrames + takeEvents (Enter -> echo)', sendSamples);
row('receive one message + takeEvents (reading)', receiveSamples);
row(`same, away: unread piles up to ${sends}`, awaySamples);
row('validate 500 code points (per keystroke)', validateSamples);
session.delete();

console.log(`\n  ${`apply ${incoming.toLocaleString('en')} incoming messages (ms)`.padEnd(46)} ` +
  `${'ws msgs'.padStart(7)} ${'median'.padStart(9)}   runs${' '.repeat(32)}budget`);
for (const { label, ms, wsMessages } of applyRows) {
  const runs = ms.map((v) => v.toFixed(0)).join(' ');
  console.log(`  ${label.padEnd(46)} ${String(wsMessages).padStart(7)} ${at(ms, 0.5).toFixed(1).padStart(9)}` +
    `   ${runs.padEnd(36)}50`);
}
