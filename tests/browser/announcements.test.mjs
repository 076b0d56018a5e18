// What a screen reader is told: the texts the chat's live regions
// ([aria-live], role=status, role=alert) get, recorded in the page as they
// change (the regions are cleared and filled again, so their final text says
// little), for new messages, refused and failed sends, the rate limit, the
// connection, a relay restart and history loading.
//
// "Heard" models what assistive technology gets: the page's accessibility
// tree is updated once per rendered frame, so of the texts a region shows
// between two frames only the last counts, and it is announced only when it
// differs from what the region showed at the frame before (the same
// sentence twice must pass through an empty frame to be said twice).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  RELAXED_RELAY_ARGS,
  banner,
  cuttableLink,
  messageInput,
  openChat,
  rowWithText,
  send,
  sleep,
  startRelay,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
  waitOnline,
} from './support.mjs';

const shared = useRelayAndBrowser();

// Installed before the page's own scripts: every change of a live region's
// text, with the frame that renders it. `frame` counts animation frames; a
// change made between frames is rendered by the next one.
function recordLiveRegions() {
  const records = [];
  window.__liveRecords = records;
  let frame = 0;
  let inFrame = false;
  const afterFrame = new MessageChannel();
  afterFrame.port1.onmessage = () => {
    inFrame = false;
  };
  const tick = () => {
    frame += 1;
    inFrame = true;
    afterFrame.port2.postMessage(null);  // a task: it runs once this frame is rendered
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  const ids = new WeakMap();
  const last = new Map();  // region id -> text last recorded
  let nextId = 0;
  const spoken = (region) => (region.closest('[hidden]') ? '' : region.textContent.replace(/\s+/g, ' ').trim());
  const observe = () => {
    const key = inFrame ? frame : frame + 1;
    const present = new Set();
    for (const region of document.querySelectorAll('[aria-live], [role="status"], [role="alert"]')) {
      if (region.parentElement?.closest('[aria-live], [role="status"], [role="alert"]')) continue;  // part of an outer one
      if (!ids.has(region)) {
        nextId += 1;
        ids.set(region, nextId);
      }
      const id = ids.get(region);
      present.add(id);
      const assertive = region.getAttribute('role') === 'alert' || region.getAttribute('aria-live') === 'assertive';
      const text = spoken(region);
      if (last.get(id) === text) continue;
      last.set(id, text);
      records.push({ region: id, kind: assertive ? 'alert' : 'polite', text, frame: key });
    }
    for (const [id, text] of last) {
      if (present.has(id) || text === '') continue;
      last.set(id, '');
      records.push({ region: id, kind: 'gone', text: '', frame: key });
    }
  };
  new MutationObserver(observe).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['hidden', 'role', 'aria-live'],
  });
}

// openChat with the recorder installed.
function openRecorded(relay, options) {
  return openChat(shared.browser, relay, {
    ...options,
    beforeLoad: async (page, context) => {
      await page.addInitScript(recordLiveRegions);
      await options.beforeLoad?.(page, context);
    },
  });
}

// Every text a region showed, in order: [{ kind: 'polite' | 'alert', text }], empty ones left out.
async function recorded(page) {
  const records = await page.evaluate(() => window.__liveRecords);
  return records.filter((r) => r.text !== '').map(({ kind, text }) => ({ kind, text }));
}

// What assistive technology is told, in order (see the top of this file).
async function heard(page) {
  const records = await page.evaluate(() => window.__liveRecords);
  /** @type {Map<number, { kind: string, frames: Map<number, string> }>} */
  const regions = new Map();
  for (const r of records) {
    if (!regions.has(r.region)) regions.set(r.region, { kind: r.kind, frames: new Map() });
    const region = regions.get(r.region);
    if (r.kind !== 'gone') region.kind = r.kind;
    region.frames.set(r.frame, r.text);  // a later change in the same frame replaces the earlier
  }
  const said = [];
  for (const { kind, frames } of regions.values()) {
    let previous = '';
    for (const [frame, text] of [...frames].sort((a, b) => a[0] - b[0])) {
      if (text !== '' && text !== previous) said.push({ kind, text, frame });
      previous = text;
    }
  }
  return said.sort((a, b) => a.frame - b.frame).map(({ kind, text }) => ({ kind, text }));
}

