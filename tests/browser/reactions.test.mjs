// Reactions through the real relay: Ann reacts to Bob's message from the
// React set with the keyboard, both screens show the tally with who reacted,
// Bob adds his by pressing it, a late joiner sees it, and Ann's press takes
// hers back everywhere. axe-core stays clean.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  rowWithText,
  screenshot,
  send,
  seriousViolations,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
} from './support.mjs';

const shared = useRelayAndBrowser();

const tally = (page, text, emoji) =>
  rowWithText(page, text).locator('.rc-reaction', { hasText: emoji });

test('a reaction appears for both and for a late joiner, and can be taken back', async () => {
  const room = uniqueRoom('reactions');
  const ann = await shared.open({ name: 'Ann', room });
  const bob = await shared.open({ name: 'Bob', room });
  let cy = null;
  try {
    const line = 'The twist at the end!';
    await send(bob.page, line);
    await waitForMessage(ann.page, line);

    // Ann: React, then 😂, with the keyboard only.
    const react = rowWithText(ann.page, line).getByRole('button', { name: 'React to the message from Bob' });
    await react.focus();
    await ann.page.keyboard.press('Enter');
    await ann.page.getByRole('button', { name: 'React with 😂' }).waitFor();
    assert.equal(await ann.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'React with 👍',
      'the set takes the focus');
    await ann.page.keyboard.press('Tab');
    await ann.page.keyboard.press('Tab');
    await ann.page.keyboard.press('Enter');  // 😂, the third
    await tally(ann.page, line, '😂').waitFor();
    assert.equal(await ann.page.locator('.rc-picker').count(), 0, 'the set closes once used');

    const onBob = tally(bob.page, line, '😂');
    await onBob.waitFor();
    assert.equal(await onBob.getAttribute('aria-label'), '1 person reacted with 😂: Ann');
    assert.equal(await onBob.getAttribute('aria-pressed'), 'false');
    await onBob.click();  // Bob adds his
    for (const person of [ann, bob]) {
      await person.page.waitForFunction(
        (emoji) => [...document.querySelectorAll('.rc-reaction')].some((b) => b.textContent === `${emoji} 2`), '😂');
    }
    assert.equal(await tally(ann.page, line, '😂').getAttribute('aria-label'), '2 people reacted with 😂: you and Bob');
    assert.equal(await tally(ann.page, line, '😂').getAttribute('aria-pressed'), 'true');
    assert.deepEqual(await seriousViolations(ann.page), [], 'axe: reactions and the React button');
    await screenshot(ann.page, 'reactions-tally');

    cy = await shared.open({ name: 'Cy', room });
    await waitForMessage(cy.page, line);
    await tally(cy.page, line, '😂 2').waitFor();
    assert.equal(await tally(cy.page, line, '😂').getAttribute('title'), 'Ann and Bob reacted with 😂');

    // Ann takes hers back: one left, on every screen.
    await tally(ann.page, line, '😂').click();
    for (const person of [ann, bob, cy]) {
      await person.page.waitForFunction(
        (emoji) => [...document.querySelectorAll('.rc-reaction')].some((b) => b.textContent === `${emoji} 1`), '😂');
    }
    assert.equal(await tally(cy.page, line, '😂').getAttribute('aria-label'), '1 person reacted with 😂: Bob');
    for (const person of [ann, bob, cy]) assert.deepEqual(person.pageErrors, []);
  } finally {
    await Promise.all([ann, bob, cy].filter(Boolean).map((p) => p.context.close().catch(() => {})));
  }
});
