// The only glue between the browser and the ChatSession (the C++ core in
// wasm). It owns the WebSocket, the HTTP requests the session asks for (its
// fallback where WebSockets do not get through) and one timer, and feeds the
// session what happens (socket open/close/message, HTTP answers, network
// on/off, the clock); after every call it drains the session: frames go to
// the socket, transport events open or close it, HTTP requests are made or
// aborted, every event goes on to the view, and the timer is re-armed for
// nextDeadline(). Nothing here decides anything about chat.
//
// Frames that arrive together are fed to the session together and drained
// once, in slices of at most SLICE_MS, one slice per animation frame while
// the page is visible: a burst of thousands of frames (a busy moment, a
// catch-up) costs a drain per slice instead of one per frame, and the page
// still paints every frame and answers typing while it lasts. (Tasks posted
// back to back would starve rendering: Chromium then paints only every
// 100 ms or so.)

const SLICE_MS = 8;
// A timer that comes while frames wait lets the slices already on their way
// hear them first (an ack waiting there is no reason to resend), looking
// again every SLICE_MS, for at most this long past its deadline; then it
// fires whatever waits. Hearing them all at once instead froze the page for
// a burst's length.
const TIMER_PATIENCE_MS = 1000;
// A key pressed or a click while a slice runs ends it early, so the reader's
// input waits for one frame's worth of messages, not a slice's (Chromium
// tells: isInputPending; elsewhere slices run their length).
const inputPending = () =>
  /** @type {{ scheduling?: { isInputPending?: () => boolean } }} */ (navigator).scheduling?.isInputPending?.() ?? false;

export class Transport {
  constructor(session, { url, onEvents }) {
    this.session = session;
    this.url = url;
    this.onEvents = onEvents;
    this.ws = null;
    this.requests = new Map();  // http_request id -> its AbortController
    this.timer = null;
    this.deadline = null;  // what the timer is armed for
    this.draining = false;
    this.inbox = [];       // frames received and not yet given to the session
    this.inboxHead = 0;
    this.slice = new MessageChannel();  // a task soon, without setTimeout's clamping
    this.slice.port1.onmessage = () => {
      this.sliceQueued = false;
      this.takeInbox();
    };
    // One slice at a time is queued: posted, or waiting for a frame (sliceFrame).
    this.sliceQueued = false;
    this.sliceFrame = null;
    // A hidden page has no animation frames: what waits for one goes now.
    this.onVisibility = () => {
      if (this.sliceFrame === null || document.visibilityState !== 'hidden') return;
      cancelAnimationFrame(this.sliceFrame);
      this.sliceFrame = null;
      this.slice.port2.postMessage(null);
    };
    this.onOnline = () => this.run((s, now) => s.networkChanged(true, now));
    this.onOffline = () => this.run((s, now) => s.networkChanged(false, now));
  }

  start() {
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.run((s, now) => s.start(now));
    if (!navigator.onLine) this.onOffline();
  }

  // Calls into the session, then drains it. Calls made while draining (the
  // view reacting to events) are drained by the loop already running.
  run(call) {
    const result = call(this.session, Date.now());
    this.drain();
    return result;
  }

