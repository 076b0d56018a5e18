// Not a test: how soon the others see someone typing, in Chromium against the
// real relay and the built site. Prints figures, asserts nothing about time.
//   node bench/browser/typing_latency.mjs [--trials 30]
// (ROOMCHAT_RELAY and ROOMCHAT_SITE_DIR as for the browser tests.)
//
// Four people take turns to type while a fifth watches. In each trial one of
// them presses a key in an empty composer: "shown" is the time from that
// keydown to "<name> is typing…" on the watcher's screen. Then they clear the
// composer: "cleared" is the time from the input event to the line going.
// Both ends are read from the browser's one clock. A person types again only
// once the 3 s after their last start have passed (typing_renew_ms), as they
// would not be announced sooner.

import {
  launchBrowser,
  messageInput,
  nextKeydownAt,
  openChat,
  recordNextKeydown,
  sleep,
  startRelay,
  typingLineAt,
  uniqueRoom,
  watchTypingLine,
} from '../../tests/browser/support.mjs';

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const trials = Number(option('trials', 30));
const RENEW_MS = 3000;  // core/include/roomchat/typing.hpp, typing_renew_ms

const relay = await startRelay();
const browser = await launchBrowser();
const room = uniqueRoom('typing-bench');

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const summary = (values) =>
  `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;

try {
  const watcher = await openChat(browser, relay, { name: 'Watcher', room });
  const typists = [];
  for (const name of ['Ann', 'Bob', 'Cy', 'Dee']) typists.push({ person: await openChat(browser, relay, { name, room }), lastStart: 0 });
  const shown = [];
  const cleared = [];
  for (let trial = 0; trial < trials; trial += 1) {
    const typist = typists[trial % typists.length];
    const { page, name } = typist.person;
    const wait = typist.lastStart + RENEW_MS + 50 - Date.now();
    if (wait > 0) await sleep(wait);

    await watchTypingLine(watcher.page, `${name} is typing…`);
    await recordNextKeydown(page);
    typist.lastStart = Date.now();
    await messageInput(page).press('h');
    shown.push((await typingLineAt(watcher.page)) - (await nextKeydownAt(page)));

    await watchTypingLine(watcher.page, '');
    const clearedAt = await page.evaluate(() => {
      const input = document.querySelector('.rc-input');
      const at = performance.timeOrigin + performance.now();
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      return at;
    });
    cleared.push((await typingLineAt(watcher.page)) - clearedAt);
  }
  console.log(`typing indicator, ${trials} trials (four typists in turn, one watcher, loopback relay):`);
  console.log(`  keydown -> "<name> is typing…" on the other screen: ${summary(shown)}`);
  console.log(`  composer cleared -> the line gone on the other screen: ${summary(cleared)}`);
} finally {
  await browser.close();
  await relay.stop();
}
