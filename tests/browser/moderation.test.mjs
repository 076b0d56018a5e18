// A moderator mutes someone from the people panel, through the real relay:
// the muted person sees why they cannot send and until when (also after a
// reload), nothing they try reaches the room, and lifting the mute lets them
// speak again. Only a moderator's panel offers the buttons.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  messageInput,
  screenshot,
  send,
  seriousViolations,
  sleep,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
  waitOnline,
} from './support.mjs';

const shared = useRelayAndBrowser();

const hint = (page) => page.locator('.rc-hint-reason');

test('a moderator mutes and unmutes someone, who sees why they cannot send', async () => {
  const room = uniqueRoom('moderation');
  const ann = await shared.open({ name: 'Ann', room, params: { moderator: '1' } });
  const bob = await shared.open({ name: 'Bob', room });
  try {
    await send(bob.page, 'Who spoiled the ending?');
    await waitForMessage(ann.page, 'Who spoiled the ending?');

    await bob.page.locator('.rc-people-button').click();
    await bob.page.locator('.rc-person-name', { hasText: 'Ann' }).waitFor();
    assert.equal(await bob.page.locator('.rc-person-mute').count(), 0, 'no mute buttons for a non-moderator');
    await bob.page.keyboard.press('Escape');

    await ann.page.locator('.rc-people-button').click();
    const mute = ann.page.getByRole('button', { name: 'Mute Bob for 10 minutes' });
    await mute.click();
    await ann.page.getByRole('button', { name: 'Unmute Bob' }).waitFor();
    assert.equal(await ann.page.locator('.rc-person-mute').count(), 1, 'none for the moderator herself');
    assert.deepEqual(await seriousViolations(ann.page), [], 'axe: the moderator\'s panel');
    await screenshot(ann.page, 'moderation-panel');

    await hint(bob.page).filter({ hasText: 'A moderator has muted you in this room.' }).waitFor();
    assert.match(await hint(bob.page).textContent(), /You can send again in 10 min\./);
    await messageInput(bob.page).fill('The butler did it');
    await messageInput(bob.page).press('Enter');
    assert.equal(await messageInput(bob.page).inputValue(), 'The butler did it', 'what he typed stays');
    assert.deepEqual(await seriousViolations(bob.page), [], 'axe: the muted composer');
    await screenshot(bob.page, 'moderation-muted');
    await sleep(300);
    assert.equal(await ann.page.locator('.rc-text', { hasText: 'butler' }).count(), 0, 'nothing reached the room');

    // A reload while muted: the page knows at once, before Bob sends anything.
    await bob.page.reload();
    await bob.page.getByLabel('Display name').press('Enter');
    await waitOnline(bob.page);
    await hint(bob.page).filter({ hasText: 'A moderator has muted you in this room.' }).waitFor();

    await ann.page.getByRole('button', { name: 'Unmute Bob' }).click();
    await ann.page.getByRole('button', { name: 'Mute Bob for 10 minutes' }).waitFor();
    await bob.page.waitForFunction(() => document.querySelector('.rc-hint-reason').textContent === '');
    await messageInput(bob.page).fill('Sorry, I will keep quiet about the ending.');
    await messageInput(bob.page).press('Enter');
    await waitForMessage(ann.page, 'Sorry, I will keep quiet about the ending.');
    for (const person of [ann, bob]) assert.deepEqual(person.pageErrors, []);
  } finally {
    await Promise.all([ann, bob].map((p) => p.context.close().catch(() => {})));
  }
});
