// Connection life cycle and errors as the UI sees them: events, never exceptions.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ANN, BOB, Driver, EPOCH, ROOM, START, lastOfType, loadRoomchat, messageFrame, ofType, otherId, presence, wireMessage,
} from './harness.mjs';

const roomchat = await loadRoomchat();

function online(options) {
  const driver = new Driver(roomchat);
  driver.connect(options);
  return driver;
}

test('an undecodable frame from the relay becomes an error event', () => {
  const driver = online();
  for (const [text, code] of [['{not json', 'malformed_json'], ['{"type":"teleport"}', 'unknown_type'],
    ['{"type":"ack","room":"lobby"}', 'missing_field']]) {
    const { events } = driver.call('receive', text);
    const error = lastOfType(events, 'error');
    assert.ok(error, `an error event for ${text}`);
    assert.equal(error.code, code);
    assert.equal(error.message, roomchat.errorMessage(code));
    assert.equal(typeof error.detail, 'string');
  }
  assert.equal(driver.session.state(), 'online', 'a bad frame does not drop the session');
});

test('a relay error frame reaches the UI with its detail', () => {
  const driver = online();
  const { events } = driver.receive({ type: 'error', code: 'not_joined', message: 'room "x" not joined' });
  assert.deepEqual(lastOfType(events, 'error'), {
    type: 'error', code: 'not_joined', message: roomchat.errorMessage('not_joined'), detail: 'room "x" not joined',
  });
});

test('a refused token closes the socket and waits offline for a new one', () => {
  const driver = new Driver(roomchat, { token: 'stale' });
  driver.call('start');
  driver.call('transportOpened');
  const refused = driver.receive({ type: 'error', code: 'token_expired', message: 'exp in the past' });
  assert.ok(lastOfType(refused.events, 'close_transport'), 'asks JS to close the socket');
  assert.deepEqual(lastOfType(refused.events, 'connection_changed'),
    { type: 'connection_changed', state: 'offline', reason: 'token_expired', via: 'websocket' });
  assert.equal(driver.session.nextDeadline(), null, 'no reconnect timer without a new token');

  const renewed = driver.call('setToken', 'fresh');
  assert.ok(lastOfType(renewed.events, 'open_transport'), 'a new token reconnects');
  const { auth } = driver.handshake();
  assert.equal(auth.token, 'fresh');
  assert.equal(driver.session.state(), 'online');
});

test('where WebSockets never open, the session asks for HTTP requests and takes their answers', () => {
  const driver = new Driver(roomchat);
  driver.call('start');
  driver.call('transportClosed');
  driver.fireTimer();
  driver.call('transportClosed');
  const fallback = driver.fireTimer();
  assert.equal(lastOfType(fallback.events, 'connection_changed').via, 'http');
  const join = lastOfType(fallback.events, 'http_request');
  assert.deepEqual(join, { type: 'http_request', id: join.id, method: 'GET', target: `api/rooms/${ROOM}/messages`, token: 'token-ann' });
  const page = { type: 'history', room: ROOM, epoch: EPOCH, mode: 'latest', messages: [], truncated: false, has_more: false };
  const joined = driver.call('httpResponse', join.id, 200, JSON.stringify(page));
  assert.equal(driver.session.state(), 'online');
  const poll = lastOfType(joined.events, 'http_request');
  assert.match(poll.target, /\?after=0&wait_ms=25000$/);

  const sent = driver.call('send', 'over http');
  const post = lastOfType(sent.events, 'http_request');
  assert.equal(post.method, 'POST');
  assert.equal(JSON.parse(post.body).text, 'over http');
  // An id the session never gave, or no number at all, answers nothing.
  for (const id of [0, -1, 1.5, 2 ** 32, NaN]) driver.call('httpResponse', id, 0, '');
  assert.equal(driver.session.state(), 'online');
  const lost = driver.call('httpResponse', poll.id, 0, '');
  assert.deepEqual(ofType(lost.events, 'http_abort'), [{ type: 'http_abort', id: post.id }]);
  assert.equal(driver.session.state(), 'reconnecting');
});

test('network offline closes the socket; back online reconnects at once', () => {
  const driver = online();
  const down = driver.call('networkChanged', false);
  assert.ok(lastOfType(down.events, 'close_transport'));
  assert.equal(lastOfType(down.events, 'connection_changed').state, 'offline');
  assert.equal(driver.session.state(), 'offline');

  const up = driver.call('networkChanged', true);
  assert.ok(lastOfType(up.events, 'open_transport'));
  assert.equal(lastOfType(up.events, 'connection_changed').state, 'connecting');
});

test('presence frames update the member list', () => {
  const driver = online({ members: [ANN] });
  const joined = driver.receive(presence('join', BOB, 2));
  assert.deepEqual(lastOfType(joined.events, 'presence_changed').members.map((m) => m.id).sort(), ['ann', 'bob']);
  assert.equal(lastOfType(joined.events, 'presence_changed').count, 2);
  const left = driver.receive(presence('leave', BOB, 1));
  assert.deepEqual(lastOfType(left.events, 'presence_changed').members, [ANN]);
  assert.equal(lastOfType(left.events, 'presence_changed').count, 1);
});

test('a relay that restarted is a new epoch: the timeline starts over, pending messages go out again', () => {
  const driver = online();
  driver.receive(messageFrame(wireMessage(1, otherId(1), BOB, 'before the restart')));
  driver.call('transportClosed');
  const typed = driver.call('send', 'typed while the relay was down');
  driver.fireTimer();  // reconnect
  const { join, events, frames } = driver.handshake({ epoch: 'fedcba9876543210', backlog: [] });
  assert.equal(join.since, 1);
  assert.equal(join.epoch, EPOCH, 'the join names the epoch its since counts in');
  assert.deepEqual(ofType(events, 'timeline_reset'), [{ type: 'timeline_reset', reason: 'epoch_changed' }]);
  const resent = frames.filter((f) => f.type === 'send');
  assert.deepEqual(resent.map((f) => f.id), [typed.value.id], 'the same id, into the new sequence');
  assert.deepEqual(driver.session.timeline().map((m) => m.id), [typed.value.id]);
});

test('token_expiring comes ahead of the expiry, once', () => {
  const driver = online();
  const refreshAt = START + 3_600_000 - 60_000;
  assert.equal(driver.session.nextDeadline(), refreshAt);
  const fired = driver.fireTimer();
  assert.deepEqual(ofType(fired.events, 'token_expiring'), [{ type: 'token_expiring', expiresAt: START + 3_600_000 }]);
  assert.equal(driver.session.nextDeadline(), null);
});

test('stop closes the socket and the session stays quiet', () => {
  const driver = online();
  const stopped = driver.call('stop');
  assert.equal(ofType(stopped.events, 'close_transport').length, 1);
  assert.equal(driver.session.state(), 'offline');
  assert.equal(driver.session.nextDeadline(), null);
  driver.session.delete();
});