// What every page says while it starts (the history test looks at those).
const STARTING = new Set(['Starting chat…', 'Loading messages…']);
const texts = (list, kind) => list.filter((r) => r.kind === kind && !STARTING.has(r.text)).map((r) => r.text);

// Waits until what was heard satisfies `check` (called with the heard list); returns that list.
async function waitHeard(page, check, what, timeout = 10_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const said = await heard(page);
    if (check(said)) return said;
    if (Date.now() > until) assert.fail(`not heard: ${what}\nheard: ${JSON.stringify(said, null, 1)}`);
    await sleep(100);
  }
}

const saidMatching = (kind, pattern) => (said) => texts(said, kind).some((t) => pattern.test(t));

// Answers the page's sends of the texts in `refusals` with a nack from the
// "relay" (the real one never sees them), each once.
async function refuseSends(page, refusals) {
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const frame = JSON.parse(String(message));
      const refusal = frame.type === 'send' ? refusals.get(frame.text) : undefined;
      if (refusal) {
        refusals.delete(frame.text);
        ws.send(JSON.stringify({ type: 'nack', room: frame.room, id: frame.id, ...refusal }));
        return;
      }
      server.send(message);
    });
  });
}

const THROTTLE_MS = 2000;  // announcer.js: at most one message announcement per this

test('messages from others are announced politely, a burst in one summary, own messages not at all', async () => {
  const room = uniqueRoom('hear-messages');
  const ann = await openRecorded(shared.relay, { name: 'Ann', room });
  const bob = await openRecorded(shared.relay, { name: 'Bob', room });
  const cleo = await openRecorded(shared.relay, { name: 'Cleo', room });
  try {
    await send(bob.page, 'hello');
    await waitHeard(ann.page, saidMatching('polite', /^Bob: hello$/), 'Bob: hello');
    // Within the throttle after it: five from two people become one sentence.
    for (const [person, text] of [[bob, 'b1'], [cleo, 'c1'], [bob, 'b2'], [cleo, 'c2'], [bob, 'b3']]) await send(person.page, text);
    await waitForMessage(ann.page, 'b3');
    await waitHeard(ann.page, saidMatching('polite', /new messages/), 'the burst summary');

    await send(ann.page, 'my own words');
    await waitForMessage(ann.page, 'my own words', { state: 'sent' });
    // (Bob hears it alone, or in a summary with Cleo's if his throttle still runs.)
    await waitHeard(bob.page, saidMatching('polite', /^Ann: my own words$|^\d new messages from .*Ann/), 'Bob hears Ann');
    await sleep(THROTTLE_MS + 500);  // long enough for a (wrong) announcement of it to come
    const said = await heard(ann.page);
    assert.deepEqual(texts(said, 'polite'), ['Bob: hello', '5 new messages from Bob, Cleo'], 'Ann hears others, not herself');
    assert.deepEqual(texts(said, 'alert'), [], 'nothing went wrong');
    assert.deepEqual(ann.pageErrors, []);
  } finally {
    await Promise.all([ann, bob, cleo].map((p) => p.context.close()));
  }
});

