// A relay restart under open chats. Before epochs, every room began again at
// seq 1 and open pages dropped every new message as one they already had.
// Now the page starts the timeline over, says that earlier messages are gone,
// and sends what was typed meanwhile into the new room.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  RELAXED_RELAY_ARGS,
  countText,
  launchBrowser,
  messages,
  openChat,
  screenshot,
  send,
  seriousViolations,
  startRelay,
  uniqueRoom,
  waitForMessage,
  waitOnline,
} from './support.mjs';

// Tokens are signed with this, so the ones the pages hold stay valid across the restart.
const env = { ROOMCHAT_JWT_SECRET: 'browser-restart-test-secret-0123456789abcdef' };
let relay;
let browser;

before(async () => {
  relay = await startRelay(RELAXED_RELAY_ARGS, { env });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

test('after a relay restart the chat starts over, says so, and loses nothing typed', async () => {
  const room = uniqueRoom('restart');
  const ann = await openChat(browser, relay, { name: 'Ann', room });
  const bob = await openChat(browser, relay, { name: 'Bob', room });
  try {
    await send(ann.page, 'before the restart');
    await waitForMessage(bob.page, 'before the restart');

    const port = new URL(relay.url).port;
    await relay.stop();
    await send(ann.page, 'typed while the relay was down');
    relay = await startRelay([...RELAXED_RELAY_ARGS, '--port', port], { env });

    await waitOnline(ann.page);
    await waitForMessage(ann.page, 'typed while the relay was down', { state: 'sent', timeout: 15_000 });
    await waitForMessage(bob.page, 'typed while the relay was down', { timeout: 15_000 });
    for (const page of [ann.page, bob.page]) {
      await page.getByText('Earlier messages are no longer available', { exact: true }).waitFor();  // the line above the timeline, not the announcement
      assert.equal(countText(await messages(page), 'before the restart'), 0, 'the old epoch is gone from view');
    }
    await send(bob.page, 'and the chat goes on');
    await waitForMessage(ann.page, 'and the chat goes on');
    const annSees = await messages(ann.page);
    assert.deepEqual(annSees.map((m) => m.seq), [1, 2], 'the new room counts from 1');
    assert.deepEqual(annSees.map((m) => m.id), (await messages(bob.page)).map((m) => m.id));
    await screenshot(ann.page, 'light-restarted');
    assert.deepEqual(await seriousViolations(ann.page), []);
    assert.deepEqual(ann.pageErrors, []);
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});
