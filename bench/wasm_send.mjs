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
//   - validate: validate() of a 500-code-point text (every keystroke).
import { performance } from 'node:perf_hooks';

import {
  ANN, BOB, ROOM, START, ack, history, joined, loadRoomchat, messageFrame, otherId, welcome, wireMessage,
} from '../tests/wasm/harness.mjs';

const sends = Number(process.argv[2] ?? 2000);
const timelineSize = 1000;
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
const session = roomchat.createSession({ room: ROOM, token: 'token-ann' });
let now = START;
const frames = () => session.takeFrames().map((text) => JSON.parse(text));
const receive = (frame) => session.receive(JSON.stringify(frame), now);

// Online: start -> socket open -> auth -> welcome -> join -> joined + history.
// The relay's rate limit is lifted so every send goes out at once.
session.start(now);
session.transportOpened(now);
receive(welcome(ANN, { burst: 1_000_000, refillMs: 1 }));
const join = frames().find((f) => f.type === 'join');
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

console.log(`wasm_send: roomchat.wasm under node ${process.version}, ` +
  `timeline of ${timelineSize} messages\n`);
console.log(`  ${'per call (us)'.padEnd(46)} ${'samples'.padStart(7)} ${'p50'.padStart(9)}` +
  `${'p99'.padStart(9)}${'max'.padStart(9)}   budget`);
row('send + takeFrames + takeEvents (Enter -> echo)', sendSamples);
row('receive one message + takeEvents (reading)', receiveSamples);
row(`same, away: unread piles up to ${sends}`, awaySamples);
row('validate 500 code points (per keystroke)', validateSamples);
session.delete();
