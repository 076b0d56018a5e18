// Delivery under trouble: going offline, a message that fails and is
// retried, and the rate limit.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  banner,
  countText,
  cuttableLink,
  devPageUrl,
  messageInput,
  messages,
  openChat,
  rowWithText,
  screenshot,
  send,
  seriousViolations,
  startRelay,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
  waitOnline,
  withholdAcks,
} from './support.mjs';

const shared = useRelayAndBrowser();

test('messages written offline show as sending and arrive exactly once after reconnecting', async () => {
  const room = uniqueRoom('offline');
  const ann = await shared.open({ name: 'Ann', room });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    await send(ann.page, 'before the tunnel');
    await waitForMessage(bob.page, 'before the tunnel');

    await ann.context.setOffline(true);
    await banner(ann.page, 'You are offline').waitFor();
    const texts = ['offline one', 'offline two', 'offline three'];
    for (const text of texts) await send(ann.page, text);
    for (const text of texts) {
      const row = rowWithText(ann.page, text);
      assert.match(await row.getAttribute('data-state'), /^(queued|sending)$/);
      assert.equal(await row.locator('.rc-state-label').textContent(), 'Sending…');
    }
    await screenshot(ann.page, 'light-offline-sending');
    assert.equal(countText(await messages(bob.page), 'offline one'), 0);

    await ann.context.setOffline(false);
    await waitOnline(ann.page);
    for (const text of texts) {
      await waitForMessage(ann.page, text, { state: 'sent' });
      await waitForMessage(bob.page, text);
    }
    await bob.page.waitForTimeout(300);
    const annSees = await messages(ann.page);
    const bobSees = await messages(bob.page);
    for (const text of texts) {
      assert.equal(countText(annSees, text), 1, `${text} once for Ann`);
      assert.equal(countText(bobSees, text), 1, `${text} once for Bob`);
    }
    assert.deepEqual(annSees.map((m) => m.id), bobSees.map((m) => m.id));
    assert.deepEqual(annSees.map((m) => m.text), ['before the tunnel', ...texts]);
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});

test('a lost connection shows the reconnect countdown and recovers by itself', async () => {
  const room = uniqueRoom('reconnect');
  const link = cuttableLink();
  const ann = await shared.open({ name: 'Ann', room, beforeLoad: link.beforeLoad });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    await link.cut();
    await banner(ann.page, /Reconnecting in \d+ s|Reconnecting…/).waitFor();
    await send(ann.page, 'written while reconnecting');
    assert.match(await rowWithText(ann.page, 'written while reconnecting').getAttribute('data-state'), /^(queued|sending)$/);
    await screenshot(ann.page, 'light-reconnecting');

    link.restore();
    await waitOnline(ann.page, 20_000);
    await banner(ann.page, 'Back online').waitFor();
    await waitForMessage(ann.page, 'written while reconnecting', { state: 'sent' });
    await waitForMessage(bob.page, 'written while reconnecting');
    await bob.page.waitForTimeout(300);
    assert.equal(countText(await messages(bob.page), 'written while reconnecting'), 1);
    assert.equal(countText(await messages(ann.page), 'written while reconnecting'), 1);
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});

// Where the bubble of `row` is drawn: whether it is what shows at its centre,
// and whether the "Loading messages…" placeholder, when shown, overlaps it.
function bubbleDrawn(row) {
  return row.evaluate((li) => {
    const bubble = li.querySelector('.rc-text').getBoundingClientRect();
    const hit = document.elementFromPoint(bubble.x + bubble.width / 2, bubble.y + bubble.height / 2);
    const placeholder = document.querySelector('.rc-scroller > .rc-placeholder[role="status"]');
    const box = placeholder.getBoundingClientRect();
    const overlaps =
      placeholder.checkVisibility() &&
      box.left < bubble.right && bubble.left < box.right && box.top < bubble.bottom && bubble.top < box.bottom;
    return { onTop: li.contains(hit), overlaps };
  });
}

