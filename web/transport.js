// The only glue between the browser and the ChatSession (the C++ core in
// wasm). It owns the WebSocket and one timer and feeds the session what
// happens (socket open/close/message, network on/off, the clock); after
// every call it drains the session: frames go to the socket, transport
// events open or close it, every event goes on to the view, and the timer is
// re-armed for nextDeadline(). Nothing here decides anything about chat.

export class Transport {
  constructor(session, { url, onEvents }) {
    this.session = session;
    this.url = url;
    this.onEvents = onEvents;
    this.ws = null;
    this.timer = null;
    this.draining = false;
    this.onOnline = () => this.run((s, now) => s.networkChanged(true, now));
    this.onOffline = () => this.run((s, now) => s.networkChanged(false, now));
  }

  start() {
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
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
    clearTimeout(this.timer);
    this.detach()?.close();
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
        }
        this.onEvents(events);
      }
    } finally {
      this.draining = false;
    }
    this.arm();
  }

  arm() {
    clearTimeout(this.timer);
    const deadline = this.session.nextDeadline();
    if (deadline === null || deadline === undefined) return;
    this.timer = setTimeout(() => this.run((s, now) => s.onTimer(now)), Math.max(0, deadline - Date.now()));
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
      if (typeof event.data === 'string') this.run((s, now) => s.receive(event.data, now));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.run((s, now) => s.transportClosed(now));
    };
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
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
    }
    return ws;
  }
}
