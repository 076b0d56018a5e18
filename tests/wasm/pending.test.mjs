// Pending messages across a page reload: pending() is stored as JSON text
// (what the web layer keeps in sessionStorage) and restore()d into a fresh
// session, which sends them again with their original ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ANN, BOB, Driver, ack, loadRoomchat, nack, ofType, otherId, wireMessage,
} from './harness.mjs';

const roomchat = await loadRoomchat();

const sendFrames = (frames) => frames.filter((f) => f.type === 'send');
const changed = (events) => ofType(events, 'pending_changed').length;

// Ann types while the network is down, so nothing is acknowledged.
function offlineWithTwoMessages() {
  const driver = new Driver(roomchat);
  driver.call('networkChanged', false);
  driver.call('start');
  const one = driver.call('send', '  first  ');
  driver.now += 10;
  const two = driver.call('send', 'second');
  assert.equal(changed(one.events), 1);
  assert.equal(changed(two.events), 1);
  return { driver, ids: [one.value.id, two.value.id] };
}

test('pending() lists unacknowledged messages as JSON-compatible values', () => {
  const { driver, ids } = offlineWithTwoMessages();
  const pending = driver.session.pending();
  assert.deepEqual(pending, [
    { id: ids[0], text: 'first', createdAt: driver.now - 10 },
    { id: ids[1], text: 'second', createdAt: driver.now },
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(pending)), pending);
  driver.session.delete();
});

test('stored pending messages restore into a fresh session and go out with their ids', () => {
  const { driver: before, ids } = offlineWithTwoMessages();
  const stored = JSON.stringify(before.session.pending());
  before.session.delete();

  const after = new Driver(roomchat);
  const restored = after.call('restore', JSON.parse(stored));
  assert.deepEqual(restored.value, { ok: true, restored: 2 });
  assert.equal(changed(restored.events), 1);
  const echoes = ofType(restored.events, 'message').map((e) => e.message);
  assert.deepEqual(echoes.map((m) => [m.id, m.text, m.state, m.own]), [
    [ids[0], 'first', 'queued', true],
    [ids[1], 'second', 'queued', true],
  ]);
  assert.deepEqual(after.session.pending(), JSON.parse(stored));

  const connected = after.connect({ members: [ANN, BOB] });
  assert.deepEqual(sendFrames(connected.frames).map((f) => [f.id, f.text]), [[ids[0], 'first'], [ids[1], 'second']]);

  const acked = after.receive(ack(ids[0], 1));
  assert.equal(changed(acked.events), 1);
  after.receive(ack(ids[1], 2));
  assert.deepEqual(after.session.pending(), []);
  assert.deepEqual(after.session.timeline().map((m) => [m.id, m.state, m.seq]), [[ids[0], 'sent', 1], [ids[1], 'sent', 2]]);
  after.session.delete();
});

test('a restored message already in the join history is shown once and not sent again', () => {
  const { driver: before, ids } = offlineWithTwoMessages();
  const stored = JSON.parse(JSON.stringify(before.session.pending()));
  before.session.delete();

  const after = new Driver(roomchat);
  after.call('restore', stored);
  const connected = after.connect({
    members: [ANN, BOB],
    backlog: [wireMessage(1, otherId(1), BOB, 'hi'), wireMessage(2, ids[0], ANN, 'first')],
  });
  assert.deepEqual(sendFrames(connected.frames).map((f) => f.id), [ids[1]]);
  assert.deepEqual(after.session.pending().map((m) => m.id), [ids[1]]);
  assert.deepEqual(after.session.timeline().map((m) => [m.id, m.state]), [
    [otherId(1), 'sent'],
    [ids[0], 'sent'],
    [ids[1], 'sending'],
  ]);
  after.session.delete();
});

test('failed messages are stored with their reason and restored failed, ready for retry', () => {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB] });
  const { id } = driver.call('send', 'refused').value;
  const refused = driver.receive(nack(id, 'id_conflict'));
  assert.equal(changed(refused.events), 1);
  const stored = JSON.stringify(driver.session.pending());
  assert.deepEqual(JSON.parse(stored), [{ id, text: 'refused', createdAt: driver.now, failure: 'id_conflict' }]);
  driver.session.delete();

  const after = new Driver(roomchat);
  const restored = after.call('restore', JSON.parse(stored));
  const echo = ofType(restored.events, 'message').at(-1).message;
  assert.equal(echo.state, 'failed');
  assert.equal(echo.failure, 'id_conflict');
  assert.ok(echo.failureMessage.length > 0);
  const connected = after.connect({ members: [ANN, BOB] });
  assert.deepEqual(sendFrames(connected.frames), [], 'a failed message waits for Retry');
  assert.deepEqual(sendFrames(after.call('retry', id).frames).map((f) => f.id), [id]);
  after.session.delete();
});

test('restore skips malformed entries and refuses what is not a list', () => {
  const session = roomchat.createSession({ room: 'lobby', token: 't' });
  const good = { id: otherId(7), text: 'kept', createdAt: 5 };
  const result = session.restore([
    good,
    { id: 'NOT-AN-ID', text: 'x', createdAt: 1 },
    { id: otherId(8), text: '', createdAt: 1 },
    { id: otherId(9), text: 'no time' },
    { id: otherId(10), text: 'odd failure', createdAt: 1, failure: 'no_such_code' },
    'a string',
    null,
  ], 100);
  assert.deepEqual(result, { ok: true, restored: 1 });
  assert.deepEqual(session.pending(), [good]);
  for (const notAList of [undefined, null, { id: otherId(7) }, 'text']) {
    const refused = session.restore(notAList, 100);
    assert.equal(refused.ok, false);
    assert.equal(refused.code, 'wrong_type');
  }
  session.start(100);
  const late = session.restore([{ id: otherId(11), text: 'late', createdAt: 1 }], 100);
  assert.equal(late.ok, false);
  assert.equal(late.code, 'internal');
  assert.deepEqual(session.pending(), [good]);
  session.delete();
});

test('restore takes stored JSON nested 8 deep and refuses 9 without restoring any of it', () => {
  const session = roomchat.createSession({ room: 'lobby', token: 't' });
  // The list is depth 1, an entry 2, then an unknown field of nested arrays.
  const entry = (arrays) => ({ id: otherId(12), text: 'deep', createdAt: 5, later: JSON.parse('['.repeat(arrays) + ']'.repeat(arrays)) });
  const refused = session.restore([entry(7)], 100);
  assert.equal(refused.ok, false);
  assert.equal(refused.code, 'too_deep');
  assert.deepEqual(session.pending(), []);
  assert.deepEqual(session.restore([entry(6)], 100), { ok: true, restored: 1 });
  assert.deepEqual(session.pending().map((p) => p.text), ['deep']);
  session.delete();
});

test('a stored playback position that is no position is dropped, not the message', () => {
  const driver = new Driver(roomchat);
  const entry = (n, mediaMs) => ({ id: 'ab'.repeat(15) + String(n).padStart(2, '0'), text: `m${n}`, createdAt: 5, mediaMs });
  const restored = driver.call('restore', [entry(1, 1000), entry(2, -5), entry(3, 2 ** 63), entry(4, 604_800_001), entry(5, '12')]);
  assert.deepEqual(restored.value, { ok: true, restored: 5 });
  assert.deepEqual(driver.session.pending().map((p) => p.mediaMs), [1000, undefined, undefined, undefined, undefined]);
  driver.session.delete();
});
