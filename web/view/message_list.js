// The scrolling timeline: a window onto the session's timeline, never all of
// it. The page holds at most MAX_ROWS rows, the newest ones while the reader
// follows the conversation, or the stretch they scrolled back to, which grows
// at the end they approach and drops rows at the other. Rows come from the
// session's window queries (timelineLatest/From/Before), the older-page state
// from older(), the unread count and the divider from unread_changed: this
// class keeps no copy of chat state, only which stretch is shown.
//
// Events only mark the window stale; it is redrawn once per animation frame,
// however many frames arrived in it, writing only the rows that changed. So
// work per message stays constant whatever the session's length, and a burst
// of thousands of messages costs a few windows' worth of DOM.

import { el } from './dom.js';
import { icon } from './icons.js';
import { createMessageRow, placeMessageRow, updateMessageRow } from './message_item.js';
import { dayKey, formatDay } from './format.js';

const MAX_ROWS = 240;           // rows in the page, at most
const LATEST_ROWS = 120;        // rows kept while following the newest (up to PAGE_ROWS more, then trimmed)
const PAGE_ROWS = 60;           // rows added at an end the reader approaches
const FRAME_ROWS = 20;          // rows new to the page in one frame while following, at most
const EXTEND_WITHIN_PX = 800;   // how near an end of the window that happens
const BOTTOM_SLACK_PX = 40;
const LOAD_OLDER_WITHIN_PX = 120;  // asking the relay for older pages: only at the very top
const GROUP_WITHIN_MS = 5 * 60_000;
// After a render that took t ms the next waits until RENDER_SPACING * t ms
// have passed: a burst's renders (tens of ms each) then take at most a third
// of the page's time, and the rest goes to applying frames and to the
// reader's typing. A calm room's renders (a millisecond) are never held back.
const RENDER_SPACING = 2;
// A render that took longer than this is a burst's. While renders are that
// slow, a key pressed or a click gets the next frame to itself: the render
// due in it waits one frame, so what the reader typed is painted without a
// burst's rows, their style and their layout in front of it.
const SLOW_RENDER_MS = 4;

export class MessageList {
  constructor({ controller, announcer }) {
    this.controller = controller;
    this.announcer = announcer;
    this.rows = new Map();  // id -> row, for the rows in the page
    this.order = [];        // the same rows in page order
    // The stretch shown: from the row with seq `top` (0: from the oldest
    // held) through the newest when `end` is null, else through seq `end`.
    this.top = 0;
    this.end = null;
    this.atStart = true;    // the window starts with the oldest row the session holds
    this.following = true;  // the reader is at the bottom, reading the newest
    this.historyLoaded = false;
    this.historyShown = false;  // the first page was drawn: the reader may have watched what came since
    this.destroyed = false;
    this.pinnedAt = 0;          // the scrollTop last written to stay at the bottom
    this.older = 'unknown';
    this.unread = 0;
    this.dividerId = null;
    this.watching = false;  // what the session was last told (setWatching)
    this.frame = null;
    this.renderTimer = null;
    this.renderDueAt = 0;   // performance.now() before which no render starts
    this.lastRenderMs = 0;
    this.inputWaiting = false;  // the next frame is the input's (SLOW_RENDER_MS)
    this.olderMode = null;

    this.list = el('ol', { class: 'rc-list', 'aria-label': 'Messages' });
    this.olderButton = el('button', { type: 'button', class: 'rc-older-button', onclick: () => this.showOlder(), text: 'Load older messages' });
    this.olderStatus = el('div', { class: 'rc-older' }, this.olderButton);
    this.loading = el('div', { class: 'rc-placeholder', role: 'status' }, el('span', { class: 'rc-spinner' }), 'Loading messages…');
    this.empty = el(
      'div',
      { class: 'rc-placeholder rc-empty', hidden: true },
      icon('chat', 'rc-icon rc-empty-icon'),
      el('p', { class: 'rc-empty-title', text: 'No messages yet' }),
      el('p', { class: 'rc-empty-hint', text: 'Say hello to get the conversation going.' }),
    );
    this.scroller = el(
      'div',
      { class: 'rc-scroller', tabindex: '0', role: 'region', 'aria-label': 'Message history' },
      this.olderStatus,
      this.loading,
      this.empty,
      this.list,
    );
    this.pillLabel = el('span');
    this.pill = el(
      'button',
      { type: 'button', class: 'rc-new-pill', hidden: true, onclick: () => this.showLatest() },
      icon('arrowDown'),
      this.pillLabel,
    );
    this.element = el('div', { class: 'rc-body' }, this.scroller, this.pill);

    // Following survives the timeline's box changing size (banner, composer growing).
    this.resizeObserver = new ResizeObserver(() => {
      if (this.following) this.pin();
      this.updateWatching();  // shown or hidden by the host page
    });
    this.resizeObserver.observe(this.scroller);
    this.scrollQueued = false;
    this.scroller.addEventListener('scroll', () => {
      if (this.scrollQueued) return;
      this.scrollQueued = true;
      requestAnimationFrame(() => {
        this.scrollQueued = false;
        if (!this.destroyed) this.onScroll();
      });
    });
    this.renderChrome();
  }

