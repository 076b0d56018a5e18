// The scrolling timeline. Positions come from the session's message events
// (`before`), unread counts and the first-unread marker from unread_changed;
// this class only renders them and decides scrolling: it follows new
// messages only while the reader is at the bottom, keeps the reading
// position when older pages are prepended, and asks for older pages at the top.

import { el } from './dom.js';
import { icon } from './icons.js';
import { createMessageRow, updateMessageRow } from './message_item.js';
import { dayKey, formatDay } from './format.js';

const BOTTOM_SLACK_PX = 40;
const LOAD_OLDER_WITHIN_PX = 120;
const GROUP_WITHIN_MS = 5 * 60_000;

export class MessageList {
  constructor({ controller, announcer }) {
    this.controller = controller;
    this.announcer = announcer;
    this.rows = new Map();
    this.historyLoaded = false;
    this.hasMore = false;
    this.startedOver = false;  // the room started over (a relay restart): older messages are gone
    this.loadingOlder = false;
    this.unread = 0;
    this.dividerId = null;
    this.batch = null;
    this.olderMode = null;

    this.list = el('ol', { class: 'rc-list', 'aria-label': 'Messages' });
    this.olderButton = el('button', { type: 'button', class: 'rc-older-button', onclick: () => this.requestOlder(), text: 'Load older messages' });
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
      { type: 'button', class: 'rc-new-pill', hidden: true, onclick: () => this.scrollToBottom() },
      icon('arrowDown'),
      this.pillLabel,
    );
    this.element = el('div', { class: 'rc-body' }, this.scroller, this.pill);

