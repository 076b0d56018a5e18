// Nothing typed is lost or shown twice across a reload: messages still
// pending when the page goes away are kept in sessionStorage (localStorage
// when the embedder asks for it) and sent again, with their original ids, by
// the next page load of the same user. By default they last as long as the
// tab, and nothing of the chat stays in localStorage.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  banner,
  countText,
  devPageUrl,
  messages,
  rowWithText,
  send,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
  waitOnline,
  withholdAcks,
} from './support.mjs';

const shared = useRelayAndBrowser();

// Joins `room` as `name` from the dev page in an existing page (same context,
// so the same localStorage: the dev page reuses its token, hence the same user).
async function join(page, room, name, params = {}) {
  await page.goto(devPageUrl(shared.relay, room, params));
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Display name').press('Enter');
  await waitOnline(page);
  await page.locator('.rc-scroller > .rc-placeholder[role="status"]').waitFor({ state: 'hidden' });
}

// The pending messages kept in `area` ('sessionStorage' or 'localStorage').
function storedPending(page, area = 'sessionStorage') {
  return page.evaluate((name) => {
    const storage = window[name];
    return Object.keys(storage)
      .filter((key) => key.startsWith('roomchat.pending:'))
      .flatMap((key) => JSON.parse(storage.getItem(key)));
  }, area);
}

// What the origin's localStorage holds besides the dev page's own name and token.
function widgetKeysInLocalStorage(page) {
  return page.evaluate(() =>
    Object.keys(localStorage).filter((key) => key !== 'roomchat.name' && !key.startsWith('roomchat.dev-token:')),
  );
}

async function assertOnceForBoth(ann, bob, texts) {
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
  assert.deepEqual(annSees.map((m) => m.state), annSees.map(() => 'sent'));
}

test('by default messages written offline stay with the tab: nothing in localStorage, gone once it is closed', async () => {
  const room = uniqueRoom('session');
  const ann = await shared.open({ name: 'Ann', room });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    await send(ann.page, 'before the tunnel');
    await waitForMessage(bob.page, 'before the tunnel');

    await ann.context.setOffline(true);
    await banner(ann.page, 'You are offline').waitFor();
    const text = 'typed offline on a shared machine';
    await send(ann.page, text);
    assert.match(await rowWithText(ann.page, text).getAttribute('data-state'), /^(queued|sending)$/);
    assert.deepEqual((await storedPending(ann.page)).map((m) => m.text), [text], 'kept for the tab');
    assert.deepEqual(await widgetKeysInLocalStorage(ann.page), [], 'nothing of the chat in localStorage');

    await ann.page.close();
    await ann.context.setOffline(false);
    ann.page = await ann.context.newPage();
    await join(ann.page, room, 'Ann');

    await waitForMessage(ann.page, 'before the tunnel', { state: 'sent' });
    assert.equal(countText(await messages(ann.page), text), 0, 'a new tab does not bring it back');
    assert.deepEqual(await storedPending(ann.page), []);
    assert.deepEqual(await widgetKeysInLocalStorage(ann.page), []);
    await bob.page.waitForTimeout(300);
    assert.equal(countText(await messages(bob.page), text), 0, 'nor sends it');
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});

test("with pendingStorage: 'local' messages written offline survive closing the tab and arrive once when it is reopened", async () => {
  const room = uniqueRoom('reopen');
  const params = { pending: 'local' };
  const ann = await shared.open({ name: 'Ann', room, params });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    await send(ann.page, 'before the tunnel');
    await waitForMessage(bob.page, 'before the tunnel');

    await ann.context.setOffline(true);
    await banner(ann.page, 'You are offline').waitFor();
    const texts = ['typed offline one', 'typed offline two'];
    for (const text of texts) await send(ann.page, text);
    for (const text of texts) {
      assert.match(await rowWithText(ann.page, text).getAttribute('data-state'), /^(queued|sending)$/);
    }
    const stored = await storedPending(ann.page, 'localStorage');
    assert.deepEqual(stored.map((m) => m.text), texts);
    const ids = await Promise.all(texts.map((text) => rowWithText(ann.page, text).getAttribute('data-id')));
    assert.deepEqual(stored.map((m) => m.id), ids);
    assert.deepEqual(await storedPending(ann.page), [], 'not in sessionStorage as well');

    await ann.page.close();
    await ann.context.setOffline(false);
    ann.page = await ann.context.newPage();
    await join(ann.page, room, 'Ann', params);

    await assertOnceForBoth(ann, bob, ['before the tunnel', ...texts]);
    assert.deepEqual(
      await Promise.all(texts.map((text) => rowWithText(ann.page, text).getAttribute('data-id'))),
      ids,
      'sent with the ids they were typed with',
    );
    assert.deepEqual(await storedPending(ann.page, 'localStorage'), [], 'acknowledged messages leave localStorage');
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});

// The relay takes the message but its ack (and echo) never reaches Ann, so
// it still shows as sending when she reloads. The reloaded page sends it
// again with the same id; the relay has it already, and nobody sees it twice.
test('a message the relay took before the reload is not duplicated by the restore', async () => {
  const room = uniqueRoom('reload');
  const target = 'accepted but never acked';
  let acks;
  const ann = await shared.open({
    name: 'Ann',
    room,
    beforeLoad: async (page) => {
      acks = await withholdAcks(page, target);
    },
  });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    await send(ann.page, target);
    await waitForMessage(bob.page, target);
    assert.equal(await rowWithText(ann.page, target).getAttribute('data-state'), 'sending');
    assert.deepEqual((await storedPending(ann.page)).map((m) => m.text), [target]);
    assert.deepEqual(await widgetKeysInLocalStorage(ann.page), []);

    acks.withholding = false;
    await ann.page.reload();
    await ann.page.getByLabel('Display name').press('Enter');
    await waitOnline(ann.page);

    await assertOnceForBoth(ann, bob, [target]);
    assert.equal(acks.ids.size, 1, 'every send used the same id');
    assert.deepEqual(await storedPending(ann.page), []);
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});