  // ---- session events: each only marks the window stale
  changed() {
    if (this.frame !== null || this.renderTimer !== null) return;
    const wait = this.renderDueAt - performance.now();
    if (wait <= 0) {
      this.frame = requestAnimationFrame(() => this.render());
      return;
    }
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.changed();
    }, wait);
  }

  // timeline_reset: the sequenced rows are gone; show the newest again.
  reset(reason) {
    this.top = 0;
    this.end = null;
    this.following = true;
    if (reason === 'epoch_changed') this.announcer.status('The chat restarted. Earlier messages are no longer available.');
    this.changed();
  }

  // A page asked for with loadOlder() is said to have come: the button that
  // said "Loading older messages…" is not a live region, and the rows go
  // above, out of the reader's way.
  historyLoadedEvent({ mode, count }) {
    this.historyLoaded = true;
    if (mode === 'before') this.announcer.status(count === 1 ? '1 older message loaded.' : `${count} older messages loaded.`);
    this.changed();
  }

  olderChanged(state) {
    if (state === 'loading' && this.older !== 'loading') this.announcer.status('Loading older messages…');
    this.older = state;
    this.changed();
  }

  unreadChanged({ count, divider }) {
    this.unread = count;
    this.dividerId = divider ?? null;
    this.changed();
  }

  // The reader sent something: back to the newest (the session read them),
  // watching from now, not from the next frame, so that a message arriving
  // meanwhile gets no divider.
  ownMessageSent() {
    this.showLatest();
    this.tellWatching(this.onScreen());
  }

  // A key or a click in the chat.
  inputArrived() {
    if (this.lastRenderMs >= SLOW_RENDER_MS) this.inputWaiting = true;
  }

  // ---- drawing, once per frame
  render() {
    this.frame = null;
    if (this.destroyed) return;
    if (this.inputWaiting) {
      // One frame given away, never two in a row: keys held down still see the rows come.
      this.inputWaiting = false;
      this.lastRenderMs = 0;
      this.frame = requestAnimationFrame(() => this.render());
      return;
    }
    const started = performance.now();
    // The reader may have scrolled up since the last onScroll (it runs a frame late).
    if (this.following && this.scroller.scrollTop < this.pinnedAt && !this.isAtBottom()) this.following = false;
    const anchor = this.following ? null : this.readingAnchor();
    const stretch = this.query();
    this.reconcile(stretch.rows);
    this.atStart = stretch.atStart;
    this.historyShown = this.historyLoaded;
    this.regroup();
    this.renderChrome();
    if (this.following) {
      this.pin();
    } else if (anchor && anchor.element.isConnected) {
      this.scroller.scrollTop += this.offsetInView(anchor.element) - anchor.top;
    }
    this.updatePill();
    this.updateWatching();
    this.extendNearEdges();
    // After a burst the newest rows grow back up to LATEST_ROWS, a frame at a time (query).
    if (this.followsNewest() && !this.atStart && this.order.length < LATEST_ROWS) this.changed();
    const ended = performance.now();
    this.lastRenderMs = ended - started;
    this.renderDueAt = ended + (RENDER_SPACING - 1) * this.lastRenderMs;
  }

  // The rows of the stretch shown, as the session holds them now.
  query() {
    const { controller } = this;
    if (this.followsNewest()) {
      // The newest rows; the oldest go a page at a time, not one per message,
      // so what a screen reader or a focused link rests on stays a while.
      let stretch = this.top > 0 ? controller.timelineFrom(this.top, LATEST_ROWS + PAGE_ROWS) : null;
      if (!stretch?.atEnd) stretch = controller.timelineLatest(LATEST_ROWS);
      // A burst brings more rows in a frame than a frame has time to build:
      // show the newest FRAME_ROWS now and grow back above them in the
      // frames after, FRAME_ROWS at a time, while the reader watches the bottom.
      let budget = FRAME_ROWS - stretch.rows.filter((m) => !this.rows.has(m.id)).length;
      if (budget < 0) {
        stretch = controller.timelineLatest(FRAME_ROWS);
        budget = 0;
      }
      const missing = Math.min(budget, LATEST_ROWS - stretch.rows.length);
      const first = firstSeq(stretch.rows);
      if (missing > 0 && !stretch.atStart && first > 0) {
        const above = controller.timelineBefore(first, missing);
        stretch = { rows: above.rows.concat(stretch.rows), atStart: above.atStart, atEnd: stretch.atEnd };
      }
      this.top = firstSeq(stretch.rows);
      return stretch;
    }
    const stretch = controller.timelineFrom(this.top, MAX_ROWS);
    if (this.end !== null) {
      let keep = stretch.rows.length;
      while (keep > 0 && !(stretch.rows[keep - 1].seq > 0 && stretch.rows[keep - 1].seq <= this.end)) keep -= 1;
      stretch.rows.length = keep;
      stretch.atEnd = false;
    } else if (!stretch.atEnd) {
      // More arrived than the page holds while the reader is up there: stop at what is shown.
      this.end = lastSeq(stretch.rows);
    }
    if (stretch.rows.length === 0 && this.end !== null) {
      // The stretch shown is gone (the session trimmed it): back to the newest.
      this.end = null;
      this.following = true;
      return this.query();
    }
    this.top = firstSeq(stretch.rows) || this.top;
    return stretch;
  }

  reconcile(messages) {
    const keep = new Set(messages.map((m) => m.id));
    const moderator = this.controller.moderator();
    const selfId = this.controller.selfId();
    for (const row of this.order) {
      if (keep.has(row.message.id)) continue;
      row.li.remove();
      this.rows.delete(row.message.id);
    }
    const order = [];
    let expected = this.list.firstChild;
    for (const message of messages) {
      let row = this.rows.get(message.id);
      if (!row) {
        row = createMessageRow({
          onRetry: (id) => this.retry(id),
          onSeek: this.controller.seek,
          onRemove: (seq) => this.remove(seq),
          onReact: (seq, emoji) => this.react(seq, emoji),
        });
        this.rows.set(message.id, row);
      }
      updateMessageRow(row, message, {
        errorMessage: (code) => this.controller.errorMessage(code),
        canRemove: message.own || moderator,
        selfId,
      });
      if (row.li === expected) expected = expected.nextSibling;
      else this.list.insertBefore(row.li, expected);
      order.push(row);
    }
    this.order = order;
  }

  // Day labels, the divider and grouping, from each row's predecessor in the
  // timeline (the first row's too, when older rows exist: adding them above
  // changes nothing in it); only changes reach the DOM.
  regroup() {
    const before = this.atStart || this.top === 0 ? null : this.controller.timelineBefore(this.top, 1).rows[0];
    let previous = before ? { message: before, dayKey: dayKey(before.ts) } : null;
    for (const row of this.order) {
      const m = row.message;
      if (row.dayOf !== m.ts) {
        row.dayOf = m.ts;
        row.dayKey = dayKey(m.ts);
      }
      const newDay = previous === null || previous.dayKey !== row.dayKey;
      const divider = m.id === this.dividerId && (previous !== null || !this.atStart);
      const continued =
        !newDay && !divider && previous !== null && !m.system && !previous.message.system &&
        previous.message.from.id === m.from.id && m.ts - previous.message.ts < GROUP_WITHIN_MS;
      placeMessageRow(row, { day: newDay ? formatDay(m.ts) : null, divider, continued });
      previous = row;
    }
  }

  renderChrome() {
    const rows = this.order.length;
    // Messages typed before the first page arrives are shown, not covered by the placeholder.
    this.loading.hidden = this.historyLoaded || rows > 0;
    this.empty.hidden = !this.historyLoaded || rows > 0 || this.older === 'gone';
    this.olderStatus.hidden = !this.historyLoaded || (rows === 0 && this.older !== 'gone');
    const mode = !this.atStart || this.older === 'available' ? 'more' : this.older;
    if (mode === this.olderMode) return;
    this.olderMode = mode;
    if (mode === 'start' || mode === 'gone') {
      const text = mode === 'gone' ? 'Earlier messages are no longer available' : 'This is the start of the conversation';
      this.olderStatus.replaceChildren(el('span', { class: `rc-older-start${mode === 'gone' ? ' rc-older-gone' : ''}`, text }));
      return;
    }
    this.olderButton.textContent = mode === 'loading' ? 'Loading older messages…' : 'Load older messages';
    this.olderButton.setAttribute('aria-disabled', String(mode === 'loading'));
    if (this.olderButton.parentNode !== this.olderStatus) this.olderStatus.replaceChildren(this.olderButton);
  }

  updatePill() {
    const show = (this.unread > 0 || this.end !== null) && !this.isAtBottom();
    this.pill.hidden = !show;
    if (!show) return;
    this.pillLabel.textContent =
      this.unread === 0 ? 'Latest messages' : this.unread === 1 ? '1 new message' : `${this.unread} new messages`;
  }

  // ---- moving the window
  extendNearEdges() {
    const s = this.scroller;
    if (s.clientHeight === 0) return;  // not displayed (a hidden panel): nothing is near anything
    // Following, the window is query()'s to size; older rows are wanted
    // only while the top of the window is in view.
    if (this.followsNewest() && s.scrollHeight > s.clientHeight) return;
    if (s.scrollTop < EXTEND_WITHIN_PX) {
      this.showOlder({ fromRelay: s.scrollTop < LOAD_OLDER_WITHIN_PX || s.scrollHeight <= s.clientHeight });
    } else if (this.end !== null && s.scrollHeight - s.scrollTop - s.clientHeight < EXTEND_WITHIN_PX) {
      this.showNewer();
    }
  }

  // Rows older than the window: from the session if it holds them, else
  // (at the very top, or from the button) a page from the relay.
  showOlder({ fromRelay = true } = {}) {
    if (!this.atStart && this.top > 0) {
      const before = this.controller.timelineBefore(this.top, PAGE_ROWS).rows;
      if (before.length > 0) {
        this.following = false;
        this.top = before[0].seq;
        const over = this.order.length + before.length - MAX_ROWS;
        if (over > 0) this.end = this.order[this.order.length - 1 - over]?.message.seq || this.end;
        this.changed();
        return;
      }
    }
    if (fromRelay && this.historyLoaded && this.older === 'available') this.controller.loadOlder();
  }

  showNewer() {
    const after = this.controller.timelineFrom(this.end + 1, PAGE_ROWS);
    this.end = after.atEnd ? null : lastSeq(after.rows) || this.end;
    const over = this.order.length + after.rows.length - MAX_ROWS;
    if (over > 0) this.top = this.order[over]?.message.seq || this.top;
    this.changed();
  }

  showLatest() {
    this.end = null;
    this.following = true;
    this.changed();
    this.pin();
  }

  pin() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinnedAt = this.scroller.scrollTop;
  }

  // The reader is at the bottom of a window that ends with the newest row.
  followsNewest() {
    return this.following && this.end === null;
  }

  // ---- reading
  // The reader watches the newest messages when the page is visible and the
  // first page is drawn and they are at its bottom: the session then reads
  // what arrives, and keeps the divider where their absence began.
  updateWatching() {
    this.tellWatching(this.onScreen() && this.end === null && this.isAtBottom());
  }

  // The page is visible, the first page drawn, and the chat not hidden by
  // its host page (display: none leaves it no height).
  onScreen() {
    return document.visibilityState === 'visible' && this.historyShown && this.scroller.clientHeight > 0;
  }

  tellWatching(watching) {
    if (watching === this.watching) return;
    this.watching = watching;
    this.controller.setWatching(watching);
  }

  retry(id) {
    const result = this.controller.retry(id);
    if (!result.ok) this.announcer.error(result.message);
  }

  remove(seq) {
    const result = this.controller.remove(seq);
    if (!result.ok) this.announcer.error(result.message);
  }

  react(seq, emoji) {
    const result = this.controller.react(seq, emoji);
    if (!result.ok) this.announcer.error(result.message);
  }

  onScroll() {
    const following = this.end === null && this.isAtBottom();
    if (following !== this.following) {
      this.following = following;
      if (following) this.changed();  // back to the newest: the window shrinks to them
    }
    this.extendNearEdges();
    this.updatePill();
    this.updateWatching();
  }

  isAtBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK_PX;
  }

  // The first row in view and where its message sits (below any day label
  // or divider, which may come and go), to keep it there while rows come and
  // go above it. Rows are in page order, so a binary search finds it.
  readingAnchor() {
    const top = this.scroller.scrollTop;
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const { li } = this.order[mid];
      if (li.offsetTop + li.offsetHeight > top) high = mid;
      else low = mid + 1;
    }
    const element = this.order[low]?.li.lastElementChild;
    return element ? { element, top: this.offsetInView(element) } : null;
  }

  offsetInView(li) {
    return li.getBoundingClientRect().top - this.scroller.getBoundingClientRect().top;
  }

  destroy() {
    this.destroyed = true;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    clearTimeout(this.renderTimer);
    this.resizeObserver.disconnect();
  }
}

function firstSeq(messages) {
  return messages.find((m) => m.seq > 0)?.seq ?? 0;
}

function lastSeq(messages) {
  for (let i = messages.length - 1; i >= 0; i -= 1) if (messages[i].seq > 0) return messages[i].seq;
  return 0;
}