    // Whether the reader is following the newest messages; kept when the
    // timeline's box changes size (banner, composer growing) so they stay at the bottom.
    this.following = true;
    this.resizeObserver = new ResizeObserver(() => {
      if (this.following) this.scroller.scrollTop = this.scroller.scrollHeight;
    });
    this.resizeObserver.observe(this.scroller);
    this.scrollQueued = false;
    this.scroller.addEventListener('scroll', () => {
      if (this.scrollQueued) return;
      this.scrollQueued = true;
      requestAnimationFrame(() => {
        this.scrollQueued = false;
        this.onScroll();
      });
    });
    this.renderChrome();
  }

  // ---- event batch: remember where the reader is, apply, then restore.
  beginBatch() {
    const anchor = this.firstVisibleRow();
    this.batch = {
      atBottom: this.isAtBottom(),
      anchor,
      anchorTop: anchor ? this.offsetInView(anchor) : 0,
      firstLoad: !this.historyLoaded,
    };
  }

  endBatch() {
    const { atBottom, anchor, anchorTop, firstLoad } = this.batch;
    this.batch = null;
    this.regroup();
    this.renderChrome();
    if (atBottom || (firstLoad && this.historyLoaded)) {
      this.scroller.scrollTop = this.scroller.scrollHeight;
      this.following = true;
    } else if (anchor && anchor.isConnected) {
      this.scroller.scrollTop += this.offsetInView(anchor) - anchorTop;
    }
    this.updatePill();
    // Nothing to scroll yet but older pages exist: fetch until the view fills.
    if (this.scroller.scrollHeight <= this.scroller.clientHeight) this.requestOlder();
  }

  // ---- session events
  upsert(message, before) {
    let row = this.rows.get(message.id);
    const isNew = !row;
    if (isNew) {
      row = createMessageRow({ onRetry: (id) => this.retry(id) });
      this.rows.set(message.id, row);
    }
    const wasFailed = row.message?.state === 'failed';
    updateMessageRow(row, message, { errorMessage: (code) => this.controller.errorMessage(code) });
    const next = before ? this.rows.get(before)?.li ?? null : null;
    if (isNew || row.li.nextElementSibling !== next) this.list.insertBefore(row.li, next);
    if (message.own && message.state === 'failed' && !wasFailed) {
      this.announcer.error(`Message not sent: ${message.failureMessage || this.controller.errorMessage(message.failure)}`);
    }
    return isNew;
  }

  // timeline_reset: rebuild from the session's current timeline.
  reset(timeline, reason) {
    this.rows.clear();
    this.list.replaceChildren();
    this.dividerId = null;
    for (const message of timeline) this.upsert(message);
    if (reason === 'epoch_changed') {
      this.startedOver = true;
      this.hasMore = false;
      this.announcer.status('The chat restarted. Earlier messages are no longer available.');
    }
  }

  historyLoadedEvent({ mode, hasMore }) {
    this.historyLoaded = true;
    if (mode !== 'after') this.hasMore = hasMore;
    if (mode === 'before') this.loadingOlder = false;
  }

  unreadChanged({ count, firstUnread }) {
    const startedUnread = this.unread === 0 && count > 0;
    this.unread = count;
    // Move the divider only to messages the reader has not watched arrive.
    const watching = this.batch && this.batch.atBottom && !this.batch.firstLoad && document.visibilityState === 'visible';
    if (firstUnread && (startedUnread || this.dividerId === null) && !watching) this.dividerId = firstUnread;
  }

  connectionChanged(state) {
    if (state !== 'online') this.loadingOlder = false;
  }

  // The reader sent something: they have seen the conversation.
  ownMessageSent() {
    this.dividerId = null;
    this.regroup();
    this.scrollToBottom();
  }

  // ---- reading
  maybeMarkRead() {
    if (document.visibilityState !== 'visible' || !this.isAtBottom()) return;
    if (this.controller.unreadCount() === 0) return;
    const latest = this.latestSeq();
    if (latest > 0) this.controller.markRead(latest);
  }

  latestSeq() {
    for (let li = this.list.lastElementChild; li; li = li.previousElementSibling) {
      const seq = Number(li.dataset.seq);
      if (seq > 0) return seq;
    }
    return 0;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.onScroll();
  }

  requestOlder() {
    if (!this.hasMore || this.loadingOlder || !this.historyLoaded) return;
    this.loadingOlder = true;
    this.renderChrome();
    this.controller.loadOlder();
  }

  retry(id) {
    const result = this.controller.retry(id);
    if (!result.ok) this.announcer.error(result.message);
  }

  onScroll() {
    this.following = this.isAtBottom();
    if (this.scroller.scrollTop < LOAD_OLDER_WITHIN_PX) this.requestOlder();
    this.updatePill();
    this.maybeMarkRead();
  }

  // ---- rendering helpers
  regroup() {
    let previous = null;
    for (let li = this.list.firstElementChild; li; li = li.nextElementSibling) {
      const row = this.rows.get(li.dataset.id);
      const m = row.message;
      const newDay = !previous || dayKey(previous.ts) !== dayKey(m.ts);
      const continued =
        !newDay && previous.from.id === m.from.id && m.ts - previous.ts < GROUP_WITHIN_MS && m.id !== this.dividerId;
      li.classList.toggle('rc-continued', continued);
      row.day.hidden = !newDay;
      if (newDay) row.day.firstChild.textContent = formatDay(m.ts);
      row.divider.hidden = m.id !== this.dividerId || li === this.list.firstElementChild;
      previous = m;
    }
  }

  renderChrome() {
    this.loading.hidden = this.historyLoaded;
    this.empty.hidden = !this.historyLoaded || this.rows.size > 0 || this.startedOver;
    this.olderStatus.hidden = !this.historyLoaded || (this.rows.size === 0 && !this.startedOver);
    const mode = this.loadingOlder ? 'loading' : this.hasMore ? 'more' : this.startedOver ? 'gone' : 'start';
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
    const show = this.unread > 0 && !this.isAtBottom();
    this.pill.hidden = !show;
    this.pillLabel.textContent = this.unread === 1 ? '1 new message' : `${this.unread} new messages`;
  }

  isAtBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK_PX;
  }

  firstVisibleRow() {
    const top = this.scroller.scrollTop;
    for (let li = this.list.firstElementChild; li; li = li.nextElementSibling) {
      if (li.offsetTop + li.offsetHeight > top) return li;
    }
    return null;
  }

  destroy() {
    this.resizeObserver.disconnect();
  }

  offsetInView(li) {
    return li.getBoundingClientRect().top - this.scroller.getBoundingClientRect().top;
  }
}
