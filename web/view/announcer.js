// Screen-reader announcements: new messages through a polite live region,
// at most one announcement per THROTTLE_MS (bursts are summarised), and
// errors through an assertive alert region.
//
// Assistive technology reads a region's text as the page is rendered, once a
// frame: a text replaced before the next frame is never heard, and one set
// again in the frame that cleared it is no change at all. So a region is
// cleared, stays empty for SETTLE_MS, and then gets every sentence spoken to
// it meanwhile, as one.

import { el } from './dom.js';

const THROTTLE_MS = 2000;
const MAX_SPOKEN_CHARS = 140;
const SETTLE_MS = 100;  // some frames at any frame rate; a timer, not a frame callback, so a hidden tab does not pile sentences up

export class Announcer {
  constructor() {
    this.politeEl = el('div', { class: 'rc-sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.alertEl = el('div', { class: 'rc-sr-only', role: 'alert', 'aria-atomic': 'true' });
    this.element = el('div', {}, this.politeEl, this.alertEl);
    // What arrived since the last announcement: the first message, how many, and up to four names.
    // A notice of the host has no author (null): it is said as it is, and not counted as anyone's.
    /** @type {{ first: { authorName: string | null, text: string } | null, count: number, names: Set<string> }} */
    this.pending = { first: null, count: 0, names: new Set() };
    this.lastSpokenAt = 0;
    this.timer = null;
    /** @type {Map<HTMLElement, { texts: string[], timer: ReturnType<typeof setTimeout> }>} */
    this.queued = new Map();  // region -> what it says once it has been empty long enough
  }

  message(authorName, text) {
    const pending = this.pending;
    pending.first ??= { authorName, text };
    pending.count += 1;
    if (authorName !== null && pending.names.size < 4) pending.names.add(authorName);
    if (this.timer) return;
    const wait = Math.max(0, this.lastSpokenAt + THROTTLE_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  status(text) {
    this.speak(this.politeEl, text);
  }

  error(text) {
    this.speak(this.alertEl, text);
  }

  destroy() {
    clearTimeout(this.timer);
    for (const { timer } of this.queued.values()) clearTimeout(timer);
  }

  flush() {
    this.timer = null;
    const { first, count, names } = this.pending;
    this.pending = { first: null, count: 0, names: new Set() };
    if (count === 0) return;
    this.lastSpokenAt = Date.now();
    // (`first` is set whenever count is: the check is for the type checker.)
    if (count === 1 && first) {
      const { authorName, text } = first;
      const clipped = text.length > MAX_SPOKEN_CHARS ? `${text.slice(0, MAX_SPOKEN_CHARS)}…` : text;
      this.speak(this.politeEl, authorName === null ? clipped : `${authorName}: ${clipped}`);
      return;
    }
    const listed = [...names];
    if (listed.length === 0) {
      this.speak(this.politeEl, `${count} notices`);
      return;
    }
    const from = listed.length <= 3 ? listed.join(', ') : `${listed.slice(0, 3).join(', ')} and others`;
    this.speak(this.politeEl, `${count} new messages from ${from}`);
  }

  // Sentences spoken to a region while it settles are said together.
  speak(region, text) {
    const queued = this.queued.get(region);
    if (queued) {
      queued.texts.push(text);
      return;
    }
    region.textContent = '';
    const entry = {
      texts: [text],
      timer: setTimeout(() => {
        this.queued.delete(region);
        const texts = [...new Set(entry.texts)];  // Enter pressed twice at once: its refusal once
        region.textContent = texts.length === 1 ? texts[0] : texts.map(sentence).join(' ');
      }, SETTLE_MS),
    };
    this.queued.set(region, entry);
  }
}

// Sentences said together each end with a stop.
function sentence(text) {
  return /[.…!?]$/.test(text) ? text : `${text}.`;
}
