// web/transport.js under node's test runner, with the browser around it
// faked and every task run by hand: which frames reach the session in which
// task, and when its timer fires. The session is a fake too: transport.js
// must not care what the session decides, only feed it and drain it.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

// ---- the browser, by hand
let clock;          // performance.now() and Date.now() move only when a test moves them
const timers = [];  // setTimeout callbacks not yet run
let slicePosted;    // the transport's MessageChannel was posted to
let sockets;

globalThis.window = { addEventListener() {}, removeEventListener() {} };
globalThis.document = { visibilityState: 'hidden', addEventListener() {}, removeEventListener() {} };
Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true });
Object.defineProperty(globalThis, 'performance', { value: { now: () => clock }, configurable: true });
Date.now = () => clock;
globalThis.setTimeout = (fn) => {
  const timer = { fn };
  timers.push(timer);
  return timer;
};
globalThis.clearTimeout = (timer) => {
  const i = timers.indexOf(timer);
  if (i >= 0) timers.splice(i, 1);
};
globalThis.MessageChannel = class {
  constructor() {
    this.port1 = { onmessage: null, close() {} };
    this.port2 = { postMessage: () => { slicePosted = true; } };
  }
};
globalThis.WebSocket = class {
  static OPEN = 1;
  constructor() {
    this.readyState = 1;
    sockets.push(this);
  }
  send() {}
  close() {}
};

const { Transport } = await import('../../web/transport.js');

const RECEIVE_MS = 2;  // what each frame costs the fake session
const SLICE_MS = 8;    // transport.js's budget for one task

// A session that only counts: what it received, in which task, and when its timer ran.
class FakeSession {
  constructor() {
    this.received = 0;
    this.deadline = null;
    this.timerFiredAfter = [];  // frames received when onTimer ran
    this.events = [];
  }
  start() { this.events.push({ type: 'open_transport' }); }
  transportOpened() {}
  receive() {
    this.received += 1;
    clock += RECEIVE_MS;
  }
  onTimer() {
    this.timerFiredAfter.push(this.received);
    this.deadline = null;
  }
  nextDeadline() { return this.deadline; }
  takeFrames() { return []; }
  takeEvents() { return this.events.splice(0); }
  delete() {}
}

// Runs the next task: the slice if one is posted (unless `timer`), else the
// oldest timer; returns how many frames the session received in it.
function runTask(transport, session, { timer = false } = {}) {
  const before = session.received;
  if (slicePosted && !timer) {
    slicePosted = false;
    transport.slice.port1.onmessage();
  } else {
    timers.shift().fn();
  }
  return session.received - before;
}

function openWithBacklog(frames) {
  const session = new FakeSession();
  const transport = new Transport(session, { url: 'ws://relay', onEvents() {} });
  transport.start();
  const [ws] = sockets;
  ws.onopen();
  for (let i = 0; i < frames; i += 1) ws.onmessage({ data: `frame ${i}` });
  return { session, transport };
}

beforeEach(() => {
  clock = 1_000_000;
  timers.length = 0;
  slicePosted = false;
  sockets = [];
});

test('frames that arrive together reach the session in slices of about SLICE_MS', () => {
  const { session, transport } = openWithBacklog(100);
  const perTask = [];
  while (slicePosted) perTask.push(runTask(transport, session));
  assert.equal(session.received, 100);
  assert.ok(perTask.length > 1);
  assert.ok(Math.max(...perTask) <= SLICE_MS / RECEIVE_MS, `frames per task: ${perTask}`);
});

test('a timer due while frames wait lets them be heard first, a slice per task', () => {
  const { session, transport } = openWithBacklog(100);
  session.deadline = clock;  // due now: an ack might be among the waiting frames
  transport.arm();
  const perTask = [];
  // The timer's tasks only, as if no slice came before them: the timer must not do the slices' work in one go.
  while (timers.length > 0) perTask.push(runTask(transport, session, { timer: true }));
  assert.deepEqual(session.timerFiredAfter, [100]);
  assert.ok(Math.max(...perTask) <= SLICE_MS / RECEIVE_MS, `frames per task: ${perTask}`);
});

test('a timer waits for waiting frames at most TIMER_PATIENCE_MS past its deadline', () => {
  const { session, transport } = openWithBacklog(1000);
  session.deadline = clock - 1000;  // a second late already (a long task, a throttled tab)
  transport.arm();
  const heard = runTask(transport, session, { timer: true });
  assert.deepEqual(session.timerFiredAfter, [0], 'it fires without hearing the frames first');
  assert.equal(heard, 0);
  while (slicePosted) runTask(transport, session);
  assert.equal(session.received, 1000, 'and the frames are heard after it, in order');
});

test('a timer with nothing waiting fires at once', () => {
  const { session, transport } = openWithBacklog(0);
  session.deadline = clock + 500;
  transport.arm();
  assert.equal(timers.length, 1);
  runTask(transport, session);
  assert.deepEqual(session.timerFiredAfter, [0]);
  assert.equal(timers.length, 0, 'and is not armed again once the session has no deadline');
});
