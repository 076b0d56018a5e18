// A crowd: users who write into a room over the wire protocol
// (docs/protocol.md) from this Node process, with the `ws` library, so that
// the browser under test spends its time on the reader alone. A browser page
// as the writer would itself take about 2 s to put 10,000 messages on the
// wire, one WebSocket send at a time.

import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';

// The relay's limits opened up for users who write faster than any person.
export const CROWD_RELAY_ARGS = [
  '--rate-burst', '100000', '--rate-refill-ms', '1',
  '--user-rate-burst', '100000', '--user-rate-refill-ms', '1',
  '--frame-burst', '100000', '--frame-refill-ms', '1',
  '--max-buffered-bytes', String(256 * 1024 * 1024),
];

// The same clock as a page's `performance.timeOrigin + performance.now()`:
// milliseconds since the Unix epoch, on this machine.
const now = () => performance.timeOrigin + performance.now();

// The frames of one message: a batch frame (asked for in auth) or one frame.
const framesIn = (text) => {
  const frame = JSON.parse(text);
  return frame.type === 'batch' ? frame.frames : [frame];
};

async function connect(relay, room, name) {
  const response = await fetch(new URL('api/dev/token', relay.url), { method: 'POST', body: JSON.stringify({ name, room }) });
  if (!response.ok) throw new Error(`no token for ${name}: HTTP ${response.status}`);
  const { token } = await response.json();
  const url = new URL('ws', relay.url);
  url.protocol = 'ws:';
  const ws = new WebSocket(url);
  ws.sent = 0;
  ws.acked = 0;
  await new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', v: 1, token, batch: true })));
    ws.on('message', (data) => {
      for (const frame of framesIn(data.toString())) {
        if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'join', room }));
        if (frame.type === 'joined') resolve();
        // Acks only: the room's messages are the reader's to read.
        if (frame.type === 'ack') ws.acked += 1;
      }
      if (ws.acked === ws.sent) ws.onAllAcked?.();
    });
  });
  return ws;
}

// `count` users joined to `room`. Returns
//   fill(n, label): sends n messages "<label> <k>: …", round robin, and waits
//     until the relay acknowledged them all; resolves to { sent, at }: how many
//     were sent so far, and when the first of these went out;
//   mark(label): one message "mark <label>" from the first user, sequenced
//     after everything filled before (all acknowledged): once a reader shows
//     it, they applied all of those; resolves to { at, texts: [text] };
//   probe(text): one message from the first user; resolves to when it went out.
// Each user receives what the others write: a crowd of one costs nothing but
// its acks. Times are milliseconds since the Unix epoch (see `now`).
export async function openCrowd(relay, room, count) {
  const users = [];
  for (let i = 0; i < count; i += 1) users.push(await connect(relay, room, `Crowd ${i + 1}`));
  const say = (ws, text) => {
    ws.sent += 1;
    ws.send(JSON.stringify({ type: 'send', room, id: randomBytes(16).toString('hex'), text }));
  };
  const allAcked = (ws) =>
    new Promise((resolve) => {
      ws.onAllAcked = resolve;
      if (ws.acked === ws.sent) resolve();
    });
  let next = 0;
  return {
    async fill(n, label) {
      const at = now();
      for (let i = 0; i < n; i += 1) {
        say(users[next % users.length], `${label} ${next}: did you see that? the goal in the second half was great`);
        next += 1;
      }
      await Promise.all(users.map(allAcked));
      return { sent: next, at };
    },
    async mark(label) {
      const at = now();
      const text = `mark ${label}`;
      say(users[0], text);
      return { at, texts: [text] };
    },
    async probe(text) {
      const at = now();
      say(users[0], text);
      return at;
    },
    async close() {
      for (const ws of users) ws.close();
    },
  };
}
