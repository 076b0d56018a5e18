// Removing messages through the real relay: the author deletes their own
// (the button asks once more), a moderator deletes someone else's, and the
// text disappears from every screen, for a late joiner too, leaving
// "Message removed" where it was. Someone else's message offers no Delete to
// a person who does not moderate.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  messages,
  rowWithText,
  screenshot,
  send,
  seriousViolations,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
} from './support.mjs';

const shared = useRelayAndBrowser();

const tombstones = (page) => page.locator('.rc-list > li.rc-removed');

test('a deleted message disappears for everyone, a late joiner included', async () => {
  const room = uniqueRoom('removal');
  const ann = await shared.open({ name: 'Ann', room, params: { moderator: '1' } });
  const bob = await shared.open({ name: 'Bob', room });
  let cy = null;
  try {
    await send(bob.page, 'The killer is the butler');
    await send(bob.page, 'Oops, sorry');
    await send(ann.page, 'Please no spoilers');
    for (const person of [ann, bob]) await waitForMessage(person.page, 'Please no spoilers');

    const annsRowForBob = rowWithText(bob.page, 'Please no spoilers');
    await annsRowForBob.hover();
    assert.equal(await annsRowForBob.locator('.rc-remove').count(), 0, 'no Delete on another\'s message for Bob');

    // Bob takes his own back: the first press asks, the second removes.
    const ownRow = rowWithText(bob.page, 'Oops, sorry');
    await ownRow.hover();
    await bob.page.getByRole('button', { name: 'Delete your message' }).last().click();
    await bob.page.getByRole('button', { name: 'Delete for everyone? your message' }).click();
    for (const person of [ann, bob]) {
      await person.page.waitForFunction(() => document.querySelectorAll('.rc-list > li.rc-removed').length === 1);
      assert.equal(await rowWithText(person.page, 'Oops, sorry').count(), 0);
    }

    // Ann moderates: she removes Bob's spoiler, with the keyboard.
    const spoiler = rowWithText(ann.page, 'The killer is the butler');
    const remove = spoiler.getByRole('button', { name: 'Delete the message from Bob' });
    await remove.focus();
    await ann.page.keyboard.press('Enter');
    await ann.page.keyboard.press('Enter');
    for (const person of [ann, bob]) {
      await person.page.waitForFunction(() => document.querySelectorAll('.rc-list > li.rc-removed').length === 2);
      assert.equal(await rowWithText(person.page, 'butler').count(), 0, 'the spoiler is gone');
    }
    assert.equal(await ann.page.evaluate(() => document.activeElement?.classList.contains('rc-msg')), true,
      'the focus stays on the removed row, not lost to the page');
    assert.deepEqual(await seriousViolations(ann.page), [], 'axe: the tombstones and the Delete buttons');
    await screenshot(ann.page, 'removal-moderator');
    await screenshot(bob.page, 'removal-author');

    cy = await shared.open({ name: 'Cy', room });
    await waitForMessage(cy.page, 'Please no spoilers');
    const shown = await messages(cy.page);
    assert.deepEqual(shown.map((m) => m.text), ['Message removed', 'Message removed', 'Please no spoilers']);
    assert.equal(await tombstones(cy.page).count(), 2);
    for (const person of [ann, bob, cy]) assert.deepEqual(person.pageErrors, []);
  } finally {
    await Promise.all([ann, bob, cy].filter(Boolean).map((p) => p.context.close().catch(() => {})));
  }
});
