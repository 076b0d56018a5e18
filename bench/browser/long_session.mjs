// Not a test: a long watch party in Chromium against the real relay and the
// built site. Prints figures, asserts nothing about time.
//   node bench/browser/long_session.mjs [--marks 0,1000,10000,50000] [--typing-rates 0,20,200] [--typing-seconds 8]
//     [--burst 10000] [--bursts 3] [--probes 100]
// (ROOMCHAT_RELAY and ROOMCHAT_SITE_DIR as for the browser tests.)
//
// One viewer has the chat open (the dev page, mountChat); a crowd of users
// writes into the room from this process (tests/browser/crowd.mjs):
//   - at each mark (messages received in the viewer's session so far) the room
//     chats at the plan's busy rate (20 messages a second), for a second
//     first so what is timed is that rate and not the tail of a fill, while a
//     probe user sends one message every 300 ms (100 of them: the p99 is then
//     not just the largest); send -> shown is the time from the
//     probe's WebSocket send to the frame that paints its text in the viewer,
//     both on the browser's one clock;
//   - between marks the crowd writes as fast as the viewer takes it;
//   - typing while the room chats: at each of --typing-rates (messages a
//     second: none, the plan's busy rate and ten times it) keydown -> next paint
//     of keys pressed every 50 ms for --typing-seconds, after a second of
//     the chatter alone;
//   - a burst: --burst messages sent at once; the time until the viewer has
//     applied and shown the last of them, and keydown -> next paint in the
//     viewer's input while it lasts, pooled over --bursts bursts (one burst
//     gives only about twenty keys) (the browser's Event Timing, and the
//     first task after the painted frame as "shown" is timed);
//   - DOM nodes at each mark, JS heap and wasm memory at the end.

import { CROWD_RELAY_ARGS, openCrowd } from '../../tests/browser/crowd.mjs';
import { launchBrowser, openChat, sleep, startRelay, uniqueRoom } from '../../tests/browser/support.mjs';

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const marks = option('marks', '0,1000,10000,50000').split(',').map(Number);
const burstSize = Number(option('burst', 10_000));
const bursts = Number(option('bursts', 3));
const probes = Number(option('probes', 100));
const typingRates = option('typing-rates', '0,20,200').split(',').filter(Boolean).map(Number);
const typingSeconds = Number(option('typing-seconds', 8));
const profile = option('profile', null);  // a file: the viewer's CPU profile during the burst, and its top functions
// One writer: the browser's time goes to the viewer, not to a crowd reading itself.
const CROWD = 1;
const PLAN_RATE = 20;  // messages a second: 20 people chatting during a busy scene
const PROBE_INTERVAL_MS = 300;
const SETTLE_MS = 1000;  // plan-rate chatter before the first probe

const relay = await startRelay(CROWD_RELAY_ARGS);
const browser = await launchBrowser();
const room = uniqueRoom('bench');
// The wasm module's memory, caught as it is instantiated, to read its size.
const catchWasmMemory = (page) =>
  page.addInitScript(() => {
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = async (...args) => {
      const result = await instantiate(...args);
      const exports = (result.instance ?? result).exports;
      window.benchWasmMemory = Object.values(exports).find((v) => v instanceof WebAssembly.Memory) ?? args[1]?.env?.memory;
      return result;
    };
  });
const viewer = await openChat(browser, relay, { name: 'Viewer', room, beforeLoad: catchWasmMemory });
const crowd = await openCrowd(relay, room, CROWD);

// "Shown" is the first task after the frame that paints the text: a text
// added during a frame's callbacks is painted in that frame, one added by a
// task in the next; either way it is timed once style, layout and paint ran.
await viewer.page.evaluate(() => {
  window.benchShown = new Map();
  const now = () => performance.timeOrigin + performance.now();
  const afterPaint = (fn) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = fn;
    channel.port2.postMessage(0);
  };
  let inFrame = false;
  const frame = () => {
    inFrame = true;
    afterPaint(() => {
      inFrame = false;
    });
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  new MutationObserver((records) => {
    const texts = [];
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof Element)) continue;
        for (const text of node.querySelectorAll('.rc-text')) {
          if (/^(probe|mark) /.test(text.textContent) && !window.benchShown.has(text.textContent)) texts.push(text.textContent);
        }
      }
    }
    if (texts.length === 0) return;
    const record = () => texts.forEach((text) => window.benchShown.has(text) || window.benchShown.set(text, now()));
    if (inFrame) afterPaint(record);
    else requestAnimationFrame(() => afterPaint(record));
  }).observe(document.querySelector('.rc-list'), { childList: true, subtree: true });
  // keydown -> the frame that shows its effect has been painted (timed as "shown" is).
  window.benchInput = [];
  document.addEventListener('keydown', (event) => {
    const pressed = event.timeStamp;
    requestAnimationFrame(() => afterPaint(() => window.benchInput.push(performance.now() - pressed)));
  }, true);
  // The browser's own measure of the same (Event Timing, as INP): from the
  // key's arrival to the next paint. Only keys that took 16 ms or more are
  // reported, in steps of 8 ms. Headless Chromium paints late when nothing
  // else on the page moves (a quiet room: seconds), so the time until the
  // key was handled (its listeners done: what the page's own work delays)
  // is kept too.
  window.benchKeyPaint = [];
  window.benchKeyHandled = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name !== 'keydown') continue;
      window.benchKeyPaint.push(entry.duration);
      window.benchKeyHandled.push(entry.processingEnd - entry.startTime);
    }
  }).observe({ type: 'event', durationThreshold: 16 });
});

