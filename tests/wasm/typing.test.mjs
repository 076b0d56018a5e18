// Typing through the module's API: composing() puts typing frames on the
// wire, typist frames from the relay become typing_changed events.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ANN, BOB, Driver, ROOM, lastOfType, loadRoomchat } from './harness.mjs';

const roomchat = await loadRoomchat();
const CY = { id: 'cy', name: 'Cy' };
const typist = (user, active) => ({ type: 'typist', room: ROOM, user, active });

function online() {
  const driver = new Driver(roomchat);
  driver.connect({ members: [ANN, BOB, CY] });
  return driver;
}

test('composing says typing on the first key, again after 3 s, and stopped when cleared', () => {
  const driver = online();
  assert.deepEqual(driver.call('composing', true).frames, [{ type: 'typing', room: ROOM, active: true }]);
  driver.now += 1000;
  assert.deepEqual(driver.call('composing', true).frames, []);
  driver.now += 2000;
  assert.deepEqual(driver.call('composing', true).frames, [{ type: 'typing', room: ROOM, active: true }]);
  assert.deepEqual(driver.call('composing', false).frames, [{ type: 'typing', room: ROOM, active: false }]);
  assert.deepEqual(driver.call('composing', false).frames, []);
});

test('typist frames become typing_changed with the users in the order they started', () => {
  const driver = online();
  driver.receive(typist(BOB, true));
  const both = driver.receive(typist(CY, true));
  assert.deepEqual(lastOfType(both.events, 'typing_changed'), { type: 'typing_changed', users: [BOB, CY] });
  const stopped = driver.receive(typist(BOB, false));
  assert.deepEqual(lastOfType(stopped.events, 'typing_changed'), { type: 'typing_changed', users: [CY] });
  driver.now += 6000;
  const quiet = driver.call('onTimer');
  assert.deepEqual(lastOfType(quiet.events, 'typing_changed'), { type: 'typing_changed', users: [] },
    'not heard from for 6 s');
});