// Until the first connection there is no history, only "Loading messages…";
// what the reader types meanwhile, or a reload brings back, is shown, not
// drawn under the placeholder.
test('a message typed before the chat ever connects is shown, not covered by "Loading messages…"', async () => {
  const room = uniqueRoom('never-connected');
  let refuse = true;
  const context = await shared.browser.newContext({ viewport: { width: 420, height: 760 }, reducedMotion: 'reduce' });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    const page = await context.newPage();
    await page.routeWebSocket(/\/ws$/, (ws) => {
      if (refuse) ws.close({ code: 1011, reason: 'test: relay unreachable' });
      else ws.connectToServer();
    });
    await page.goto(devPageUrl(shared.relay, room));
    await page.getByLabel('Display name').fill('Ann');
    await page.getByLabel('Display name').press('Enter');
    await banner(page, /Reconnecting in \d+ s|Reconnecting…/).waitFor();
    const loading = page.locator('.rc-scroller > .rc-placeholder[role="status"]');
    assert.equal(await loading.isVisible(), true, 'no history yet');

    const text = 'typed before any history';
    await send(page, text);
    const row = rowWithText(page, text);
    await row.waitFor();
    assert.match(await row.getAttribute('data-state'), /^(queued|sending)$/);
    await screenshot(page, 'light-never-connected-sending');
    assert.deepEqual(await bubbleDrawn(row), { onTop: true, overlaps: false }, 'typed');

    await page.reload();
    await page.getByLabel('Display name').press('Enter');
    await banner(page, /Reconnecting in \d+ s|Reconnecting…/).waitFor();
    await row.waitFor();
    assert.deepEqual(await bubbleDrawn(row), { onTop: true, overlaps: false }, 'restored by the reload');

    refuse = false;
    await waitOnline(page, 20_000);
    await waitForMessage(page, text, { state: 'sent' });
    await waitForMessage(bob.page, text);
    await loading.waitFor({ state: 'hidden' });
    assert.equal(countText(await messages(page), text), 1);
  } finally {
    await context.close();
    await bob.context.close();
  }
});

// The relay accepts the message but every ack (and echo) to Ann is lost, so her client
// gives up (no_ack) and shows Retry. Retry sends the same id: the relay
// answers with the original ack and nobody sees the message twice. The fake
// clock fast-forwards the resend backoff instead of waiting for it.
test('Retry on a failed message does not duplicate it', async () => {
  const room = uniqueRoom('retry');
  const target = 'this one will fail first';
  let acks;
  const ann = await shared.open({
    name: 'Ann',
    room,
    beforeLoad: async (page) => {
      await page.clock.install();
      acks = await withholdAcks(page, target);
    },
  });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    await send(ann.page, target);
    const row = rowWithText(ann.page, target);
    for (let i = 0; i < 20 && (await row.getAttribute('data-state')) !== 'failed'; i += 1) {
      await ann.page.clock.fastForward(10_000);
      await ann.page.waitForTimeout(100);
    }
    assert.equal(await row.getAttribute('data-state'), 'failed');
    assert.equal(acks.ids.size, 1, 'every resend used the same id');
    const failedId = await row.getAttribute('data-id');
    assert.match(await row.locator('.rc-failure').textContent(), /Not sent: .+/);
    await screenshot(ann.page, 'light-failed-retry');
    assert.deepEqual(await seriousViolations(ann.page), []);
    // The relay did take it: Bob already has it, once.
    await waitForMessage(bob.page, target);

    acks.withholding = false;
    await row.getByRole('button', { name: 'Retry' }).click();
    await waitForMessage(ann.page, target, { state: 'sent' });
    assert.equal(await row.getAttribute('data-id'), failedId);
    assert.equal(await row.locator('.rc-failure').isVisible(), false);
    await send(bob.page, 'after the retry');
    // Each page draws its rows at its next animation frame: Bob's own echo too.
    await waitForMessage(ann.page, 'after the retry');
    await waitForMessage(bob.page, 'after the retry');
    const annSees = await messages(ann.page);
    const bobSees = await messages(bob.page);
    assert.equal(countText(annSees, target), 1);
    assert.equal(countText(bobSees, target), 1);
    assert.deepEqual(annSees.map((m) => m.id), bobSees.map((m) => m.id));
    assert.equal(acks.ids.size, 1);
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});

test('the rate limit is shown with a countdown and sending recovers by itself', async () => {
  const limited = await startRelay(['--rate-burst', '2', '--rate-refill-ms', '2500']);
  const room = uniqueRoom('rate');
  const ann = await openChat(shared.browser, limited, { name: 'Ann', room });
  const bob = await openChat(shared.browser, limited, { name: 'Bob', room });
  try {
    const { page } = ann;
    await send(page, 'one');
    await send(page, 'two');
    await send(page, 'three');
    const hint = page.locator('.rc-hint-reason');
    await hint.filter({ hasText: /^You are sending too fast\. You can send again in \d+ s\.$/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send message' }).getAttribute('aria-disabled'), 'true');
    assert.equal(await messageInput(page).inputValue(), 'three', 'the blocked text stays in the input');
    await screenshot(page, 'light-rate-limited');

    await page.waitForFunction(() => document.querySelector('.rc-hint-reason').textContent === '', null, { timeout: 5000 });
    assert.equal(await hint.textContent(), '');
    await messageInput(page).press('Enter');
    await waitForMessage(page, 'three', { state: 'sent' });
    for (const text of ['one', 'two', 'three']) await waitForMessage(bob.page, text);
    assert.deepEqual((await messages(bob.page)).map((m) => m.text), ['one', 'two', 'three']);
  } finally {
    await ann.context.close();
    await bob.context.close();
    await limited.stop();
  }
});
