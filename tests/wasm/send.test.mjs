// Own messages: local echo, ack, resend with the same id, failure and retry.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ANN, BOB, Driver, ack, lastOfType, loadRoomchat, messageFrame, nack, ofType, otherId, wireMessage,
} from './harness.mjs';

const roomchat = await loadRoomchat();

function online() {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB] });
  return driver;
}

const sendFrames = (frames) => frames.filter((f) => f.type === 'send');
const messageEvents = (events, id) => ofType(events, 'message').filter((e) => e.message.id === id);

test('send echoes the message as sending, then the ack marks it sent', () => {
  const driver = online();
  const sent = driver.call('send', '  hello there  ');
  assert.equal(sent.value.ok, true);
  const { id } = sent.value;
  assert.deepEqual(sendFrames(sent.frames), [{ type: 'send', room: 'lobby', id, text: 'hello there' }]);
  const echo = messageEvents(sent.events, id).at(-1).message;
  assert.equal(echo.state, 'sending');
  assert.equal(echo.own, true);
  assert.equal(echo.seq, 0);
  assert.equal(echo.text, 'hello there');
  assert.deepEqual(echo.from, ANN);

  const acked = driver.receive(ack(id, 1, driver.now + 5));
  const confirmed = messageEvents(acked.events, id).at(-1).message;
  assert.equal(confirmed.state, 'sent');
  assert.equal(confirmed.seq, 1);
  assert.equal(confirmed.ts, driver.now + 5, 'relay time replaces local time');
  assert.equal(confirmed.failure, undefined);
  assert.deepEqual(driver.session.timeline().map((m) => [m.id, m.state, m.seq]), [[id, 'sent', 1]]);
});

test('the relay echo of an acknowledged message does not duplicate it', () => {
  const driver = online();
  const { id } = driver.call('send', 'once').value;
  driver.receive(ack(id, 1));
  driver.receive(messageFrame(wireMessage(1, id, ANN, 'once')));
  driver.receive(messageFrame(wireMessage(2, otherId(2), BOB, 'reply')));
  assert.deepEqual(driver.session.timeline().map((m) => [m.seq, m.text]), [[1, 'once'], [2, 'reply']]);
});

test('a message from others that arrives while ours is pending is placed before it', () => {
  const driver = online();
  const { id } = driver.call('send', 'mine').value;
  const arrived = driver.receive(messageFrame(wireMessage(1, otherId(1), BOB, 'theirs')));
  const placed = messageEvents(arrived.events, otherId(1)).at(-1);
  assert.equal(placed.before, id, 'sequenced messages go above pending ones');
  const acked = driver.receive(ack(id, 2));
  assert.equal(messageEvents(acked.events, id).at(-1).before, undefined, 'the newest message goes last');
  assert.deepEqual(driver.session.timeline().map((m) => m.seq), [1, 2]);
});

test('an unacknowledged message is resent with the same id and shown once', () => {
  const driver = online();
  const { id } = driver.call('send', 'are you there?').value;
  assert.ok(driver.session.nextDeadline() > driver.now, 'a resend is scheduled');

  const resent = driver.fireTimer();
  assert.deepEqual(sendFrames(resent.frames).map((f) => f.id), [id], 'the same id goes out again');

  // The relay got both copies; it dedupes and acks each with the same seq.
  driver.receive(ack(id, 1));
  const second = driver.receive(ack(id, 1));
  assert.deepEqual(sendFrames(second.frames), []);
  assert.deepEqual(driver.session.timeline().map((m) => [m.id, m.state, m.seq]), [[id, 'sent', 1]]);
  const later = driver.session.nextDeadline();
  if (later !== null) {
    assert.deepEqual(sendFrames(driver.fireTimer().frames), [], 'nothing is resent after the ack');
  }
});

