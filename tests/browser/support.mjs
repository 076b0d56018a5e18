// Shared harness of the browser tests: starts the real relay (dev auth, an
// ephemeral loopback port, the built site), drives Debian's chromium through
// playwright-core, and reads the chat's state from its DOM.

import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { spawnRelay } from '../relay_process.mjs';
import { collectJsCoverage } from './js_coverage.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const require = createRequire(import.meta.url);

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const config = {
  relay: process.env.ROOMCHAT_RELAY,
  site: process.env.ROOMCHAT_SITE_DIR,
  screenshots: process.env.ROOMCHAT_SCREENSHOT_DIR || path.join(repoRoot, 'build/debug/screenshots'),
};

// Missing pieces fail the suite with a message saying what to build.
function checkEnvironment() {
  const problems = [];
  if (!config.relay) problems.push('ROOMCHAT_RELAY is not set (path of the roomchat-relay binary)');
  else if (!fs.existsSync(config.relay)) problems.push(`relay binary not found: ${config.relay} (build target roomchat_relay)`);
  if (!config.site) problems.push('ROOMCHAT_SITE_DIR is not set (build/wasm/site)');
  else {
    for (const file of ['index.html', 'widget.js', 'chat.css', 'roomchat.js', 'roomchat.wasm']) {
      if (!fs.existsSync(path.join(config.site, file))) {
        problems.push(`${path.join(config.site, file)} is missing (cmake --build --preset wasm)`);
      }
    }
  }
  if (!fs.existsSync(CHROMIUM)) problems.push(`${CHROMIUM} is missing (apt-get install chromium)`);
  if (problems.length > 0) throw new Error(`browser tests cannot run:\n  ${problems.join('\n  ')}`);
}

let playwright;
try {
  playwright = await import('playwright-core');
} catch (error) {
  throw new Error(`playwright-core is not installed: run "npm ci --prefix tests" (${error.message})`);
}
const AXE_SOURCE = (() => {
  try {
    return require.resolve('axe-core/axe.min.js');
  } catch (error) {
    throw new Error(`axe-core is not installed: run "npm ci --prefix tests" (${error.message})`);
  }
})();
checkEnvironment();

// ---- relay ----------------------------------------------------------------

// `extraArgs` may name a `--port` (to restart a relay where it was) and `env`
// a fixed ROOMCHAT_JWT_SECRET (so tokens outlive a restart). `devAuth: false`
// leaves out --dev-auth: then the only tokens are those signed with the
// secret that `extraArgs` or `env` give it (the host app's, as deployed).
export function startRelay(extraArgs = [], { env = {}, devAuth = true } = {}) {
  const port = extraArgs.includes('--port') ? [] : ['--port', '0'];
  const args = [...(devAuth ? ['--dev-auth'] : []), ...port, '--web-root', config.site, ...extraArgs];
  return spawnRelay(config.relay, args, { env });
}

// ---- one relay and one browser per test file ----------------------------------

// The relay's rate limits are raised so tests that chat quickly are not slowed
// down by them; a test about a limit starts its own relay. Both: the page's
// own limiter knows only the room's, and a send the relay refuses for the
// user's allowance over all rooms (10 back to back) makes the composer wait,
// holding the next message typed in it.
export const RELAXED_RELAY_ARGS = ['--rate-burst', '100', '--user-rate-burst', '100'];

