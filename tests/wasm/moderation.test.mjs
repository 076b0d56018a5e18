// A moderator's mute through the module's API: moderator() from the joined
// frame, mute() on the wire, muted events, and validate() while muted.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ANN, BOB, Driver, ROOM, lastOfType, loadRoomchat, nack } from './harness.mjs';

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