test('after every attempt goes unanswered the message fails with no_ack; retry keeps its id', () => {
  const driver = online();
  const { id } = driver.call('send', 'lost').value;
  const attempts = [id];
  let failed;
  for (let i = 0; i < 20 && !failed; ++i) {
    // The relay is alive (it says something) but this ack never comes.
    driver.receive({ type: 'read_marker', room: 'lobby', seq: 0 });
    const fired = driver.fireTimer();
    attempts.push(...sendFrames(fired.frames).map((f) => f.id));
    failed = messageEvents(fired.events, id).find((e) => e.message.state === 'failed');
  }
  assert.ok(failed, 'the message ends failed');
  assert.ok(attempts.length >= 2 && attempts.every((a) => a === id), 'all attempts carried one id');
  assert.equal(failed.message.failure, 'no_ack');
  assert.equal(failed.message.failureMessage, roomchat.errorMessage('no_ack'));
  assert.notEqual(failed.message.failureMessage, '');

  const retried = driver.call('retry', id);
  assert.deepEqual(retried.value, { ok: true });
  assert.deepEqual(sendFrames(retried.frames).map((f) => f.id), [id]);
  assert.equal(messageEvents(retried.events, id).at(-1).message.state, 'sending');
  driver.receive(ack(id, 1));
  assert.deepEqual(driver.session.timeline().map((m) => [m.id, m.state]), [[id, 'sent']]);
});

test('retry refuses a malformed id and an id that is not a failed message', () => {
  const driver = online();
  const bad = driver.call('retry', 'not-an-id');
  assert.equal(bad.value.ok, false);
  assert.equal(bad.value.code, 'invalid_message_id');
  assert.equal(bad.value.message, roomchat.errorMessage('invalid_message_id'));
  assert.deepEqual(bad.frames, []);

  const unknown = driver.call('retry', otherId(7));
  assert.equal(unknown.value.ok, false);
  assert.deepEqual(unknown.frames, []);
});

test('a nack that is not retryable fails the message with the relay reason', () => {
  const driver = online();
  const { id } = driver.call('send', 'clash').value;
  const refused = driver.receive(nack(id, 'id_conflict'));
  const row = messageEvents(refused.events, id).at(-1).message;
  assert.equal(row.state, 'failed');
  assert.equal(row.failure, 'id_conflict');
  assert.equal(row.failureMessage, roomchat.errorMessage('id_conflict'));
});

test('messages typed while offline wait as queued and go out in order on connect', () => {
  const driver = new Driver(roomchat);
  driver.call('start');
  const first = driver.call('send', 'one');
  const second = driver.call('send', 'two');
  assert.deepEqual(first.frames, []);
  assert.equal(lastOfType(first.events, 'message').message.state, 'queued');
  assert.equal(lastOfType(second.events, 'message').message.state, 'queued');

  const { frames } = driver.handshake();
  assert.deepEqual(sendFrames(frames).map((f) => [f.id, f.text]),
    [[first.value.id, 'one'], [second.value.id, 'two']]);
});

test('a playback position in seconds goes out as media_ms and comes back on rows as mediaMs', () => {
  const driver = online();
  const sent = driver.session.send('the goal!', driver.now, 754.2509);
  const { frames, events } = driver.drain();
  assert.deepEqual(sendFrames(frames), [{ type: 'send', room: 'lobby', id: sent.id, text: 'the goal!', media_ms: 754_250 }]);
  assert.equal(messageEvents(events, sent.id).at(-1).message.mediaMs, 754_250);
  assert.equal(driver.session.pending()[0].mediaMs, 754_250);

  // A player with nothing loaded (NaN), a bad value, or no position: no stamp, and the message
  // still goes (the rate limit queues the later ones: their pending entries say what will go).
  for (const position of [NaN, -1, Infinity, '12', undefined]) {
    const plain = driver.session.send('no position', driver.now, position);
    assert.equal(plain.ok, true);
    const out = driver.drain();
    assert.equal(messageEvents(out.events, plain.id).at(-1).message.mediaMs, undefined, String(position));
    assert.equal(driver.session.pending().find((p) => p.id === plain.id).mediaMs, undefined);
    for (const frame of sendFrames(out.frames)) assert.equal(frame.media_ms, undefined);
  }

  const fromBob = driver.receive(messageFrame({ ...wireMessage(9, otherId(9), BOB, 'seen it'), media_ms: 12_000 }));
  assert.equal(messageEvents(fromBob.events, otherId(9)).at(-1).message.mediaMs, 12_000);
});

test('a host notice arrives as a system row', () => {
  const driver = online();
  const notice = { ...wireMessage(3, otherId(3), { id: 'watch-party', name: 'Watch party' }, 'Bob paused at 0:07'), system: true };
  const { events } = driver.receive(messageFrame(notice));
  const row = messageEvents(events, otherId(3)).at(-1).message;
  assert.equal(row.system, true);
  assert.equal(row.own, false);
  const plain = driver.receive(messageFrame(wireMessage(4, otherId(4), BOB, 'hi')));
  assert.equal(messageEvents(plain.events, otherId(4)).at(-1).message.system, undefined);
});