// A reverse proxy in front of `relay`, listening on an ephemeral loopback port
// once `listening` resolves: every request goes on through `agent` (false: a
// connection each) after `onRequest(request)` has seen it. WebSocket upgrades
// are the caller's ('upgrade' event); without a listener Node drops them.
export function forwardingProxy(relay, { agent = false, onRequest = () => {} } = {}) {
  const upstream = new URL(relay.url);
  const server = http.createServer((request, response) => {
    onRequest(request);
    const forwarded = http.request(
      { host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers, agent },
      (answer) => {
        response.writeHead(answer.statusCode, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    request.pipe(forwarded);
  });
  const listening = new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, listening, url: () => `http://127.0.0.1:${server.address().port}` };
}

// Starts a relay and chromium before the file's first test and stops them
// after its last. The returned object holds `relay` and `browser` once
// started; `open(options)` is openChat against both.
export function useRelayAndBrowser(relayArgs = RELAXED_RELAY_ARGS) {
  const shared = {
    relay: null,
    browser: null,
    open: (options) => openChat(shared.browser, shared.relay, options),
  };
  before(async () => {
    shared.relay = await startRelay(relayArgs);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.relay?.stop();
  });
  return shared;
}

// ---- browser ----------------------------------------------------------------

// With ROOMCHAT_JS_COVERAGE_DIR set, its pages record V8 coverage of web/ (js_coverage.mjs).
export async function launchBrowser() {
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return collectJsCoverage(browser);
}

let roomCounter = 0;
export function uniqueRoom(label) {
  roomCounter += 1;
  return `${label}-${process.pid}-${roomCounter}`;
}

// One person: their own browser context (cookies, storage, network) and page,
// joined to `room` through the dev page's name form. `params` go into the dev
// page's query (e.g. { pending: 'local' }).
export async function openChat(
  browser,
  relay,
  { name, room, params = {}, colorScheme = 'light', viewport, beforeLoad } = {},
) {
  const context = await browser.newContext({
    viewport: viewport ?? { width: 420, height: 760 },
    colorScheme,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const person = { name, context, page, pageErrors: [], dialogs: [] };
  page.on('pageerror', (error) => person.pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    person.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  if (beforeLoad) await beforeLoad(page, context);
  await page.goto(devPageUrl(relay, room, params));
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Display name').press('Enter');
  await waitOnline(page);
  await page.locator('.rc-scroller > .rc-placeholder[role="status"]').waitFor({ state: 'hidden' });
  return person;
}

export function devPageUrl(relay, room, params = {}) {
  return `${relay.url}?${new URLSearchParams({ room, ...params })}`;
}

export function waitOnline(page, timeout = 15_000) {
  return page.locator('.rc-chat[data-connection="online"]').waitFor({ timeout });
}

export function messageInput(page) {
  return page.getByRole('textbox', { name: 'Message' });
}

export async function send(page, text) {
  const input = messageInput(page);
  await input.fill(text);
  await input.press('Enter');
}

// The timeline as shown: one entry per row, in DOM order.
export function messages(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.rc-list > li')].map((li) => ({
      id: li.dataset.id,
      seq: Number(li.dataset.seq),
      state: li.dataset.state,
      own: li.classList.contains('rc-own'),
      system: li.classList.contains('rc-system'),
      author: li.querySelector('.rc-author').textContent,
      text: li.querySelector('.rc-text').textContent,
    })),
  );
}

// The connection banner (or the error strip) showing `text`.
export function banner(page, text) {
  return page.locator('.rc-banner', { hasText: text });
}

export function rowWithText(page, text) {
  return page.locator('.rc-list > li').filter({ has: page.locator('.rc-text', { hasText: text }) });
}

// Waits until a row shows exactly `text` (and, when given, in `state`).
export function waitForMessage(page, text, { state, timeout = 10_000 } = {}) {
  return page.waitForFunction(
    ([wanted, wantedState]) =>
      [...document.querySelectorAll('.rc-list > li')].some(
        (li) => li.querySelector('.rc-text').textContent === wanted && (!wantedState || li.dataset.state === wantedState),
      ),
    [text, state],
    { timeout },
  );
}

// The time of the page's next keydown, read from the browser's clock (one
// machine, one clock for every page): recordNextKeydown before the keys,
// nextKeydownAt after.
export function recordNextKeydown(page) {
  return page.evaluate(() => {
    document.addEventListener(
      'keydown',
      () => {
        window.__keydownAt = performance.timeOrigin + performance.now();
      },
      { capture: true, once: true },
    );
  });
}

export function nextKeydownAt(page) {
  return page.evaluate(() => window.__keydownAt);
}

// When the typing line (.rc-typing) reads `text` ('' : hidden), on the page's
// clock: watchTypingLine before what should change it, typingLineAt after.
export function watchTypingLine(page, text) {
  return page.evaluate((wanted) => {
    window.__typingLineAt = new Promise((resolve) => {
      const line = document.querySelector('.rc-typing');
      const check = () => {
        if (wanted === '' ? line.hidden : !line.hidden && line.textContent === wanted) {
          observer.disconnect();
          resolve(performance.timeOrigin + performance.now());
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(line, { attributes: true, childList: true, characterData: true, subtree: true });
      check();
    });
  }, text);
}

export function typingLineAt(page) {
  return page.evaluate(() => window.__typingLineAt);
}

export function countText(list, text) {
  return list.filter((m) => m.text === text).length;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- evidence: screenshots and accessibility audits --------------------------

export async function screenshot(page, name) {
  fs.mkdirSync(config.screenshots, { recursive: true });
  const file = path.join(config.screenshots, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// axe-core over the whole page; returns the serious and critical violations.
export async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE_SOURCE });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
}

// A link to the relay that the test can cut: pass `beforeLoad` to openChat;
// cut() closes the page's WebSocket and refuses its reconnects (as an
// unreachable relay would) until restore().
export function cuttableLink() {
  let current = null;
  let refusing = false;
  return {
    beforeLoad: (page) =>
      page.routeWebSocket(/\/ws$/, (ws) => {
        if (refusing) {
          ws.close({ code: 1011, reason: 'test: relay unreachable' });
          return;
        }
        ws.connectToServer();
        current = ws;
      }),
    async cut() {
      refusing = true;
      await current.close({ code: 1011, reason: 'test: connection lost' });
    },
    restore() {
      refusing = false;
    },
  };
}

// Routes the page's WebSocket through the test so that the relay's ack and
// echo of messages with `text` can be withheld: the relay accepts them, the
// client never hears, not even in history pages after a reconnect. `ids`
// collects every id those messages were sent with; clear `withholding` to let
// answers through again.
export async function withholdAcks(page, text) {
  const control = { ids: new Set(), withholding: true };
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const frame = JSON.parse(message);
      if (frame.type === 'send' && frame.text === text) control.ids.add(frame.id);
      server.send(message);
    });
    // What of one relay frame reaches the page (null: nothing).
    const filter = (frame) => {
      if (!control.withholding) return frame;
      const about = frame.type === 'ack' ? frame.id : frame.type === 'message' ? frame.message?.id : null;
      if (control.ids.has(about)) return null;
      if (frame.type === 'history') frame.messages = frame.messages.filter((m) => !control.ids.has(m.id));
      return frame;
    };
    server.onMessage((message) => {
      const frame = JSON.parse(message);
      // A batch (docs/protocol.md) is filtered frame by frame; what is left goes on one by one.
      for (const inner of frame.type === 'batch' ? frame.frames : [frame]) {
        const kept = filter(inner);
        if (kept) ws.send(JSON.stringify(kept));
      }
    });
  });
  return control;
}
