// Screen-reader announcements: new messages through a polite live region,
// at most one announcement per THROTTLE_MS (bursts are summarised), and
// errors through an assertive alert region.

import { el } from './dom.js';

const THROTTLE_MS = 2000;
const MAX_SPOKEN_CHARS = 140;

export class Announcer {
  constructor() {
    this.politeEl = el('div', { class: 'rc-sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.alertEl = el('div', { class: 'rc-sr-only', role: 'alert', 'aria-atomic': 'true' });
    this.element = el('div', {}, this.politeEl, this.alertEl);
    // What arrived since the last announcement: the first message, how many, and up to four names.
    /** @type {{ first: { authorName: string, text: string } | null, count: number, names: Set<string> }} */
    this.pending = { first: null, count: 0, names: new Set() };
    this.lastSpokenAt = 0;
    this.timer = null;
  }

  message(authorName, text) {
    const pending = this.pending;
    pending.first ??= { authorName, text };
    pending.count += 1;
    if (pending.names.size < 4) pending.names.add(authorName);
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
      this.speak(this.politeEl, `${authorName}: ${clipped}`);
      return;
    }
    const listed = [...names];
    const from = listed.length <= 3 ? listed.join(', ') : `${listed.slice(0, 3).join(', ')} and others`;
    this.speak(this.politeEl, `${count} new messages from ${from}`);
  }

  // Clearing first makes a repeated identical sentence be announced again.
  speak(region, text) {
    region.textContent = '';
    requestAnimationFrame(() => {
      region.textContent = text;
    });
  }
}
