// The example host (examples/flask-host) as it is deployed: the relay without
// dev auth, trusting only tokens signed with the secret it shares with the
// Flask app, and the Flask app on another origin that the relay allows.
// Chromium logs in through the app's form and chats on its watch page.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { banner, launchBrowser, messages, screenshot, send, sleep, startRelay, waitForMessage, waitOnline } from '../browser/support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const APP = path.resolve(here, '../../examples/flask-host/app.py');
// Debian's interpreter, which sees python3-flask and python3-jwt; a pyenv or
// virtualenv python3 earlier on PATH would not.
const PYTHON = process.env.ROOMCHAT_PYTHON || '/usr/bin/python3';
// Short, so that the chat asks for a fresh token every few seconds (at half
// the token's remaining life) and a refresh after logout comes quickly.
const TOKEN_TTL_SECONDS = 8;
// examples/flask-host/example_config.py
const PASSWORDS = { ann: 'ann-example-password', bob: 'bob-example-password', carol: 'carol-example-password' };

// ---- the Flask app -----------------------------------------------------------

// The relay must know the app's origin before the app starts (it needs the
// relay's URL), so the app gets a port that was free a moment ago.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startFlask({ port, relayUrl, secretFile }) {
  const args = [APP, '--port', String(port), '--relay-url', relayUrl, '--jwt-secret-file', secretFile];
  const env = { ...process.env, CHAT_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS) };
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = `http://127.0.0.1:${port}/`;
  // Up when it answers (its listening line comes just before it does).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const gone = await Promise.race([exited, sleep(200).then(() => null)]);
    if (gone !== null) throw new Error(`the Flask app exited (${gone}) before answering:\n${output}`);
    const answered = await fetch(`${url}login`).then((r) => r.ok, () => false);
    if (answered) break;
    if (Date.now() > deadline) throw new Error(`the Flask app did not answer within 20 s:\n${output}`);
  }
  return {
    url,
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- one relay, one Flask app and one browser for the file ---------------------

const shared = { relay: null, flask: null, browser: null, secretDir: null };

before(async () => {
  shared.secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roomchat-flask-host-'));
  const secretFile = path.join(shared.secretDir, 'jwt-secret');
  fs.writeFileSync(secretFile, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const port = await freePort();
  shared.relay = await startRelay(
    ['--jwt-secret-file', secretFile, '--allowed-origins', `http://127.0.0.1:${port}`, '--rate-burst', '100'],
    { devAuth: false },
  );
  shared.flask = await startFlask({ port, relayUrl: shared.relay.url, secretFile });
  shared.browser = await launchBrowser();
});

after(async () => {
  await shared.browser?.close();
  await shared.flask?.stop();
  await shared.relay?.stop();
  if (shared.secretDir) fs.rmSync(shared.secretDir, { recursive: true, force: true });
});

// ---- helpers -----------------------------------------------------------------

// A person in their own browser context (cookie jar), on the party's watch
// page via the login form it redirects to. `submitted` is when the form went.
async function logIn(user) {
  const context = await shared.browser.newContext({
    viewport: { width: 1000, height: 600 },
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const person = { user, context, page, pageErrors: [], submitted: 0 };
  page.on('pageerror', (error) => person.pageErrors.push(error.message));
  await page.goto(`${shared.flask.url}watch/party`);
  assert.match(page.url(), /\/login\?next=/, 'signed out, the watch page sends you to the login form');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(PASSWORDS[user]);
  person.submitted = performance.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/watch\/party$/);
  return person;
}

function isTokenRequest(response) {
  return new URL(response.url()).pathname === '/chat-token';
}

// The claims of a JWT, unverified: what the token endpoint put in it.
function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

function diagnostics() {
  return `\n--- flask ---\n${shared.flask?.log()}\n--- relay ---\n${shared.relay?.log()}`;
}

// ---- tests ---------------------------------------------------------------------

test('two guests log in through the Flask app and chat both ways', async () => {
  const ann = await logIn('ann');
  await waitOnline(ann.page);
  console.log(`ann: login submitted → chat online: ${Math.round(performance.now() - ann.submitted)} ms`);
  const hello = `hello from ann ${process.pid}`;
  await send(ann.page, hello);
  await waitForMessage(ann.page, hello, { state: 'sent' });

  // Bob's first message shown is Ann's, from the room's history on join.
  const bob = await logIn('bob');
  await waitForMessage(bob.page, hello, { timeout: 15_000 }).catch((error) => {
    throw new Error(`${error.message}${diagnostics()}`);
  });
  const loginToFirstMessage = Math.round(performance.now() - bob.submitted);
  console.log(`bob: login submitted → first message shown: ${loginToFirstMessage} ms`);

  const reply = `hi ann, bob here ${process.pid}`;
  await send(bob.page, reply);
  await waitForMessage(ann.page, reply);
  await waitForMessage(bob.page, reply, { state: 'sent' });

  // The names come from the app's user table, through the tokens it signed (one's own
  // messages say "You").
  const timeline = async (person) => (await messages(person.page)).filter((m) => !m.system).map((m) => `${m.author}: ${m.text}`);
  assert.deepEqual(await timeline(ann), [`You: ${hello}`, `Bob: ${reply}`], 'ann sees both messages');
  assert.deepEqual(await timeline(bob), [`Ann: ${hello}`, `You: ${reply}`], 'bob sees both messages');
  assert.deepEqual([...ann.pageErrors, ...bob.pageErrors], [], 'no page errors');

  // The watch page as the host shows it, in both colour schemes, with the clip at 0:12.
  await ann.page.evaluate(async () => {
    const video = /** @type {HTMLVideoElement} */ (document.getElementById('player'));
    if (video.readyState < 1) await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
    video.currentTime = 12;
    await new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
  });
  await screenshot(ann.page, 'example-watch-light');
  await ann.page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(ann.page, 'example-watch-dark');

  await ann.context.close();
  await bob.context.close();
});

// Puts the person's video at `seconds` and waits until it is there.
function seekVideo(person, seconds) {
  return person.page.evaluate(async (to) => {
    const video = /** @type {HTMLVideoElement} */ (document.getElementById('player'));
    if (video.readyState < 1) await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
    const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
    video.currentTime = to;
    await seeked;
  }, seconds);
}

const videoTime = (person) => person.page.evaluate(() => /** @type {HTMLVideoElement} */ (document.getElementById('player')).currentTime);

test('a message is anchored where the sender\'s video was, and clicking that takes the reader there', async () => {
  const ann = await logIn('ann');
  const bob = await logIn('bob');
  await waitOnline(ann.page);
  await waitOnline(bob.page);
  await seekVideo(ann, 12.4);
  const text = `what a goal ${process.pid}`;
  await send(ann.page, text);
  await waitForMessage(ann.page, text, { state: 'sent' });
  await waitForMessage(bob.page, text);

  const seekButton = bob.page.locator('.rc-list > li', { hasText: text }).getByRole('button', { name: 'at 0:12' });
  assert.equal(await seekButton.textContent(), 'at 0:12');
  assert.ok((await videoTime(bob)) < 1, 'bob has not moved yet');
  await seekButton.click();
  await bob.page.waitForFunction(() => Math.abs(/** @type {HTMLVideoElement} */ (document.getElementById('player')).currentTime - 12.4) < 0.01);
  // Ann's own row shows it too, and a message sent at 0:00 is anchored at 0:00, not left bare.
  await ann.page.locator('.rc-list > li', { hasText: text }).getByRole('button', { name: 'at 0:12' }).waitFor();
  await seekVideo(bob, 0);
  const atStart = `from the start ${process.pid}`;
  await send(bob.page, atStart);
  await ann.page.locator('.rc-list > li', { hasText: atStart }).getByRole('button', { name: 'at 0:00' }).waitFor();
  assert.deepEqual([...ann.pageErrors, ...bob.pageErrors], []);
  await ann.context.close();
  await bob.context.close();
});

// The system rows a person's page shows, as text.
const notices = async (person) => (await messages(person.page)).filter((m) => m.system).map((m) => m.text);

test('the host speaks in the room: a guest joining and a pause are notices, anchored, at every guest', async () => {
  const ann = await logIn('ann');
  await waitOnline(ann.page);
  // Earlier tests left their own join notices in the room: this one must add one more.
  const joined = async () => (await notices(ann)).filter((text) => text === 'Bob joined the watch party').length;
  const joinedBefore = await joined();
  const bob = await logIn('bob');
  await waitOnline(bob.page);
  await ann.page.waitForFunction(
    (count) => [...document.querySelectorAll('.rc-list > li.rc-system .rc-text')].filter((t) => t.textContent === 'Bob joined the watch party').length > count,
    joinedBefore,
  );

  // Ann plays the clip for a moment and pauses: both become notices where they happened.
  await ann.page.evaluate(async () => {
    const video = /** @type {HTMLVideoElement} */ (document.getElementById('player'));
    video.muted = true;  // headless Chromium plays muted media without a gesture
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    video.pause();
  });
  const paused = bob.page.locator('.rc-list > li.rc-system', { hasText: 'Ann paused at 0:01' }).last();
  await paused.waitFor();
  await paused.getByRole('button', { name: 'at 0:01' }).click();
  await bob.page.waitForFunction(() => Math.abs(/** @type {HTMLVideoElement} */ (document.getElementById('player')).currentTime - 1) < 1);
  assert.ok((await notices(bob)).some((text) => text.startsWith('Ann pressed play at 0:00')));

  // The words are the backend's, from the session's user: a guest's report names only its action.
  const forged = await bob.context.request.post(`${shared.flask.url}watch/party/player`, {
    data: { action: 'pause', at: 7, text: 'Carol paused at 9:99', user: 'carol' },
  });
  assert.equal(forged.status(), 204);
  await ann.page.locator('.rc-list > li.rc-system', { hasText: 'Bob paused at 0:07' }).last().waitFor();
  assert.ok(!(await notices(ann)).some((text) => text.includes('Carol')));
  for (const data of [{ action: 'rewind', at: 7 }, { action: 'pause', at: 1e306 }, { action: 'pause', at: -1 }]) {
    const bad = await bob.context.request.post(`${shared.flask.url}watch/party/player`, { data });
    assert.equal(bad.status(), 400, JSON.stringify(data));
  }
  const tooSoon = await bob.context.request.post(`${shared.flask.url}watch/party/player`, { data: { action: 'play', at: 7 } });
  assert.equal(tooSoon.status(), 429, 'one player notice per guest a second');
  assert.deepEqual([...ann.pageErrors, ...bob.pageErrors], []);
  await ann.context.close();
  await bob.context.close();
});

test('after logout the token endpoint answers 401 and the chat cannot renew its token', async () => {
  const ann = await logIn('ann');
  await waitOnline(ann.page);

  // Signed in, the chat renews its short token through onTokenExpired.
  const renewal = await ann.page.waitForResponse(isTokenRequest, { timeout: (TOKEN_TTL_SECONDS + 5) * 1000 });
  assert.equal(renewal.status(), 200, 'a signed-in renewal gets a token');
  await waitOnline(ann.page);

  // Signing out (as another tab of the same browser would) clears the session cookie.
  const loggedOut = await ann.context.request.post(`${shared.flask.url}logout`);
  assert.ok(loggedOut.ok(), `logout: HTTP ${loggedOut.status()}`);
  const direct = await ann.context.request.get(`${shared.flask.url}chat-token?room=party`);
  assert.equal(direct.status(), 401, 'no token without a session');

  // The chat's next renewal is refused, and the chat says so.
  const refused = await ann.page.waitForResponse(isTokenRequest, { timeout: (TOKEN_TTL_SECONDS + 5) * 1000 });
  assert.equal(refused.status(), 401, 'the renewal after logout gets no token');
  assert.equal(typeof (await refused.json()).error, 'string');
  await banner(ann.page, 'could not be renewed').waitFor({ timeout: 5000 });

  // Once the last token runs out the relay drops the connection: the chat is no longer online.
  await ann.page
    .locator('.rc-chat:not([data-connection="online"])')
    .waitFor({ timeout: (TOKEN_TTL_SECONDS + 15) * 1000 });
  const said = (await banner(ann.page, 'could not be renewed').first().textContent()).trim();
  const state = await ann.page.locator('.rc-chat').getAttribute('data-connection');
  console.log(`after logout the chat says "${said}" and is ${state}`);
  await screenshot(ann.page, 'example-watch-logged-out');
  assert.deepEqual(ann.pageErrors, []);
  await ann.context.close();
});

test('tokens are minted only for a room the signed-in user may join', async () => {
  const base = shared.flask.url;

  // Signed out: 401, whichever room.
  const anonymous = await shared.browser.newContext();
  for (const room of ['party', 'book-club']) {
    const response = await anonymous.request.get(`${base}chat-token?room=${room}`);
    assert.equal(response.status(), 401, `signed out, room ${room}`);
    assert.equal((await response.json()).token, undefined);
  }
  const wrongPassword = await anonymous.request.post(`${base}login`, { form: { username: 'carol', password: 'guess' } });
  assert.equal(wrongPassword.status(), 401, 'a wrong password does not sign in');
  assert.equal((await anonymous.request.get(`${base}chat-token?room=book-club`)).status(), 401);
  await anonymous.close();

  // Carol is signed in, but only a guest of book-club.
  const carol = await shared.browser.newContext();
  const login = await carol.request.post(`${base}login`, { form: { username: 'carol', password: PASSWORDS.carol } });
  assert.ok(login.ok(), `carol logs in: HTTP ${login.status()}`);
  assert.match(login.url(), /\/watch\/book-club$/, 'after login carol lands on her own room');

  const own = await carol.request.get(`${base}chat-token?room=book-club`);
  assert.equal(own.status(), 200);
  const { token } = await own.json();
  const claims = claimsOf(token);
  assert.deepEqual(
    { sub: claims.sub, name: claims.name, room: claims.room },
    { sub: 'carol', name: 'Carol', room: ['book-club'] },
  );
  const lifetime = claims.exp - Date.now() / 1000;
  assert.ok(lifetime > 0 && lifetime <= TOKEN_TTL_SECONDS + 1, `short expiry: ${lifetime} s`);

  // The party's room is refused with a JSON message, however it is asked for; any token the
  // endpoint does hand out names carol's own room and nothing else.
  const refusedQueries = ['room=party', 'room=*', 'room=book-club,party', 'room=party&room=book-club', 'room=', ''];
  for (const query of [...refusedQueries, 'room=book-club&room=party']) {
    const response = await carol.request.get(`${base}chat-token?${query}`);
    const body = await response.json();
    if (refusedQueries.includes(query)) {
      assert.equal(response.status(), 403, `?${query} is refused`);
      assert.equal(typeof body.error, 'string', `?${query} says why`);
      assert.equal(body.token, undefined);
    } else {
      assert.equal(response.status(), 200, `?${query}`);
      assert.deepEqual(claimsOf(body.token).room, ['book-club'], `?${query} mints only carol's room`);
    }
  }
  const page = await carol.request.get(`${base}watch/party`);
  assert.equal(page.status(), 403, "carol cannot open the party's watch page");

  // The relay agrees: carol's token reads book-club's history and not the party's.
  const history = (room) =>
    fetch(`${shared.relay.url}api/rooms/${room}/messages?limit=1`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await history('book-club')).status, 200, 'the relay accepts the token Flask signed');
  assert.equal((await history('party')).status, 403, 'the relay refuses the party to carol');
  await carol.close();
});

test('the login form sends nobody off the site, however ?next= is written', async () => {
  const context = await shared.browser.newContext();
  for (const next of ['https://evil.example/', '//evil.example', '/\\evil.example', '/\t/evil.example', '/%09/x', 'watch/party']) {
    const response = await context.request.post(`${shared.flask.url}login`, {
      form: { username: 'ann', password: PASSWORDS.ann, next },
      maxRedirects: 0,
    });
    assert.equal(response.status(), 302, next);
    const location = new URL(response.headers().location, shared.flask.url);
    assert.equal(location.origin, new URL(shared.flask.url).origin, `next=${JSON.stringify(next)} went to ${location}`);
  }
  await context.close();
});
