// A moderator's mute through the module's API: moderator() from the joined
// frame, mute() on the wire, muted events, and validate() while muted.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ANN, BOB, Driver, ROOM, ack, lastOfType, loadRoomchat, messageFrame, nack, otherId, wireMessage } from './harness.mjs';

const roomchat = await loadRoomchat();

test('a moderator mutes and lifts with mute(); bad requests send nothing', () => {
  const driver = new Driver(roomchat);
  driver.call('start');
  driver.call('transportOpened');
  driver.receive({ type: 'welcome', user: ANN, max_text_code_points: 500, rate: { burst: 5, refill_interval_ms: 1000 }, token_expires_at: driver.now + 3_600_000 });
  driver.receive({ type: 'joined', room: ROOM, epoch: '0123456789abcdef', members: [ANN, BOB], member_count: 2, read_seq: 0, latest_seq: 0, moderator: true });
  driver.receive({ type: 'history', room: ROOM, epoch: '0123456789abcdef', mode: 'latest', messages: [], truncated: false, has_more: false });
  assert.equal(driver.session.moderator(), true);

  const muted = driver.call('mute', 'bob', 10);
  assert.deepEqual(muted.value, { ok: true });
  assert.deepEqual(muted.frames, [{ type: 'mute', room: ROOM, user: 'bob', minutes: 10 }]);
  assert.equal(driver.call('mute', 'bob', 1.5).value.code, 'wrong_type');
  assert.equal(driver.call('mute', 'bob', 1441).value.code, 'wrong_type');
  assert.equal(driver.call('mute', 'bad id', 10).value.code, 'invalid_user_id');

  const told = driver.receive({ type: 'muted', room: ROOM, user: 'bob', until: driver.now + 600_000 });
  assert.deepEqual(lastOfType(told.events, 'muted'), { type: 'muted', user: 'bob', until: driver.now + 600_000 });
});

test('a muted send fails, and validate() says so with the time left in minutes', () => {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB] });
  assert.equal(driver.session.moderator(), false);
  const { id } = driver.call('send', 'hello').value;
  const refused = driver.receive(nack(id, 'muted', 600_000));
  assert.deepEqual(lastOfType(refused.events, 'muted'), { type: 'muted', user: 'ann', until: driver.now + 600_000 });
  const check = driver.session.validate('again', driver.now);
  assert.equal(check.ok, false);
  assert.equal(check.code, 'muted');
  assert.equal(check.message, 'A moderator has muted you in this room. You can send again in 10 min.');
  const lifted = driver.receive({ type: 'muted', room: ROOM, user: 'ann', until: 0 });
  assert.deepEqual(lastOfType(lifted.events, 'muted'), { type: 'muted', user: 'ann', until: 0 });
  assert.equal(driver.session.validate('again', driver.now).ok, true);
});

test('remove() sends a removal, and the relay\'s removal comes back as the row, removed', () => {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB], backlog: [wireMessage(1, otherId(1), BOB, 'spoiler'), wireMessage(2, otherId(2), ANN, 'mine')] });
  assert.equal(driver.call('remove', 1).value.code, 'not_moderator');
  assert.equal(driver.call('remove', 7).value.code, 'no_such_message');
  const asked = driver.call('remove', 2);
  assert.deepEqual(asked.value, { ok: true });
  assert.equal(asked.frames.length, 1);
  const [frame] = asked.frames;
  assert.deepEqual({ ...frame, id: undefined }, { type: 'send', room: ROOM, id: undefined, text: '', removes: 2 });
  const stored = driver.session.pending();
  assert.deepEqual(stored.map((p) => p.removes), [2], 'the page stores it like a message');
  assert.equal(driver.session.timeline().length, 2, 'no row of its own');

  const acked = driver.receive(ack(frame.id, 3));
  const row = lastOfType(acked.events, 'message').message;
  assert.equal(row.seq, 2);
  assert.equal(row.removed, true);
  assert.equal(row.text, '');

  const theirs = driver.receive(messageFrame({ ...wireMessage(4, otherId(4), BOB, ''), removes: 1 }));
  assert.equal(lastOfType(theirs.events, 'message').message.seq, 1);
  assert.deepEqual(driver.session.timeline().map((m) => m.removed === true), [true, true]);

  const reloaded = new Driver(roomchat);
  assert.deepEqual(reloaded.call('restore', stored).value, { ok: true, restored: 1 });
  assert.deepEqual(reloaded.session.pending(), stored);
});

test('react() toggles a reaction the row shows at once, and the relay\'s tally replaces it', () => {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB], backlog: [wireMessage(1, otherId(1), BOB, 'look at that')] });
  assert.equal(driver.call('react', 1, '🍕').value.code, 'wrong_type');
  const asked = driver.call('react', 1, '😂');
  assert.deepEqual(asked.value, { ok: true });
  assert.deepEqual(asked.frames.map((f) => f.reaction), [{ to: 1, emoji: '😂', add: true }]);
  assert.deepEqual(lastOfType(asked.events, 'message').message.reactions, [{ emoji: '😂', users: [ANN], mine: true }]);
  assert.deepEqual(driver.session.pending().map((p) => p.reaction), [{ to: 1, emoji: '😂', add: true }]);

  driver.receive(ack(asked.frames[0].id, 2));
  const theirs = driver.receive(messageFrame({ ...wireMessage(3, otherId(3), BOB, ''), reaction: { to: 1, emoji: '😂', add: true } }));
  assert.deepEqual(lastOfType(theirs.events, 'message').message.reactions, [{ emoji: '😂', users: [ANN, BOB], mine: true }]);
  const back = driver.call('react', 1, '😂');
  assert.deepEqual(back.frames.map((f) => f.reaction.add), [false]);
  assert.deepEqual(lastOfType(back.events, 'message').message.reactions, [{ emoji: '😂', users: [BOB], mine: false }]);
});
