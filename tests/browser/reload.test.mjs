// Nothing typed is lost or shown twice across a reload: messages still
// pending when the page goes away are kept in localStorage and sent again,
// with their original ids, by the next page load of the same user.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  banner,
  countText,
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
async function join(page, room, name) {
  await page.goto(`${shared.relay.url}?room=${encodeURIComponent(room)}`);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Display name').press('Enter');
  await waitOnline(page);
}

function storedPending(page) {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .filter((key) => key.startsWith('roomchat.pending:'))
      .flatMap((key) => JSON.parse(localStorage.getItem(key))),
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

test('messages written offline survive closing the tab and arrive once when it is reopened', async () => {
  const room = uniqueRoom('reopen');
  const ann = await shared.open({ name: 'Ann', room });
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
    const stored = await storedPending(ann.page);
    assert.deepEqual(stored.map((m) => m.text), texts);
    const ids = await Promise.all(texts.map((text) => rowWithText(ann.page, text).getAttribute('data-id')));
    assert.deepEqual(stored.map((m) => m.id), ids);

    await ann.page.close();
    await ann.context.setOffline(false);
    ann.page = await ann.context.newPage();
    await join(ann.page, room, 'Ann');

    await assertOnceForBoth(ann, bob, ['before the tunnel', ...texts]);
    assert.deepEqual(
      await Promise.all(texts.map((text) => rowWithText(ann.page, text).getAttribute('data-id'))),
      ids,
      'sent with the ids they were typed with',
    );
    assert.deepEqual(await storedPending(ann.page), [], 'acknowledged messages leave localStorage');
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