  stop() {
    this.run((s, now) => s.stop(now));
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.timer);
    this.detach()?.close();
    for (const id of [...this.requests.keys()]) this.abort(id);
    this.slice.port1.close();
    this.session.delete();
  }

  drain() {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const frames = this.session.takeFrames();
        const events = this.session.takeEvents();
        if (frames.length === 0 && events.length === 0) break;
        for (const frame of frames) this.sendFrame(frame);
        for (const event of events) {
          if (event.type === 'open_transport') this.open();
          else if (event.type === 'close_transport') this.close(event.reason);
          else if (event.type === 'http_request') this.request(event);
          else if (event.type === 'http_abort') this.abort(event.id);
        }
        this.onEvents(events);
      }
    } finally {
      this.draining = false;
    }
    this.arm();
  }

  arm() {
    const deadline = this.session.nextDeadline() ?? null;
    if (deadline === this.deadline) return;
    clearTimeout(this.timer);
    this.deadline = deadline;
    if (deadline === null) return;
    this.timer = setTimeout(() => this.fire(deadline), Math.max(0, deadline - Date.now()));
  }

  fire(deadline) {
    if (this.inboxHead < this.inbox.length && Date.now() - deadline < TIMER_PATIENCE_MS) {
      this.timer = setTimeout(() => this.fire(deadline), SLICE_MS);
      return;
    }
    this.deadline = null;
    this.run((s, now) => s.onTimer(now));
  }

  // Gives waiting frames to the session for up to `budgetMs`, then drains;
  // what is left waits for the next slice.
  takeInbox(budgetMs = SLICE_MS) {
    if (this.inboxHead >= this.inbox.length) return;
    const started = performance.now();
    const ws = this.ws;
    do {
      this.session.receive(this.inbox[this.inboxHead], Date.now());
      this.inboxHead += 1;
    } while (this.inboxHead < this.inbox.length && performance.now() - started < budgetMs && !inputPending());
    if (this.inboxHead === this.inbox.length) {
      this.inbox = [];
      this.inboxHead = 0;
    }
    this.drain();
    // A drain that closed or replaced the socket dropped what it had sent (detach).
    if (this.ws === ws && this.inboxHead < this.inbox.length) this.queueSlice({ afterFrame: true });
  }

  // The next slice: in a task of its own, soon or after the next frame.
  queueSlice({ afterFrame = false } = {}) {
    if (this.sliceQueued) return;
    this.sliceQueued = true;
    if (afterFrame && document.visibilityState === 'visible') {
      this.sliceFrame = requestAnimationFrame(() => {
        this.sliceFrame = null;
        this.slice.port2.postMessage(null);
      });
    } else {
      this.slice.port2.postMessage(null);
    }
  }

  sendFrame(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  open() {
    this.detach()?.close();
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      // An unusable URL behaves like a connection that closed at once.
      queueMicrotask(() => this.run((s, now) => s.transportClosed(now)));
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.run((s, now) => s.transportOpened(now));
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      this.inbox.push(event.data);
      this.queueSlice();
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.takeInbox(Infinity);  // everything it said comes before its end
      if (this.ws !== ws) return;
      this.ws = null;
      this.run((s, now) => s.transportClosed(now));
    };
  }

  // The relay's HTTP API sits next to its WebSocket endpoint (docs/relay.md):
  // the target resolves against the socket's URL as http(s).
  request({ id, method, target, token, body }) {
    const controller = new AbortController();
    this.requests.set(id, controller);
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const init = { method, headers, body, signal: controller.signal, cache: /** @type {const} */ ('no-store'), credentials: /** @type {const} */ ('omit') };
    // In a promise, so that an unusable URL is an answer that never came, like any other.
    Promise.resolve()
      .then(() => fetch(new URL(target, this.url.replace(/^ws/i, 'http')), init))
      .then(async (response) => [response.status, await response.text()])
      .catch(() => [0, ''])
      .then(([status, text]) => {
        if (this.requests.get(id) !== controller) return;  // aborted meanwhile
        this.requests.delete(id);
        this.run((s, now) => s.httpResponse(id, status, text, now));
      });
  }

  abort(id) {
    this.requests.get(id)?.abort();
    this.requests.delete(id);
  }

  // The session asked to close: it already knows, so no transportClosed.
  close(reason) {
    const ws = this.detach();
    if (!ws) return;
    try {
      ws.close(1000, reason.slice(0, 100));
    } catch {
      ws.close();
    }
  }

  // Forgets the current socket (its late events are ignored) and returns it.
  detach() {
    const ws = this.ws;
    this.ws = null;
    this.inbox = [];
    this.inboxHead = 0;
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
    }
    return ws;
  }
}
