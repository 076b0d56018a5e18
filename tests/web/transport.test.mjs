// web/transport.js under node's test runner, with the browser around it
// faked and every task run by hand: which frames reach the session in which
// task, when its timer fires, and that one slice at a time is on its way.
// The session is a fake too: transport.js must not care what the session
// decides, only feed it and drain it.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

// ---- the browser, by hand
let clock;          // performance.now() and Date.now() move only when a test moves them
const timers = [];  // setTimeout callbacks not yet run
const frames = [];  // requestAnimationFrame callbacks not yet run
let slicePosts;     // messages posted to the transport's MessageChannel and not yet run
let sockets;

globalThis.window = { addEventListener() {}, removeEventListener() {} };
globalThis.document = { visibilityState: 'hidden', addEventListener() {}, removeEventListener() {} };
Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true });
Object.defineProperty(globalThis, 'performance', { value: { now: () => clock }, configurable: true });
Date.now = () => clock;
const cancel = (list) => (handle) => {
  const i = list.indexOf(handle);
  if (i >= 0) list.splice(i, 1);
};
globalThis.setTimeout = (fn) => {
  const timer = { fn };
  timers.push(timer);
  return timer;
};
globalThis.clearTimeout = cancel(timers);
globalThis.requestAnimationFrame = (fn) => {
  const frame = { fn };
  frames.push(frame);
  return frame;
};
globalThis.cancelAnimationFrame = cancel(frames);
globalThis.MessageChannel = class {
  constructor() {
    this.port1 = { onmessage: null, close() {} };
    this.port2 = { postMessage: () => { slicePosts += 1; } };
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
const PER_SLICE = SLICE_MS / RECEIVE_MS;

// A session that only counts: what it received, and when its timer ran.
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

// The tasks, each returning how many frames the session received in it.
function runSlice(transport, session) {
  assert.ok(slicePosts > 0, 'a slice was posted');
  slicePosts -= 1;
  const before = session.received;
  transport.slice.port1.onmessage();
  return session.received - before;
}
function runTimer(session) {
  const before = session.received;
  timers.shift().fn();
  return session.received - before;
}
function runFrame() {
  frames.shift().fn();
}

function openWithBacklog(count) {
  const session = new FakeSession();
  const transport = new Transport(session, { url: 'ws://relay', onEvents() {} });
  transport.start();
  const [ws] = sockets;
  ws.onopen();
  for (let i = 0; i < count; i += 1) ws.onmessage({ data: `frame ${i}` });
  return { session, transport };
}

beforeEach(() => {
  clock = 1_000_000;
  timers.length = 0;
  frames.length = 0;
  slicePosts = 0;
  sockets = [];
  globalThis.document.visibilityState = 'hidden';
});

test('frames that arrive together reach the session in slices of about SLICE_MS', () => {
  const { session, transport } = openWithBacklog(100);
  const perTask = [];
  while (slicePosts > 0) perTask.push(runSlice(transport, session));
  assert.equal(session.received, 100);
  assert.ok(perTask.length > 1);
  assert.ok(Math.max(...perTask) <= PER_SLICE, `frames per task: ${perTask}`);
});

test('a key pressed during a slice ends it after the frame being applied; the rest follows', () => {
  const { session, transport } = openWithBacklog(100);
  let pendingAfter = 3;  // the browser reports input once three frames are in
  globalThis.navigator.scheduling = { isInputPending: () => session.received >= pendingAfter };
  try {
    assert.equal(runSlice(transport, session), 3);
    pendingAfter = Infinity;
    while (slicePosts > 0) runSlice(transport, session);
    assert.equal(session.received, 100, 'nothing left behind');
  } finally {
    delete globalThis.navigator.scheduling;
  }
});

test('a visible page takes one slice per animation frame, and a page hidden meanwhile sends it at once', () => {
  globalThis.document.visibilityState = 'visible';
  const { session, transport } = openWithBacklog(20);
  runSlice(transport, session);  // the first goes at once
  assert.equal(slicePosts, 0);
  assert.equal(frames.length, 1, 'the next waits for a frame');
  runFrame();
  assert.equal(slicePosts, 1);
  runSlice(transport, session);
  globalThis.document.visibilityState = 'hidden';
  transport.onVisibility();
  assert.equal(frames.length, 0, 'the frame it waited for is given up');
  assert.equal(slicePosts, 1, 'and it goes now, once');
  while (slicePosts > 0) {
    runSlice(transport, session);
    assert.ok(slicePosts <= 1, 'one slice at a time');
  }
  assert.equal(session.received, 20);
});

test('a timer due while frames wait lets the slices hear them first, and takes none itself', () => {
  const { session, transport } = openWithBacklog(100);
  session.deadline = clock;  // due now: an ack might be among the waiting frames
  transport.arm();
  while (session.timerFiredAfter.length === 0) {
    assert.equal(runTimer(session), 0, 'the timer hears no frames itself');
    assert.ok(slicePosts <= 1, 'one slice at a time, however often the timer looks');
    if (slicePosts > 0) assert.ok(runSlice(transport, session) <= PER_SLICE);
  }
  assert.deepEqual(session.timerFiredAfter, [100]);
});

test('a timer waits for waiting frames at most TIMER_PATIENCE_MS past its deadline', () => {
  const { session, transport } = openWithBacklog(1000);
  session.deadline = clock - 1000;  // a second late already (a long task, a throttled tab)
  transport.arm();
  assert.equal(runTimer(session), 0);
  assert.deepEqual(session.timerFiredAfter, [0], 'it fires without hearing the frames first');
  while (slicePosts > 0) runSlice(transport, session);
  assert.equal(session.received, 1000, 'and the frames are heard after it, in order');
});

test('a timer with nothing waiting fires at once', () => {
  const { session, transport } = openWithBacklog(0);
  session.deadline = clock + 500;
  transport.arm();
  assert.equal(timers.length, 1);
  runTimer(session);
  assert.deepEqual(session.timerFiredAfter, [0]);
  assert.equal(timers.length, 0, 'and is not armed again once the session has no deadline');
});
