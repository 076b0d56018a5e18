// The message input: Enter sends, Shift+Enter adds a line. Whether the text
// can be sent, the character count and the rate-limit wait all come from the
// session (validate); this only shows them. Each change of the text tells the
// session whether the composer holds any (the others' typing indicator).

import { el, uid } from './dom.js';
import { icon } from './icons.js';

const COUNTER_FROM = 0.8;  // show the counter from 80% of the limit
const MAX_INPUT_HEIGHT_PX = 140;
const GROWS_BY_ITSELF = CSS.supports('field-sizing', 'content');

export class Composer {
  // `above`: shown over the composer's top edge (the typing indicator).
  constructor({ controller, announcer, onSent, above }) {
    this.controller = controller;
    this.announcer = announcer;
    this.onSent = onSent;
    this.ticker = null;

    const inputId = uid('input');
    const hintId = uid('hint');
    this.input = el('textarea', {
      id: inputId,
      class: 'rc-input',
      rows: 1,
      placeholder: 'Write a message…',
      'aria-describedby': hintId,
      autocomplete: 'off',
      enterkeyhint: 'send',
      oninput: () => {
        this.controller.composing(this.input.value.trim() !== '');
        this.autosize();
        this.refresh();
      },
      onkeydown: (event) => this.onKeyDown(event),
    });
    this.sendButton = el(
      'button',
      { type: 'submit', class: 'rc-send', 'aria-label': 'Send message', 'aria-describedby': hintId },
      icon('send'),
    );
    this.reason = el('span', { class: 'rc-hint-reason' });
    this.counter = el('span', { class: 'rc-hint-counter', hidden: true });
    this.hint = el('div', { class: 'rc-hint', id: hintId }, this.reason, this.counter);
    this.element = el(
      'form',
      { class: 'rc-composer', onsubmit: (event) => this.onSubmit(event) },
      above,
      el('label', { class: 'rc-sr-only', for: inputId, text: 'Message' }),
      el('div', { class: 'rc-input-row' }, this.input, this.sendButton),
      this.hint,
    );
    this.refresh();
  }

  focus() {
    this.input.focus();
  }

  // rate_limited event: the held message goes out by itself at retryAt.
  rateLimited(retryAt) {
    this.announcer.error(this.controller.errorMessage('rate_limited', retryAt - Date.now()));
    this.refresh();
  }

  onKeyDown(event) {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    this.element.requestSubmit();
  }

  onSubmit(event) {
    event.preventDefault();
    const blocked = this.refresh();
    if (blocked) {
      if (blocked.code !== 'empty_text') this.announcer.error(blocked.message);
      return;
    }
    const result = this.controller.send(this.input.value);
    if (!result.ok) {
      this.showReason('error', result.message);
      this.announcer.error(result.message);
      return;
    }
    this.input.value = '';
    this.autosize();
    this.refresh();
    this.input.focus();
    this.onSent(result.id);
  }

  // Updates the hint, counter and send button; returns why sending is
  // blocked right now ({code, message}) or null.
  refresh() {
    const check = this.controller.validate(this.input.value);
    const waiting = check.waitMs > 0;

    this.counter.hidden = check.codePoints < check.maxCodePoints * COUNTER_FROM;
    this.counter.textContent = `${check.codePoints} / ${check.maxCodePoints}`;
    this.counter.classList.toggle('rc-over', check.codePoints > check.maxCodePoints);

    let blocked = null;
    if (!check.ok && check.code !== 'empty_text') {
      blocked = { code: check.code, message: check.message };
      this.showReason(check.code === 'rate_limited' || check.code === 'muted' ? 'warn' : 'error', check.message);
    } else if (!check.ok) {
      blocked = { code: check.code, message: 'Type a message to send.' };
      this.showReason(null, '');
    } else {
      this.showReason(null, '');
    }
    if (waiting) {
      this.element.dataset.rateLimited = 'true';
    } else {
      delete this.element.dataset.rateLimited;
    }
    this.sendButton.setAttribute('aria-disabled', String(blocked !== null));
    this.sendButton.title = blocked ? blocked.message : 'Send (Enter)';
    this.tickWhile(waiting);
    return blocked;
  }

  showReason(kind, text) {
    this.reason.textContent = text;
    if (kind) this.reason.dataset.kind = kind;
    else delete this.reason.dataset.kind;
  }

  // Keeps the countdown moving while a wait is shown.
  tickWhile(waiting) {
    if (waiting && !this.ticker) this.ticker = setInterval(() => this.refresh(), 250);
    if (!waiting && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  // Browsers without CSS field-sizing grow the input here, only while typing:
  // measuring resizes the timeline for a moment, which would move its scroll.
  autosize() {
    if (GROWS_BY_ITSELF) return;
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, MAX_INPUT_HEIGHT_PX)}px`;
  }

  destroy() {
    clearInterval(this.ticker);
  }
}
