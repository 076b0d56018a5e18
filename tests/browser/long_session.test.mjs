// A long session: the page keeps a window of rows, not the whole timeline.
// After a burst and after the window drops and brings back rows while the
// reader scrolls, every message is shown exactly once, in order, and the
// page stays small. (bench/browser/long_session.mjs measures the same
// session's speed.)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CROWD_RELAY_ARGS, openCrowd } from './crowd.mjs';
import { sleep, useRelayAndBrowser, uniqueRoom } from './support.mjs';

const shared = useRelayAndBrowser(CROWD_RELAY_ARGS);
const BURST = 1500;
const MAX_ROWS = 240;     // web/view/message_list.js
const LATEST_ROWS = 120;  // the same

// The rows in the page, in page order.
const rows = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.rc-list > li')].map((li) => ({
      id: li.dataset.id,
      seq: Number(li.dataset.seq),
      text: li.querySelector('.rc-text').textContent,
    })),
  );

function assertContiguous(shown, what) {
  for (let i = 1; i < shown.length; i += 1) {
    assert.equal(shown[i].seq, shown[i - 1].seq + 1, `${what}: seq ${shown[i - 1].seq} is followed by ${shown[i].seq}`);
  }
  assert.equal(new Set(shown.map((r) => r.id)).size, shown.length, `${what}: a row is shown twice`);
}

test('after a burst the page holds a window of the newest rows; scrolling back shows every message once, in order', async () => {
  const room = uniqueRoom('long');
  const viewer = await shared.open({ name: 'Viewer', room });
  const crowd = await openCrowd(shared.relay, room, 3);
  try {
    const { page } = viewer;
    const scroller = page.getByRole('region', { name: 'Message history' });
    await crowd.fill(BURST, 'burst');
    const { texts } = await crowd.mark('end');
    for (const text of texts) await page.locator('.rc-text', { hasText: text }).waitFor({ timeout: 60_000 });
    const total = BURST + texts.length;

    // Following: the newest rows, ending with the last one, and not too many.
    // (The crowd's marks come after all it sent: when one shows, all were applied.)
    // A burst shows its newest rows at once and the window grows back above
    // them in the frames after, up to LATEST_ROWS.
    await page.waitForFunction((count) => document.querySelectorAll('.rc-list > li').length >= count, LATEST_ROWS);
    await sleep(200);
    const newest = await rows(page);
    assert.ok(newest.length <= MAX_ROWS, `${newest.length} rows in the page`);
    assertContiguous(newest, 'after the burst');
    assert.equal(newest[newest.length - 1].seq, total);
    assert.ok(await scroller.evaluate((s) => s.scrollHeight - s.scrollTop - s.clientHeight < 2), 'still at the bottom');

    // Scrolling back to the start: each view is a contiguous window, the row
    // being read stays where it is while rows are added above it, and
    // together the views cover every message exactly once, with the same text.
    const seen = new Map();
    const remember = (shown) => {
      for (const row of shown) {
        const known = seen.get(row.seq);
        if (known) assert.deepEqual(known, row, `seq ${row.seq} came back different`);
        seen.set(row.seq, row);
      }
    };
    // Scrolls to the top and says where the first row's message sits, right
    // then and a few frames later (once rows were added above it).
    const scrollToTop = () =>
      page.evaluate(async () => {
        // In the page: the element behind the `scroller` locator.
        const element = document.querySelector('.rc-scroller');
        element.scrollTop = 0;
        const first = document.querySelector('.rc-list > li');
        const top = () => (first.isConnected ? first.querySelector('.rc-msg-row').getBoundingClientRect().top : null);
        const before = top();
        for (let i = 0; i < 6; i += 1) await new Promise((resolve) => requestAnimationFrame(resolve));
        return { seq: Number(first.dataset.seq), before, after: top() };
      });
    let kept = 0;
    const start = page.getByText('This is the start of the conversation');
    for (let step = 0; step < 200 && !(await start.isVisible()); step += 1) {
      const reading = await scrollToTop();
      await sleep(50);
      const shown = await rows(page);
      assert.ok(shown.length <= MAX_ROWS, `${shown.length} rows in the page while scrolling back`);
      assertContiguous(shown, 'scrolling back');
      remember(shown);
      if (shown[0].seq < reading.seq) {
        assert.ok(Math.abs(reading.after - reading.before) < 2, `the row being read (seq ${reading.seq}) moved by ${reading.after - reading.before} px`);
        kept += 1;
      }
    }
    assert.ok(kept > 5, `rows were added above the reader ${kept} times`);
    assert.equal(seen.size, total, 'every message was shown on the way back');
    assert.equal(Math.min(...seen.keys()), 1);
    const byText = new Set([...seen.values()].map((r) => r.text));
    assert.equal(byText.size, total, 'no text shown for two messages');

    // Back down by scrolling: the window follows the reader to the newest
    // rows and, once there, new messages follow again.
    const atBottom = () => scroller.evaluate((s) => s.scrollHeight - s.scrollTop - s.clientHeight < 2);
    for (let step = 0; step < 200 && (await rows(page)).at(-1).seq < total; step += 1) {
      await scroller.evaluate((s) => {
        s.scrollTop = s.scrollHeight;
      });
      await sleep(60);
      const shown = await rows(page);
      assert.ok(shown.length <= MAX_ROWS, `${shown.length} rows in the page while scrolling down`);
      assertContiguous(shown, 'scrolling down');
      remember(shown);
    }
    await scroller.evaluate((s) => {
      s.scrollTop = s.scrollHeight;
    });
    await crowd.fill(1, 'after');
    const after = await crowd.mark('after');
    for (const text of after.texts) await page.locator('.rc-text', { hasText: text }).waitFor();
    await sleep(200);
    const latest = await rows(page);
    assertContiguous(latest, 'back at the newest');
    assert.equal(latest[latest.length - 1].seq, total + 1 + after.texts.length);
    assert.ok(await atBottom(), 'following again');
    assert.ok(latest.length <= MAX_ROWS);
    assert.deepEqual(viewer.pageErrors, []);
  } finally {
    await crowd.close();
    await viewer.context.close();
  }
});
