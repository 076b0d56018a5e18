// Unread counting and the read marker.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ANN, BOB, Driver, ack, lastOfType, loadRoomchat, messageFrame, otherId, wireMessage } from './harness.mjs';

const roomchat = await loadRoomchat();

const fromBob = (seq) => wireMessage(seq, otherId(seq), BOB, `message ${seq}`);

function online(options) {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB], ...options });
  return driver;
}

test('messages from others count as unread and mark where the divider goes', () => {
  const driver = online();
  const first = driver.receive(messageFrame(fromBob(1)));
  assert.deepEqual(lastOfType(first.events, 'unread_changed'),
    { type: 'unread_changed', count: 1, divider: otherId(1) });
  const second = driver.receive(messageFrame(fromBob(2)));
  assert.deepEqual(lastOfType(second.events, 'unread_changed'),
    { type: 'unread_changed', count: 2, divider: otherId(1) });
  assert.equal(driver.session.unreadCount(), 2);
});

test('own messages are never unread', () => {
  const driver = online();
  const { id } = driver.call('send', 'mine').value;
  driver.receive(ack(id, 1));
  driver.receive(messageFrame(wireMessage(1, id, ANN, 'mine')));
  assert.equal(driver.session.unreadCount(), 0);
});

test('markRead sends the read marker and clears what it covers', () => {
  const driver = online();
  for (const seq of [1, 2, 3]) driver.receive(messageFrame(fromBob(seq)));
  assert.equal(driver.session.unreadCount(), 3);

  const partly = driver.call('markRead', 2);
  assert.deepEqual(partly.frames.filter((f) => f.type === 'read'), [{ type: 'read', room: 'lobby', seq: 2 }]);
  assert.deepEqual(lastOfType(partly.events, 'unread_changed'),
    { type: 'unread_changed', count: 1, divider: otherId(1) }, 'the divider stays where the unread began');

  const fully = driver.call('markRead', 3);
  assert.deepEqual(lastOfType(fully.events, 'unread_changed'), { type: 'unread_changed', count: 0, divider: otherId(1) });
  assert.equal(driver.session.unreadCount(), 0);
});

test('a watching reader reads what arrives; sending clears the divider', () => {
  const driver = online();
  driver.receive(messageFrame(fromBob(1)));
  const watching = driver.call('setWatching', true);
  assert.deepEqual(watching.frames.filter((f) => f.type === 'read'), [{ type: 'read', room: 'lobby', seq: 1 }]);
  assert.deepEqual(lastOfType(watching.events, 'unread_changed'), { type: 'unread_changed', count: 0, divider: otherId(1) });
  const arrived = driver.receive(messageFrame(fromBob(2)));
  assert.equal(lastOfType(arrived.events, 'unread_changed'), undefined);
  assert.equal(driver.session.unreadCount(), 0);
  const sent = driver.call('send', 'seen');
  assert.deepEqual(lastOfType(sent.events, 'unread_changed'), { type: 'unread_changed', count: 0 });
});

test('tokenSubject reads the sub claim, and nothing from what is not a JWT', () => {
  const payload = Buffer.from(JSON.stringify({ sub: 'ann', name: 'Ann' })).toString('base64url');
  assert.equal(roomchat.tokenSubject(`eyJhbGciOiJIUzI1NiJ9.${payload}.sig`), 'ann');
  assert.equal(roomchat.tokenSubject('not-a-jwt'), null);
});

test('the read marker from join counts only the history after it', () => {
  const driver = online({ backlog: [1, 2, 3, 4].map(fromBob), readSeq: 2 });
  assert.equal(driver.session.unreadCount(), 2);
});

test('a read marker echoed from another tab clears the count here too', () => {
  const driver = online();
  for (const seq of [1, 2]) driver.receive(messageFrame(fromBob(seq)));
  const echoed = driver.receive({ type: 'read_marker', room: 'lobby', seq: 2 });
  assert.equal(lastOfType(echoed.events, 'unread_changed').count, 0);
  assert.equal(driver.session.unreadCount(), 0);
});
