// A long session: the capped timeline, the windows a view asks for instead
// of the whole timeline, and older(), which says what lies above the oldest row.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  BOB, Driver, history, loadRoomchat, messageFrame, ofType, otherId, wireMessage,
} from './harness.mjs';

const roomchat = await loadRoomchat();

const fromBob = (seq) => wireMessage(seq, otherId(seq), BOB, `message ${seq}`);
const range = (first, last) => Array.from({ length: last - first + 1 }, (_, i) => first + i);
const seqsOf = (rows) => rows.map((m) => m.seq);
const olderChanges = (events) => ofType(events, 'older_changed').map((e) => e.older);

test('windows: the newest rows, from a seq, and before a seq, with pending rows last', () => {
  const driver = new Driver(roomchat);
  driver.connect({ backlog: range(1, 10).map(fromBob) });
  const { id } = driver.call('send', 'mine').value;

  const latest = driver.session.timelineLatest(3);
  assert.deepEqual(seqsOf(latest.rows), [9, 10, 0]);
  assert.equal(latest.rows[2].id, id);
  assert.equal(latest.atStart, false);
  assert.equal(latest.atEnd, true);

  const from = driver.session.timelineFrom(0, 2);
  assert.deepEqual(from, {
    rows: [1, 2].map((seq) => ({
      id: otherId(seq), seq, from: BOB, text: `message ${seq}`, ts: fromBob(seq).ts, own: false, state: 'sent',
    })),
    atStart: true,
    atEnd: false,
  }, 'rows are the same objects as in message events');
  assert.deepEqual(seqsOf(driver.session.timelineFrom(9, 5).rows), [9, 10, 0]);

  const before = driver.session.timelineBefore(6, 3);
  assert.deepEqual(before, { rows: before.rows, atStart: false, atEnd: false });
  assert.deepEqual(seqsOf(before.rows), [3, 4, 5]);
  assert.deepEqual(driver.session.timelineBefore(1, 3), { rows: [], atStart: true, atEnd: false });

  assert.deepEqual(driver.session.timelineLatest(0), { rows: [], atStart: false, atEnd: true });
  assert.deepEqual(seqsOf(driver.session.timelineLatest(100).rows), seqsOf(driver.session.timeline()));
});

test('an empty timeline is an empty window at both ends', () => {
  const session = roomchat.createSession({ room: 'lobby', token: 't' });
  for (const window of [session.timelineLatest(5), session.timelineFrom(0, 5), session.timelineBefore(3, 5)]) {
    assert.deepEqual(window, { rows: [], atStart: true, atEnd: true });
  }
  assert.equal(session.older(), 'unknown');
  session.delete();
});

test('maxTimeline keeps the newest messages and makes older ones loadable again', () => {
  const driver = new Driver(roomchat, { maxTimeline: 3, pageSize: 2 });
  driver.connect({ backlog: range(1, 3).map(fromBob) });
  assert.equal(driver.session.older(), 'start');

  const trimmed = driver.receive(messageFrame(fromBob(4)));
  assert.deepEqual(seqsOf(driver.session.timeline()), [2, 3, 4]);
  assert.deepEqual(olderChanges(trimmed.events), ['available']);
  assert.equal(ofType(trimmed.events, 'unread_changed').at(-1).count, 4, 'a trimmed message is still unread');

  const asked = driver.call('loadOlder');
  assert.equal(asked.frames.find((f) => f.type === 'history_request').before, 2);
  assert.deepEqual(olderChanges(asked.events), ['loading']);
  const loaded = driver.receive(history('before', [fromBob(1)], { hasMore: false }));
  assert.deepEqual(olderChanges(loaded.events), ['start']);
  assert.deepEqual(seqsOf(driver.session.timeline()), [1, 2, 3, 4], 'an older page is not trimmed');
});

test('older() follows requests, pages and timeouts, each change an older_changed event', () => {
  const driver = new Driver(roomchat, { pageSize: 10 });
  const { events } = driver.connect({ backlog: range(21, 30).map(fromBob), hasMore: true });
  assert.deepEqual(olderChanges(events), ['available']);

  assert.deepEqual(olderChanges(driver.call('loadOlder').events), ['loading']);
  assert.equal(driver.session.older(), 'loading');
  const timedOut = driver.fireTimer();
  assert.deepEqual(olderChanges(timedOut.events), ['available'], 'an unanswered request is given up');

  driver.call('loadOlder');
  const loaded = driver.receive(history('before', range(11, 20).map(fromBob), { hasMore: false }));
  assert.deepEqual(olderChanges(loaded.events), ['gone'], "the relay's history ends above seq 1");
  assert.equal(driver.session.older(), 'gone');
});

test('maxTimeline below 1 keeps the default', () => {
  const driver = new Driver(roomchat, { maxTimeline: 0 });
  driver.connect({ backlog: range(1, 300).map(fromBob) });
  assert.equal(driver.session.timeline().length, 300);
});