const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
const ms = (v) => (v === undefined ? '-' : v === Infinity ? 'lost' : `${v.toFixed(1)} ms`);

// When the viewer had shown all of `texts` (null: not within the timeout).
async function shownAll(texts, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const times = await viewer.page.evaluate((t) => t.map((text) => window.benchShown.get(text) ?? null), texts);
    if (times.every((t) => t !== null)) return Math.max(...times);
    if (Date.now() > deadline) return null;
    await sleep(25);
  }
}

let sent = 0;
let chunks = 0;
async function fillTo(total) {
  while (sent < total) {
    ({ sent } = await crowd.fill(Math.min(1000, total - sent), 'fill'));
    chunks += 1;
    const { texts } = await crowd.mark(`fill-${chunks}`);
    if ((await shownAll(texts, 300_000)) === null) {
      throw new Error(`the viewer did not apply ${sent} messages within 300 s`);
    }
  }
}

async function measureMark(mark) {
  const sentAt = new Map();
  let chatting = true;
  const chatter = (async () => {
    while (chatting) {
      ({ sent } = await crowd.fill(1, 'chatter'));
      await sleep(1000 / PLAN_RATE);
    }
  })();
  await sleep(SETTLE_MS);
  for (let i = 0; i < probes; i += 1) {
    const text = `probe ${mark}-${i}`;
    sentAt.set(text, await crowd.probe(text));
    await sleep(PROBE_INTERVAL_MS);
  }
  await sleep(1000);
  chatting = false;
  await chatter;
  const shown = new Map(await viewer.page.evaluate(() => [...window.benchShown]));
  return [...sentAt].map(([text, t]) => (shown.has(text) ? shown.get(text) - t : Infinity)).sort((a, b) => a - b);
}

// Every node of the viewer's document: elements, text and the rest.
const domNodes = () =>
  viewer.page.evaluate(() => {
    let count = 1;
    const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    while (walker.nextNode()) count += 1;
    return count;
  });

const cdp = await viewer.context.newCDPSession(viewer.page);
// JS heap after a collection, and the wasm module's memory (which only grows: its peak).
async function memory() {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const wasm = await viewer.page.evaluate(() => window.benchWasmMemory?.buffer.byteLength ?? null);
  const mb = (bytes) => (bytes === null ? '-' : `${(bytes / 1e6).toFixed(1)} MB`);
  return `JS heap ${mb(heap.usedSize)}, wasm memory ${mb(wasm)}`;
}

console.log(`Chromium ${browser.version()}; a crowd of ${CROWD} writing; at each mark the room chats at ${PLAN_RATE} msg/s` +
  ` and ${probes} probes go ${PROBE_INTERVAL_MS} ms apart`);
console.log('  messages received   send->shown p50      p99      max   DOM nodes');
for (const mark of marks) {
  await fillTo(mark);
  const latencies = await measureMark(mark);
  const lost = latencies.filter((v) => v === Infinity).length;
  console.log(`  ${String(mark).padStart(17)}   ${ms(at(latencies, 0.5)).padStart(11)} ${ms(at(latencies, 0.99)).padStart(8)}` +
    ` ${ms(latencies[latencies.length - 1]).padStart(8)}   ${String(await domNodes()).padStart(9)}` +
    `${lost ? `   (${lost} probes never shown)` : ''}`);
}
console.log(`after ${sent} messages: ${await domNodes()} DOM nodes, ${await memory()}`);

