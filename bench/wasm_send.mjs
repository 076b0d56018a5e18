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
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = process.env.ROOMCHAT_WASM_DIR ?? path.resolve(here, '../build/wasm/wasm');
const sends = Number(process.argv[2] ?? 2000);
const timelineSize = 1000;
const room = 'lobby';
const self = { id: 'ann', name: 'Ann' };
const other = { id: 'bob', name: 'Bob' };
const start = 1_700_000_000_000;

async function loadRoomchat() {
  const js = path.join(wasmDir, 'roomchat.js');
  const wasm = path.join(wasmDir, 'roomchat.wasm');
  for (const file of [js, wasm]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the wasm preset first`);
  }
  const { default: createRoomchat } = await import(pathToFileURL(js).href);
  // Emscripten 3.1.6 cannot fetch the .wasm itself under Node 20.
  return createRoomchat({ wasmBinary: fs.readFileSync(wasm) });
}

const otherId = (n) => `b${n.toString(16).padStart(31, '0')}`;
const wireMessage = (seq, text) => ({ seq, id: otherId(seq), from: other, text, ts: start + seq });
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
const session = roomchat.createSession({ room, token: 'token-ann' });
let now = start;
const frames = () => session.takeFrames().map((text) => JSON.parse(text));
const receive = (frame) => session.receive(JSON.stringify(frame), now);

// Online: start -> socket open -> auth -> welcome -> join -> joined + history.
// The relay's rate limit is lifted so every send goes out at once.
session.start(now);
session.transportOpened(now);
receive({
  type: 'welcome', user: self, max_text_code_points: 500,
  rate: { burst: 1_000_000, refill_interval_ms: 1 }, token_expires_at: start + 3_600_000_000,
});
const join = frames().find((f) => f.type === 'join');
if (!join) throw new Error('the session did not join after the welcome');
const backlog = Array.from({ length: timelineSize }, (_, i) => wireMessage(i + 1, chatter(i + 1)));
receive({ type: 'joined', room, members: [self, other], read_seq: timelineSize, latest_seq: timelineSize });
receive({ type: 'history', room, mode: 'latest', messages: backlog, truncated: false, has_more: false });
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
  receive({ type: 'ack', room, id: sent.result.id, seq, ts: now });
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
  receive({ type: 'message', room, message: wireMessage(seq, chatter(seq)) });
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
  if (!session.validate(longText).ok) throw new Error('a 500-code-point text should be valid');
});

console.log(`wasm_send: ${path.join(wasmDir, 'roomchat.wasm')} under node ${process.version}, ` +
  `timeline of ${timelineSize} messages\n`);
console.log(`  ${'per call (us)'.padEnd(46)} ${'samples'.padStart(7)} ${'p50'.padStart(9)}` +
  `${'p99'.padStart(9)}${'max'.padStart(9)}   budget`);
row('send + takeFrames + takeEvents (Enter -> echo)', sendSamples);
row('receive one message + takeEvents (reading)', receiveSamples);
row(`same, away: unread piles up to ${sends}`, awaySamples);
row('validate 500 code points (per keystroke)', validateSamples);
session.delete();