test('refused text and a send the relay refuses are announced assertively, with the core\'s words, every time', async () => {
  const room = uniqueRoom('hear-failures');
  const refusals = new Map([['nobody may say this', { code: 'id_conflict' }]]);
  const ann = await openRecorded(shared.relay, {
    name: 'Ann',
    room,
    beforeLoad: (page) => refuseSends(page, refusals),
  });
  try {
    const { page } = ann;
    await messageInput(page).fill('y'.repeat(520));
    const reason = (await page.locator('.rc-hint-reason[data-kind="error"]').textContent()).trim();
    assert.ok(reason.length > 0, 'the hint says why');
    await messageInput(page).press('Enter');
    await waitHeard(page, (said) => texts(said, 'alert').includes(reason), reason);
    await sleep(300);
    // Pressing Enter again must say it again: the same sentence, a second time.
    await messageInput(page).press('Enter');
    await waitHeard(page, (said) => texts(said, 'alert').filter((t) => t === reason).length === 2, `${reason} twice`);

    await send(page, 'nobody may say this');
    await rowWithText(page, 'nobody may say this').and(page.locator('[data-state="failed"]')).waitFor();
    const failure = (await rowWithText(page, 'nobody may say this').locator('.rc-failure-text').textContent()).replace(/^Not sent: /, '');
    const said = await waitHeard(page, saidMatching('alert', /^Message not sent: /), 'the failure');
    assert.deepEqual(texts(said, 'alert'), [reason, reason, `Message not sent: ${failure}`]);
    assert.match(failure, /Another user already sent a message with this id/, 'the core\'s sentence for id_conflict');
    assert.deepEqual(texts(said, 'polite'), [], 'nothing else');
  } finally {
    await ann.context.close();
  }
});

const TOO_FAST = /^You are sending too fast\. You can send again in \d+ s\.$/;

test('sending too fast says when sending works again, whether the page or the relay holds it back', async () => {
  const limited = await startRelay(['--rate-burst', '2', '--rate-refill-ms', '2500']);
  const room = uniqueRoom('hear-rate');
  const refusals = new Map([['the relay says wait', { code: 'rate_limited', retry_after_ms: 1000 }]]);
  const ann = await openRecorded(limited, { name: 'Ann', room, beforeLoad: (page) => refuseSends(page, refusals) });
  try {
    const { page } = ann;
    const tooFast = (said) => texts(said, 'alert').filter((t) => TOO_FAST.test(t)).length;
    // The page's own limit (a burst of 2): the third stays in the input, and each try says why.
    await send(page, 'one');
    await send(page, 'two');
    await send(page, 'three');
    await waitHeard(page, (said) => tooFast(said) === 1, 'the page\'s limit');
    await sleep(200);
    await messageInput(page).press('Enter');
    await waitHeard(page, (said) => tooFast(said) === 2, 'the limit again');
    assert.equal(await messageInput(page).inputValue(), 'three', 'the blocked text stays in the input');

    // The relay refuses one the page let go: that is said too, and the message waits, then goes.
    await page.waitForFunction(() => document.querySelector('.rc-hint-reason').textContent === '', null, { timeout: 5000 });
    await send(page, 'the relay says wait');
    const said = await waitHeard(page, (s) => tooFast(s) === 3, 'the relay\'s rate limit');
    await waitForMessage(page, 'the relay says wait', { state: 'sent', timeout: 15_000 });
    assert.deepEqual(texts(said, 'polite'), []);
  } finally {
    await ann.context.close();
    await limited.stop();
  }
});

