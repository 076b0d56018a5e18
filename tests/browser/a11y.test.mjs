// Accessibility (axe-core: no serious or critical violations) in the light
// and dark themes and on a 360 px wide phone, and screenshots of the main
// states for people to look at (ROOMCHAT_SCREENSHOT_DIR).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  banner,
  messageInput,
  screenshot,
  send,
  seriousViolations,
  uniqueRoom,
  useRelayAndBrowser,
  waitForMessage,
} from './support.mjs';

const shared = useRelayAndBrowser();

const CONVERSATION = [
  ['Bob', 'Hey! Are we starting the movie at 8?'],
  ['Bob', 'I made popcorn 🍿'],
  ['Ann', 'Yes, 8 sharp. Grab a seat.'],
  ['Cleo', 'Joining from my phone, the trailer is here: https://example.com/trailer'],
  ['Ann', 'Perfect.\nSound check in 2 minutes.'],
  ['Bob', 'Can everyone hear the audio? Mine is a bit quiet but that might just be my speakers.'],
];

async function populatedRoom(theme, viewport) {
  const room = uniqueRoom(`look-${theme}`);
  const people = {};
  for (const name of ['Bob', 'Cleo']) people[name] = await shared.open({ name, room });
  people.Ann = await shared.open({ name: 'Ann', room, colorScheme: theme, viewport });
  for (const [name, text] of CONVERSATION) {
    await send(people[name].page, text);
    await waitForMessage(people.Ann.page, text, { state: 'sent' });
  }
  return {
    ann: people.Ann,
    close: () => Promise.all(Object.values(people).map((p) => p.context.close())),
  };
}

async function audit(page, state) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${state}: axe found serious/critical violations`);
}

for (const theme of ['light', 'dark']) {
  test(`${theme} theme: every state passes axe and is captured`, async () => {
    const { ann, close } = await populatedRoom(theme);
    try {
      const { page } = ann;
      await audit(page, `${theme} conversation`);
      await screenshot(page, `${theme}-conversation`);
      await page.setViewportSize({ width: 1280, height: 800 });
      await screenshot(page, `${theme}-wide`);
      await page.setViewportSize({ width: 420, height: 760 });

      await page.getByRole('button', { name: /people in the room/ }).click();
      await page.locator('.rc-people-panel').waitFor();
      await audit(page, `${theme} participants`);
      await screenshot(page, `${theme}-participants`);
      await page.keyboard.press('Escape');

      await messageInput(page).fill('x'.repeat(460));
      await page.locator('.rc-hint-counter').waitFor();
      await audit(page, `${theme} counter`);
      await messageInput(page).fill('y'.repeat(520));
      await page.locator('.rc-hint-reason[data-kind="error"]').waitFor();
      await audit(page, `${theme} too long`);
      await screenshot(page, `${theme}-too-long`);
      await messageInput(page).fill('');

      await ann.context.setOffline(true);
      await banner(page, 'You are offline').waitFor();
      await send(page, 'Sent while offline');
      await audit(page, `${theme} offline`);
      await screenshot(page, `${theme}-offline`);
      await ann.context.setOffline(false);
      await waitForMessage(page, 'Sent while offline', { state: 'sent' });
      await banner(page, 'Back online').waitFor();
      await audit(page, `${theme} back online`);
    } finally {
      await close();
    }
  });
}

test('empty room and the name form pass axe', async () => {
  for (const theme of ['light', 'dark']) {
    const room = uniqueRoom('empty');
    const ann = await shared.open({
      name: 'Ann',
      room,
      colorScheme: theme,
      beforeLoad: async (page) => {
        await page.goto(`${shared.relay.url}?room=${room}`);
        await page.getByLabel('Display name').waitFor();
        await audit(page, `${theme} name form`);
        await screenshot(page, `${theme}-join`);
      },
    });
    try {
      await ann.page.getByText('No messages yet').waitFor();
      await audit(ann.page, `${theme} empty room`);
      await screenshot(ann.page, `${theme}-empty`);
    } finally {
      await ann.context.close();
    }
  }
});

test('narrow 360 px phone: usable and passes axe', async () => {
  const { ann, close } = await populatedRoom('light', { width: 360, height: 740 });
  try {
    const { page } = ann;
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scrolling at 360 px');
    const input = await messageInput(page).boundingBox();
    const button = await page.getByRole('button', { name: 'Send message' }).boundingBox();
    assert.ok(input.width > 200 && button.x + button.width <= 360, 'input and send button fit');
    await audit(page, 'narrow');
    await screenshot(page, 'narrow-conversation');
    await page.getByRole('button', { name: /people in the room/ }).click();
    await screenshot(page, 'narrow-participants');
  } finally {
    await close();
  }
});
