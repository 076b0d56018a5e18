// The module object itself: loading under Node, the constants and helpers of
// RoomchatModule (every error code: error_codes.test.mjs), and session lifetime.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ANN, BOB, Driver, loadRoomchat, messageFrame, otherId, wireMessage } from './harness.mjs';

const roomchat = await loadRoomchat();

test('exposes the protocol version the relay speaks', () => {
  assert.equal(roomchat.protocolVersion, 1);
});

test('errorMessage of a rate limit with a wait says in how many seconds, rounded up', () => {
  assert.equal(roomchat.errorMessage('rate_limited', 1200), 'You are sending too fast. You can send again in 2 s.');
  assert.equal(roomchat.errorMessage('rate_limited'), 'You are sending too fast.');
  assert.equal(roomchat.errorMessage('rate_limited', -5), 'You are sending too fast.', 'a wait already over');
  assert.equal(roomchat.errorMessage('not_joined', 1200), roomchat.errorMessage('not_joined'), 'only a wait that waits');
});

test('errorMessage of an unknown code is empty', () => {
  assert.equal(roomchat.errorMessage('no_such_code'), '');
});

test('a new session is connecting, empty and has no identity yet', () => {
  const driver = new Driver(roomchat);
  const { session } = driver;
  assert.equal(session.state(), 'connecting');
  assert.deepEqual(session.timeline(), []);
  assert.equal(session.unreadCount(), 0);
  assert.equal(session.self(), null);
  assert.deepEqual(session.takeFrames(), []);
  session.delete();
});

test('message ids are 128 random bits from crypto.getRandomValues', () => {
  const ids = new Set();
  for (let i = 0; i < 20; ++i) {
    const driver = new Driver(roomchat);
    const sent = driver.session.send('hello', driver.now);
    assert.equal(sent.ok, true);
    assert.match(sent.id, /^[0-9a-f]{32}$/);
    ids.add(sent.id);
    driver.session.delete();
  }
  assert.equal(ids.size, 20, 'every fresh session draws a different first id');
});

test('the first connection asks for a socket, authenticates and joins', () => {
  const driver = new Driver(roomchat, { token: 'jwt-for-ann' });
  const started = driver.call('start');
  assert.deepEqual(started.frames, []);
  assert.deepEqual(started.events.map((e) => e.type).filter((t) => t === 'open_transport'), ['open_transport']);

  const { auth, join, events } = driver.handshake({ members: [{ id: 'ann', name: 'Ann' }, { id: 'bob', name: 'Bob' }] });
  assert.deepEqual(auth, { type: 'auth', v: 1, token: 'jwt-for-ann', batch: true, typing: true }, 'it reads batch and typist frames');
  assert.equal(join.room, 'lobby');
  assert.equal(join.since, undefined, 'a first join asks for the latest page');
  assert.equal(driver.session.state(), 'online');
  assert.deepEqual(driver.session.self(), { id: 'ann', name: 'Ann' });

  const identity = events.find((e) => e.type === 'identity');
  assert.deepEqual(identity, { type: 'identity', self: { id: 'ann', name: 'Ann' } });
  const presence = events.filter((e) => e.type === 'presence_changed').at(-1);
  assert.deepEqual(presence.members.map((m) => m.id).sort(), ['ann', 'bob']);
  const online = events.filter((e) => e.type === 'connection_changed').at(-1);
  assert.equal(online.state, 'online');
  const loaded = events.find((e) => e.type === 'history_loaded');
  assert.deepEqual(loaded, { type: 'history_loaded', mode: 'latest', count: 0, hasMore: false });
});

test('a batch frame is applied frame by frame, as if each had come alone', () => {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB] });
  const frames = [1, 2, 3].map((seq) => messageFrame(wireMessage(seq, otherId(seq), BOB, `hi ${seq}`)));
  const { events } = driver.receive({ type: 'batch', frames: [frames[0], { type: 'message', room: 'lobby' }, frames[1], frames[2]] });
  assert.deepEqual(driver.session.timeline().map((m) => m.text), ['hi 1', 'hi 2', 'hi 3']);
  const errors = events.filter((e) => e.type === 'error');
  assert.deepEqual(errors.map((e) => e.code), ['missing_field'], 'the bad frame, alone');
});

// Rows cross as one decoded text cut by UTF-16 lengths (wasm/session_cells.hpp):
// a string whose length in JavaScript differs from its bytes (é, an emoji's
// surrogate pair), that holds a NUL, or that starts with U+FEFF (which a
// decoder drops at the start of its input; a row's text is never there)
// must not shift the strings after it.
test('rows keep every character, and the strings after them stay in place', () => {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB] });
  const texts = ['\uFEFFstarts with a byte order mark', 'a NUL \u0000 inside', 'astral 👍🏽 and é', '\uFEFF', 'plain'];
  const eve = { id: 'eve', name: 'Ève 🎉' };
  const { events } = driver.receive({
    type: 'batch',
    frames: texts.map((text, i) => messageFrame(wireMessage(i + 1, otherId(i + 1), i % 2 ? eve : BOB, text))),
  });
  const rows = events.filter((e) => e.type === 'message').map((e) => e.message);
  const expected = texts.map((text, i) => ({
    id: otherId(i + 1), seq: i + 1, from: i % 2 ? eve : BOB, text, ts: wireMessage(i + 1, '', BOB, '').ts,
    own: false, state: 'sent',
  }));
  assert.deepEqual(rows, expected, 'as events');
  assert.deepEqual(driver.session.timeline(), expected, 'as the timeline');
  assert.deepEqual(driver.session.timelineLatest(2), { rows: expected.slice(3), atStart: false, atEnd: true });
  assert.deepEqual(events.at(-1), { type: 'unread_changed', count: 5, divider: otherId(1) },
    'the event after the rows is read whole');
});