// What the last keys cost: Event Timing's keydown -> handled and -> next
// paint (keys it did not report took under 16 ms in all: counted as 16 for
// the paint, as handled within a frame), and keydown -> first task after the
// painted frame; all emptied for the next keys.
async function takeKeyTimes() {
  const { input, reported, handled } = await viewer.page.evaluate(() => {
    const taken = { input: window.benchInput, reported: window.benchKeyPaint, handled: window.benchKeyHandled };
    window.benchInput = [];
    window.benchKeyPaint = [];
    window.benchKeyHandled = [];
    return taken;
  });
  const unreported = Array(Math.max(0, input.length - reported.length)).fill(16);
  return { delays: input, paints: [...reported, ...unreported], handled };
}

const keysLine = ({ paints, delays, handled }) => {
  for (const list of [paints, delays, handled]) list.sort((a, b) => a - b);
  const late = handled.filter((t) => t > 16).length;
  const withinFrame = (100 * (delays.length - late)) / Math.max(1, delays.length);
  return `${delays.length} keys: keydown -> handled (Event Timing) within 16 ms ${withinFrame.toFixed(0)}%,` +
    ` slowest ${ms(handled[handled.length - 1])};` +
    ` -> next paint (Event Timing) p50 ${ms(at(paints, 0.5))}, p95 ${ms(at(paints, 0.95))}, max ${ms(paints[paints.length - 1])};` +
    ` -> first task after the painted frame p50 ${ms(at(delays, 0.5))}, p95 ${ms(at(delays, 0.95))}`;
};

const messageBox = viewer.page.getByRole('textbox', { name: 'Message' });
for (const rate of typingRates) {
  await messageBox.focus();
  // Paced by the clock, in groups of up to 10 (one group every 50 ms at 200
  // msg/s), as a crowd chatting at that rate would send them.
  const group = Math.max(1, Math.round(rate / 20));
  let chatting = true;
  const chatter = (async () => {
    const start = Date.now();
    for (let groups = 1; chatting && rate > 0; groups += 1) {
      ({ sent } = await crowd.fill(group, 'steady'));
      await sleep(Math.max(0, start + (groups * group * 1000) / rate - Date.now()));
    }
  })();
  await sleep(SETTLE_MS);
  await takeKeyTimes();
  const before = sent;
  const started = Date.now();
  while (Date.now() - started < typingSeconds * 1000) {
    await viewer.page.keyboard.press('x');
    await sleep(50);
  }
  const keys = await takeKeyTimes();
  const achieved = ((sent - before) * 1000) / (Date.now() - started);
  chatting = false;
  await chatter;
  await messageBox.fill('');
  console.log(`typing while the room chats at ${rate} msg/s (${achieved.toFixed(0)} achieved), ${keysLine(keys)}`);
}

if (burstSize > 0 && bursts > 0) {
  await messageBox.focus();
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const paints = [];
  const delays = [];
  const handled = [];
  for (let b = 1; b <= bursts; b += 1) {
    await takeKeyTimes();
    let typing = true;
    const keys = (async () => {
      while (typing) {
        await viewer.page.keyboard.press('x');
        await sleep(20);
      }
    })();
    const before = sent;
    const burst = await crowd.fill(burstSize, `burst${b}`);
    const started = burst.at;
    sent = burst.sent;
    const { texts } = await crowd.mark(`burst-${b}`);
    const shownAt = await shownAll(texts, 300_000);
    typing = false;
    await keys;
    const times = await takeKeyTimes();
    delays.push(...times.delays);
    paints.push(...times.paints);
    handled.push(...times.handled);
    console.log(`burst ${b} of ${sent - before}: all shown ${shownAt === null ? 'never (300 s)' : `${ms(shownAt - started)} after the first was sent`}` +
      `, ${times.delays.length} keys while it lasted`);
    await sleep(1000);
  }
  console.log(`  over the ${bursts} bursts, ${keysLine({ paints, delays, handled })}`);
  console.log(`after the bursts: ${await domNodes()} DOM nodes, ${await memory()}`);
  if (profile) await saveProfile(profile);
}
async function saveProfile(file) {
  const { profile: cpu } = await cdp.send('Profiler.stop');
  (await import('node:fs')).writeFileSync(file, JSON.stringify(cpu));
  const self = new Map();
  const interval = (cpu.endTime - cpu.startTime) / cpu.samples.length / 1000;
  const byId = new Map(cpu.nodes.map((n) => [n.id, n]));
  for (const id of cpu.samples) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + interval);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log(`viewer CPU during the burst (self time, ${file}):`);
  for (const [key, t] of top) console.log(`  ${t.toFixed(0).padStart(7)} ms  ${key}`);
}

if (viewer.pageErrors.length > 0) console.log(`page errors: ${viewer.pageErrors.join('; ')}`);

await crowd.close();
await browser.close();
await relay.stop();
