// Every error code crosses the boundary: the ErrorCode union of roomchat.d.ts is
// written by hand, so it is checked here against the codes the module itself
// lists (errorCodes(), from errc.hpp), in both directions. A code added to the
// core and forgotten in the d.ts fails here, and so does one left behind.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadRoomchat } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const roomchat = await loadRoomchat();

// The string literals of `export type ErrorCode = 'a' | 'b' | ...;`.
function declaredErrorCodes() {
  const dts = fs.readFileSync(path.resolve(here, '../../wasm/roomchat.d.ts'), 'utf8');
  const union = /export type ErrorCode\s*=([^;]*);/.exec(dts);
  assert.ok(union, 'roomchat.d.ts declares `export type ErrorCode = ...;`');
  const body = union[1].replace(/\/\/[^\n]*/g, '');
  const members = body.split('|').map((member) => member.trim()).filter((member) => member !== '');
  for (const member of members) assert.match(member, /^'[a-z0-9_]+'$/, 'each member is a quoted code');
  return members.map((member) => member.slice(1, -1));
}

const moduleCodes = roomchat.errorCodes();
const declared = declaredErrorCodes();

test('the module lists its codes once each, as snake_case wire names', () => {
  assert.ok(moduleCodes.length >= 30, `only ${moduleCodes.length} codes`);
  assert.equal(new Set(moduleCodes).size, moduleCodes.length);
  for (const code of moduleCodes) assert.match(code, /^[a-z][a-z0-9_]*$/);
  assert.equal(moduleCodes[0], 'empty_text', 'the first enumerator of errc.hpp');
});

test('the ErrorCode union names each code once', () => {
  assert.equal(new Set(declared).size, declared.length);
});

test('every code of the module is in the ErrorCode union', () => {
  const missing = moduleCodes.filter((code) => !declared.includes(code));
  assert.deepEqual(missing, [], 'add these to ErrorCode in wasm/roomchat.d.ts');
});

test('every code of the ErrorCode union is one the module has', () => {
  const unknown = declared.filter((code) => !moduleCodes.includes(code));
  assert.deepEqual(unknown, [], 'the core has no such codes: remove them from ErrorCode in wasm/roomchat.d.ts');
});

test('errorMessage gives a distinct readable sentence for every code', () => {
  const messages = moduleCodes.map((code) => roomchat.errorMessage(code));
  for (const [i, message] of messages.entries()) {
    assert.match(message, /^[A-Z].*[.!]$/, `${moduleCodes[i]}: "${message}"`);
    assert.ok(!message.includes('_'), `${moduleCodes[i]} reads as prose, not as the code`);
  }
  assert.equal(new Set(messages).size, moduleCodes.length);
});
