// The typing indicator between real browsers through the real relay: it
// shows on the others' screens while someone types, names up to two people,
// clears when they send, clear the composer or leave, and is never spoken by a
// screen reader on its own. The time from the first key to the line on the
// other screen is logged (measured, not asserted).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  messageInput,
  nextKeydownAt,
  recordNextKeydown,
  screenshot,
  send,
  seriousViolations,
  typingLineAt,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
  watchTypingLine,
} from './support.mjs';

const shared = useRelayAndBrowser();

const indicator = (page) => page.locator('.rc-typing');

// Waits until the typing line reads `text` ('' : hidden).
async function indicatorReads(page, text) {
  await page.waitForFunction(
    (wanted) => {
      const line = document.querySelector('.rc-typing');
      return wanted === '' ? line.hidden : !line.hidden && line.textContent === wanted;
    },
    text,
    { timeout: 10_000 },
  );
}

// From the typist's first keydown to the line showing on the watcher's
// screen, both read from the browser's clock (one machine, one clock).
async function measureTyping(typist, watcher, keys, shown) {
  await watchTypingLine(watcher.page, shown);
  await recordNextKeydown(typist.page);
  await messageInput(typist.page).pressSequentially(keys);
  const shownAt = await typingLineAt(watcher.page);
  const typedAt = await nextKeydownAt(typist.page);
  return shownAt - typedAt;
}

test('who types shows on the other screens, up to "several", and goes when they send, clear or leave', async () => {
  const room = uniqueRoom('typing');
  const dee = await shared.open({ name: 'Dee', room });
  const ann = await shared.open({ name: 'Ann', room });
  const bob = await shared.open({ name: 'Bob', room });
  const cy = await shared.open({ name: 'Cy', room });
  try {
    await send(dee.page, 'Movie starts in five. Anyone need a recap?');
    await waitForMessage(ann.page, 'Movie starts in five. Anyone need a recap?');
    assert.equal(await indicator(dee.page).isHidden(), true, 'nobody types yet');
    const took = await measureTyping(ann, dee, 'Are we', 'Ann is typing…');
    console.log(`typing indicator (first key -> "Ann is typing…" on the other screen): ${took.toFixed(1)} ms`);
    assert.equal(await indicator(ann.page).isHidden(), true, 'nobody sees their own typing');
    assert.equal(
      await dee.page.evaluate(() => document.querySelector('.rc-typing').closest('[aria-live], [role="status"], [role="log"], [role="alert"]')),
      null,
      'not a live region: a screen reader does not speak every start and stop',
    );
    await screenshot(dee.page, 'typing-one');

    await messageInput(bob.page).pressSequentially('Yes');
    await indicatorReads(dee.page, 'Ann and Bob are typing…');
    await screenshot(dee.page, 'typing-two');
    await messageInput(cy.page).pressSequentially('One sec');
    await indicatorReads(dee.page, 'Several people are typing…');
    await screenshot(dee.page, 'typing-several');
    assert.deepEqual(await seriousViolations(dee.page), [], 'axe with the typing line shown');

    // Ann sends: her line goes as her message comes.
    await messageInput(ann.page).pressSequentially(' starting?');
    await messageInput(ann.page).press('Enter');
    await waitForMessage(dee.page, 'Are we starting?');
    await indicatorReads(dee.page, 'Bob and Cy are typing…');

    // Bob thinks better of it and clears the composer.
    await messageInput(bob.page).fill('');
    await indicatorReads(dee.page, 'Cy is typing…');
    assert.equal(await indicator(bob.page).textContent(), 'Cy is typing…', 'Bob sees Cy too, not himself');

    // Cy's tab goes away mid-sentence: the relay says she stopped.
    await cy.context.close();
    await indicatorReads(dee.page, '');
    await indicatorReads(bob.page, '');
    for (const person of [dee, ann, bob]) assert.deepEqual(person.pageErrors, []);
  } finally {
    await Promise.all([dee, ann, bob, cy].map((p) => p.context.close().catch(() => {})));
  }
});
