// Text rules and the rate limit, explained before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Driver, ack, lastOfType, loadRoomchat, nack, ofType } from './harness.mjs';

const roomchat = await loadRoomchat();

function online(options) {
  const driver = new Driver(roomchat);
  driver.connect(options);
  return driver;
}

const rejected = [
  ['empty_text', '   \n\t '],
  ['text_too_long', 'x'.repeat(501)],
  ['control_character', 'bell \u0007 rings'],
];

for (const [code, text] of rejected) {
  test(`send refuses ${code} with a readable message and changes nothing`, () => {
    const driver = online();
    const refused = driver.call('send', text);
    assert.deepEqual(refused.value, { ok: false, code, message: roomchat.errorMessage(code) });
    assert.notEqual(refused.value.message, '');
    assert.deepEqual(refused.frames, []);
    assert.deepEqual(refused.events, []);
    assert.deepEqual(driver.session.timeline(), []);
  });
}

test('validate explains the send button and feeds the character counter', () => {
  const driver = online();
  const { session } = driver;
  const { now } = driver;
  assert.deepEqual(session.validate('héllo 👋', now), { ok: true, codePoints: 7, maxCodePoints: 500, waitMs: 0 });
  assert.deepEqual(session.validate('', now), {
    ok: false, codePoints: 0, maxCodePoints: 500, waitMs: 0, code: 'empty_text', message: roomchat.errorMessage('empty_text'),
  });
  const long = session.validate('é'.repeat(501), now);
  assert.equal(long.ok, false);
  assert.equal(long.code, 'text_too_long');
  assert.equal(long.codePoints, 501);
  assert.equal(session.validate('é'.repeat(500), now).ok, true);
});

// Text goes into the module as the browser's TextEncoder writes it, as a
// WebSocket would send it: a lone surrogate is U+FFFD, and what follows it stays.
test('a lone surrogate in text is sent as U+FFFD and keeps the characters after it', () => {
  const driver = online();
  assert.equal(driver.session.validate('a\uD800b', driver.now).codePoints, 3);
  const sent = driver.call('send', 'a\uD800b\uDC00');
  assert.equal(sent.value.ok, true);
  assert.equal(lastOfType(sent.frames, 'send').text, 'a\uFFFDb\uFFFD');
});

test('the limits of the relay welcome replace the defaults', () => {
  const driver = online({ maxText: 10 });
  assert.equal(driver.session.validate('0123456789', driver.now).ok, true);
  assert.deepEqual(driver.session.validate('0123456789a', driver.now).code, 'text_too_long');
  assert.equal(driver.session.validate('abc', driver.now).maxCodePoints, 10);
  assert.equal(driver.call('send', '0123456789a').value.code, 'text_too_long');
});

test('over the rate limit the message is held, the UI is warned and it goes out later', () => {
  const driver = online({ rate: { burst: 2, refillMs: 1000 } });
  const ids = [];
  for (const text of ['one', 'two']) {
    const sent = driver.call('send', text);
    ids.push(sent.value.id);
    assert.equal(sent.frames.filter((f) => f.type === 'send').length, 1);
    driver.receive(ack(sent.value.id, ids.length));
  }
  assert.equal(driver.session.rateWaitMs(driver.now) > 0, true);
  // Meanwhile the composer says why, and for how long, in the core's words.
  const waiting = driver.session.validate('three', driver.now);
  assert.equal(waiting.ok, false);
  assert.equal(waiting.code, 'rate_limited');
  assert.equal(waiting.waitMs, driver.session.rateWaitMs(driver.now));
  assert.match(waiting.message, /^You are sending too fast\. You can send again in 1 s\.$/);
  assert.equal(driver.session.validate('  three \n', driver.now).codePoints, 5, 'the counter counts what would be sent');
  assert.equal(driver.session.validate('x'.repeat(501), driver.now).code, 'text_too_long', "the text's own fault first");

  const held = driver.call('send', 'three');
  assert.equal(held.value.ok, true, 'the message is accepted, only delayed');
  assert.deepEqual(held.frames.filter((f) => f.type === 'send'), []);
  const warning = lastOfType(held.events, 'rate_limited');
  assert.ok(warning, 'the UI is told to slow down');
  assert.ok(warning.retryAt > driver.now && warning.retryAt <= driver.now + 1000);
  assert.equal(lastOfType(held.events, 'message').message.state, 'queued');

  const released = driver.fireTimer();
  assert.ok(driver.now >= warning.retryAt);
  assert.deepEqual(released.frames.filter((f) => f.type === 'send').map((f) => f.id), [held.value.id]);
});

test('a rate_limited nack holds the message and resends it with the same id', () => {
  const driver = online();
  const { id } = driver.call('send', 'hurry').value;
  const refused = driver.receive(nack(id, 'rate_limited', 1500));
  const warning = lastOfType(refused.events, 'rate_limited');
  assert.ok(warning, 'the UI is told to slow down');
  assert.equal(warning.retryAt, driver.now + 1500);
  assert.notEqual(lastOfType(refused.events, 'message').message.state, 'failed');

  const resent = driver.fireTimer();
  assert.ok(driver.now >= warning.retryAt);
  assert.deepEqual(resent.frames.filter((f) => f.type === 'send').map((f) => f.id), [id]);
  assert.equal(ofType(resent.events, 'message').some((e) => e.message.state === 'failed'), false);
});
