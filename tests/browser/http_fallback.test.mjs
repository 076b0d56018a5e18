// Behind a proxy that refuses WebSocket upgrades and passes plain HTTP, as
// some corporate and hotel networks do, the chat still works: the session
// falls back to the relay's long poll and POST. Two people chat through
// such a proxy; every message is shown once at both, and the delivery
// figures through the fallback are printed (budget: 95% within 2 s).

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';

import {
  countText,
  forwardingProxy,
  launchBrowser,
  messages,
  openChat,
  RELAXED_RELAY_ARGS,
  send,
  sleep,
  startRelay,
  uniqueRoom,
  waitForMessage,
} from './support.mjs';

// Everyone comes from the proxy's address: its caps are raised, as docs/relay.md says for proxies.
const PROXIED_RELAY_ARGS = [...RELAXED_RELAY_ARGS, '--ip-rate-burst', '10000', '--ip-rate-refill-ms', '1'];
const ROUNDS = 20;
const GAP_MS = 250;

let relay;
let browser;
let proxy;
const seen = { refusedUpgrades: 0, posts: 0, polls: 0 };
let upgradesAllowed = false;

before(async () => {
  relay = await startRelay(PROXIED_RELAY_ARGS);
  browser = await launchBrowser();
  const upstream = new URL(relay.url);
  const forwarding = forwardingProxy(relay, {
    onRequest: (request) => {
      if (request.method === 'POST' && request.url.startsWith('/api/rooms/')) seen.posts += 1;
      if (request.url.includes('wait_ms=')) seen.polls += 1;
    },
  });
  proxy = forwarding.server;
  proxy.on('upgrade', (request, socket, head) => {
    if (upgradesAllowed) {
      const upstreamSocket = net.connect(Number(upstream.port), upstream.hostname, () => {
        const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
        upstreamSocket.write(`${request.method} ${request.url} HTTP/1.1\r\n${headers}\r\n`);
        upstreamSocket.write(head);
        socket.pipe(upstreamSocket).pipe(socket);
      });
      upstreamSocket.on('error', () => socket.destroy());
      socket.on('error', () => upstreamSocket.destroy());
      return;
    }
    seen.refusedUpgrades += 1;
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 23\r\nConnection: close\r\n\r\nWebSockets not allowed\n');
  });
  await forwarding.listening;
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => proxy.close(resolve));
  await relay?.stop();
});

function onWebSocket(page, timeout) {
  return page.locator('.rc-chat[data-connection="online"][data-via="websocket"]').waitFor({ timeout });
}

// Records, in the page, when each text was sent (Enter in the message box) and shown.
async function recordTimes(page) {
  await page.evaluate(() => {
    window.sentAt = {};
    window.shownAt = {};
    document.addEventListener(
      'keydown',
      (event) => {
        if (event.key === 'Enter' && event.target instanceof HTMLTextAreaElement) window.sentAt[event.target.value] = Date.now();
      },
      true,
    );
    const list = document.querySelector('.rc-list');
    new MutationObserver(() => {
      for (const text of list.querySelectorAll('.rc-text')) window.shownAt[text.textContent] ??= Date.now();
    }).observe(list, { childList: true, subtree: true });
  });
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
}

test('two people chat through a proxy that refuses WebSockets, each message once', async () => {
  const proxied = { url: `http://127.0.0.1:${proxy.address().port}/` };
  const room = uniqueRoom('fallback');
  const ann = await openChat(browser, proxied, { name: 'Ann', room });
  const bob = await openChat(browser, proxied, { name: 'Bob', room });
  for (const person of [ann, bob]) await person.page.locator('.rc-chat[data-via="http"]').waitFor();
  assert.ok(seen.refusedUpgrades >= 4, `two refused upgrades each before the fallback (saw ${seen.refusedUpgrades})`);
  await recordTimes(ann.page);
  await recordTimes(bob.page);

  const texts = [];
  for (let round = 0; round < ROUNDS; ++round) {
    const [from, text] = round % 2 === 0 ? [ann, `ann says ${round}`] : [bob, `bob says ${round}`];
    texts.push([from, text]);
    await send(from.page, text);
    await sleep(GAP_MS);
  }
  for (const [from, text] of texts) {
    const other = from === ann ? bob : ann;
    await waitForMessage(other.page, text);
    await waitForMessage(from.page, text, { state: 'sent' });
  }
  await sleep(500);  // a late duplicate would show by now
  for (const person of [ann, bob]) {
    const shown = await messages(person.page);
    for (const [, text] of texts) assert.equal(countText(shown, text), 1, `${text} once for ${person.name}`);
    assert.deepEqual(person.pageErrors, []);
  }
  assert.ok(seen.posts >= ROUNDS, `every message was a POST (saw ${seen.posts})`);
  assert.ok(seen.polls > 0, 'messages came by long poll');

  const delays = [];
  for (const [from, text] of texts) {
    const other = from === ann ? bob : ann;
    const sentAt = await from.page.evaluate((t) => window.sentAt[t], text);
    const shownAt = await other.page.evaluate((t) => window.shownAt[t], text);
    assert.ok(sentAt && shownAt, `${text}: times recorded`);
    delays.push(shownAt - sentAt);
  }
  delays.sort((a, b) => a - b);
  console.log(
    `delivery through the HTTP fallback (Enter -> shown on the other screen, ${delays.length} messages): ` +
      `p50 ${quantile(delays, 0.5)} ms, p95 ${quantile(delays, 0.95)} ms, max ${delays.at(-1)} ms ` +
      `(budget: 95% within 2000 ms); proxy saw ${seen.refusedUpgrades} refused upgrades, ${seen.posts} POSTs, ${seen.polls} polls`,
  );

  // The network lets WebSockets through again: the next retry moves the chat
  // back to one (the first comes 12 to 15 s after the fallback; on a slow
  // machine it may have passed already, then the second, 24 to 30 s later),
  // and it goes on, each message once.
  upgradesAllowed = true;
  await onWebSocket(ann.page, 50_000);
  await onWebSocket(bob.page, 50_000);
  await send(ann.page, 'back on a websocket');
  await waitForMessage(bob.page, 'back on a websocket');
  await waitForMessage(ann.page, 'back on a websocket', { state: 'sent' });
  for (const person of [ann, bob]) {
    assert.equal(countText(await messages(person.page), 'back on a websocket'), 1);
    assert.equal(countText(await messages(person.page), texts.at(-1)[1]), 1);
  }
  await ann.context.close();
  await bob.context.close();
});