test('losing the connection and getting it back are announced, and what others wrote meanwhile', async () => {
  const room = uniqueRoom('hear-connection');
  const link = cuttableLink();
  const ann = await openRecorded(shared.relay, { name: 'Ann', room, beforeLoad: link.beforeLoad });
  const bob = await openRecorded(shared.relay, { name: 'Bob', room });
  try {
    const { page } = ann;
    await link.cut();
    await waitHeard(page, saidMatching('polite', /^Connection lost\. Reconnecting\.$/), 'connection lost');
    link.restore();
    await waitOnline(page, 20_000);
    await waitHeard(page, saidMatching('polite', /^Back online$/), 'back online');

    // What others wrote meanwhile comes with the page that catches up: it is news.
    // (Sentences said within the announcer's settling time come as one, with stops between.)
    await ann.context.setOffline(true);
    await banner(page, 'You are offline').waitFor();
    await send(bob.page, 'while you were away');
    await send(bob.page, 'still away?');
    await waitForMessage(bob.page, 'still away?', { state: 'sent' });
    await ann.context.setOffline(false);
    await waitOnline(page);
    const spoken = (s) => texts(s, 'polite').join(' ');
    const said = await waitHeard(page, (s) => /2 new messages from Bob/.test(spoken(s)), 'what Bob wrote meanwhile');
    assert.match(
      spoken(said),
      /^Connection lost\. Reconnecting\. Back online\.? You are offline\. Messages will be sent when you are back online\. Back online\.? 2 new messages from Bob\.?$/,
    );
    assert.deepEqual(texts(said, 'alert'), []);
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});

// Tokens are signed with this, so the page's stays valid across the restart.
const RESTART_ENV = { ROOMCHAT_JWT_SECRET: 'browser-announce-test-secret-0123456789abcdef' };

test('a relay restart is announced: connection lost, back, and that the chat started over', async () => {
  let relay = await startRelay(RELAXED_RELAY_ARGS, { env: RESTART_ENV });
  const room = uniqueRoom('hear-restart');
  const ann = await openRecorded(relay, { name: 'Ann', room });
  try {
    const { page } = ann;
    await send(page, 'before the restart');
    await waitForMessage(page, 'before the restart', { state: 'sent' });
    const port = new URL(relay.url).port;
    await relay.stop();
    await waitHeard(page, saidMatching('polite', /^Connection lost\. Reconnecting\.$/), 'connection lost');
    relay = await startRelay([...RELAXED_RELAY_ARGS, '--port', port], { env: RESTART_ENV });
    await waitOnline(page, 20_000);
    const said = await waitHeard(
      page,
      (s) => saidMatching('polite', /The chat restarted/)(s) && saidMatching('polite', /Back online/)(s),
      'the restart, and back online',
    );
    const polite = texts(said, 'polite');
    // Both in the same announcement or one after the other; once each, the outage said once however many tries it took.
    assert.equal(polite.filter((t) => t.startsWith('Connection lost')).length, 1, polite.join(' | '));
    assert.equal(polite.filter((t) => t.includes('Back online')).length, 1, polite.join(' | '));
    assert.equal(polite.filter((t) => t.includes('The chat restarted. Earlier messages are no longer available.')).length, 1);
  } finally {
    await ann.context.close();
    await relay.stop();
  }
});

test('loading history is announced: the first page, and older pages as they are asked for and come', async () => {
  const paged = await startRelay([...RELAXED_RELAY_ARGS, '--page-size', '5']);
  const room = uniqueRoom('hear-history');
  const ann = await openChat(shared.browser, paged, { name: 'Ann', room });
  try {
    const all = Array.from({ length: 12 }, (_, i) => `page message ${i + 1}\nsecond line\nthird line`);
    for (const text of all) await send(ann.page, text);
    await waitForMessage(ann.page, all[11], { state: 'sent' });

    const cleo = await openRecorded(paged, { name: 'Cleo', room, viewport: { width: 380, height: 460 } });
    try {
      const { page } = cleo;
      await waitForMessage(page, all[11]);
      assert.ok(
        (await recorded(page)).some((r) => r.kind === 'polite' && r.text === 'Loading messages…'),
        'a status said "Loading messages…" before the first page',
      );
      await page.getByRole('region', { name: 'Message history' }).evaluate((s) => {
        s.scrollTop = 0;
      });
      await waitForMessage(page, all[0]);
      const said = await waitHeard(page, saidMatching('polite', /older messages? loaded/), 'older messages loaded');
      const polite = texts(said, 'polite').join(' | ');
      assert.match(polite, /Loading older messages….*7 older messages loaded/, 'asked for, then come');
      assert.deepEqual(texts(said, 'alert'), []);
    } finally {
      await cleo.context.close();
    }
  } finally {
    await ann.context.close();
    await paged.stop();
  }
});
