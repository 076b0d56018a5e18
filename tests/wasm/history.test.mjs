// The timeline against the relay's sequence: gaps, reconnects and older pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ANN, BOB, Driver, history, lastOfType, loadRoomchat, messageFrame, ofType, otherId, wireMessage,
} from './harness.mjs';

const roomchat = await loadRoomchat();

const fromBob = (seq) => wireMessage(seq, otherId(seq), BOB, `message ${seq}`);
const seqs = (driver) => driver.session.timeline().map((m) => m.seq);

test('history on join fills the timeline in sequence order', () => {
  const driver = new Driver(roomchat);
  const { events } = driver.connect({ members: [ANN, BOB], backlog: [1, 2, 3].map(fromBob) });
  assert.deepEqual(seqs(driver), [1, 2, 3]);
  assert.deepEqual(driver.session.timeline()[0], {
    id: otherId(1), seq: 1, from: BOB, text: 'message 1', ts: fromBob(1).ts, own: false, state: 'sent',
  });
  assert.deepEqual(lastOfType(events, 'history_loaded'),
    { type: 'history_loaded', mode: 'latest', count: 3, hasMore: false });
});

test('a gap in the sequence is filled by asking for the history after the last seen seq', () => {
  const driver = new Driver(roomchat);
  driver.connect({ backlog: [fromBob(1)] });

  const jumped = driver.receive(messageFrame(fromBob(4)));
  const request = jumped.frames.find((f) => f.type === 'history_request');
  assert.ok(request, 'a history request follows the gap');
  assert.equal(request.room, 'lobby');
  assert.equal(request.after, 1);
  assert.equal(request.before, undefined);
  assert.ok(request.limit >= 1);

  driver.receive(history('after', [2, 3, 4].map(fromBob)));
  assert.deepEqual(seqs(driver), [1, 2, 3, 4], 'each message exactly once, in order');
});

test('a message that arrives twice is shown once', () => {
  const driver = new Driver(roomchat);
  driver.connect({ backlog: [fromBob(1)] });
  driver.receive(messageFrame(fromBob(2)));
  driver.receive(messageFrame(fromBob(2)));
  driver.receive(messageFrame(fromBob(1)));
  assert.deepEqual(seqs(driver), [1, 2]);
});

test('after a lost connection the session reconnects and joins with since', () => {
  const driver = new Driver(roomchat);
  driver.connect({ backlog: [1, 2].map(fromBob) });
  driver.receive(messageFrame(fromBob(3)));

  const closed = driver.call('transportClosed');
  const reconnecting = lastOfType(closed.events, 'connection_changed');
  assert.equal(reconnecting.state, 'reconnecting');
  assert.ok(reconnecting.retryAt > driver.now, 'says when the next attempt starts');
  assert.equal(driver.session.state(), 'reconnecting');
  assert.equal(driver.session.nextDeadline(), reconnecting.retryAt);

  const fired = driver.fireTimer();
  assert.ok(ofType(fired.events, 'open_transport').length === 1, 'asks for a new socket');
  const { join } = driver.handshake({ backlog: [1, 2, 3, 4, 5].map(fromBob) });
  assert.equal(join.since, 3, 'asks only for what it missed');
  assert.deepEqual(seqs(driver), [1, 2, 3, 4, 5]);
  assert.equal(driver.session.state(), 'online');
});

test('pending messages go out again with the same id after a reconnect', () => {
  const driver = new Driver(roomchat);
  driver.connect();
  const { id } = driver.call('send', 'in flight').value;
  driver.call('transportClosed');
  driver.fireTimer();
  const { frames } = driver.handshake();
  assert.deepEqual(frames.filter((f) => f.type === 'send').map((f) => f.id), [id]);
});

test('loadOlder asks for the page before the oldest message and prepends it', () => {
  const driver = new Driver(roomchat, { pageSize: 2 });
  driver.connect({ backlog: [3, 4].map(fromBob), hasMore: true });

  const asked = driver.call('loadOlder');
  const request = asked.frames.find((f) => f.type === 'history_request');
  assert.ok(request, 'requests an older page');
  assert.equal(request.before, 3);
  assert.equal(request.limit, 2, 'uses the configured page size');

  const loaded = driver.receive(history('before', [1, 2].map(fromBob), { hasMore: false }));
  assert.deepEqual(lastOfType(loaded.events, 'history_loaded'),
    { type: 'history_loaded', mode: 'before', count: 2, hasMore: false });
  assert.deepEqual(seqs(driver), [1, 2, 3, 4]);
});
