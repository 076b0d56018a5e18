// The connection banner under the header: connecting, reconnecting with a
// live countdown, offline, and a short "back online" confirmation. Errors
// reported by the session show here too until dismissed.

import { el } from './dom.js';
import { icon } from './icons.js';
import { secondsUntil } from './format.js';

const BACK_ONLINE_MS = 2500;
const ERROR_VISIBLE_MS = 10_000;

export class ConnectionBanner {
  constructor({ announcer, errorMessage }) {
    this.announcer = announcer;
    this.errorMessage = errorMessage;
    this.iconSlot = el('span', { class: 'rc-banner-icon' });
    this.text = el('span', { class: 'rc-banner-text' });
    this.element = el('div', { class: 'rc-banner', hidden: true, 'data-kind': 'info' }, this.iconSlot, this.text);
    this.errorText = el('span', { class: 'rc-banner-text' });
    this.errorElement = el(
      'div',
      { class: 'rc-banner', 'data-kind': 'error', hidden: true },
      el('span', { class: 'rc-banner-icon' }, icon('alert')),
      this.errorText,
      el(
        'button',
        { type: 'button', class: 'rc-icon-button rc-banner-close', 'aria-label': 'Dismiss', onclick: () => this.hideError() },
        icon('close'),
      ),
    );
    this.state = null;
    this.everOnline = false;
    this.lossAnnounced = false;  // said once per outage, not again for each attempt that fails
    this.ticker = null;
    this.hideTimer = null;
    this.errorTimer = null;
  }

  // connection_changed event
  update({ state, retryAt, reason }) {
    const previous = this.state;
    this.state = state;
    clearInterval(this.ticker);
    clearTimeout(this.hideTimer);
    this.ticker = null;
    if (state === 'online') {
      this.lossAnnounced = false;
      const wasDown = this.everOnline && previous !== 'online';
      this.everOnline = true;
      if (!wasDown) {
        this.hide();
        return;
      }
      this.show('ok', 'check', 'Back online');
      this.announcer.status('Back online');
      this.hideTimer = setTimeout(() => this.hide(), BACK_ONLINE_MS);
      return;
    }
    if (state === 'connecting') {
      this.show('info', null, 'Connecting…');
      return;
    }
    if (state === 'reconnecting') {
      const render = () => {
        const left = retryAt ? secondsUntil(retryAt) : 0;
        this.show('warn', 'wifiOff', left > 0 ? `Connection lost. Reconnecting in ${left} s…` : 'Reconnecting…');
      };
      render();
      if (retryAt) this.ticker = setInterval(render, 250);
      if (!this.lossAnnounced) this.announcer.status('Connection lost. Reconnecting.');
      this.lossAnnounced = true;
      return;
    }
    const text = reason
      ? `Disconnected: ${this.errorMessage(reason)}`
      : 'You are offline. Messages will be sent when you are back online.';
    this.show(reason ? 'error' : 'warn', reason ? 'alert' : 'wifiOff', text);
    this.announcer.status(text);
  }

  showError(message) {
    clearTimeout(this.errorTimer);
    this.errorText.textContent = message;
    this.errorElement.hidden = false;
    this.announcer.error(message);
    this.errorTimer = setTimeout(() => this.hideError(), ERROR_VISIBLE_MS);
  }

  hideError() {
    clearTimeout(this.errorTimer);
    this.errorElement.hidden = true;
  }

  show(kind, iconName, text) {
    this.element.dataset.kind = kind;
    this.iconSlot.replaceChildren(iconName ? icon(iconName) : el('span', { class: 'rc-spinner' }));
    this.text.textContent = text;
    this.element.hidden = false;
  }

  hide() {
    this.element.hidden = true;
  }

  destroy() {
    clearInterval(this.ticker);
    clearTimeout(this.hideTimer);
    clearTimeout(this.errorTimer);
  }
}
