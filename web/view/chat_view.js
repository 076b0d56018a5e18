// The chat widget's DOM: header (room, people), connection banner, the
// timeline and the composer. It renders the session's events and turns
// people's actions into controller calls; it holds no chat rules itself.

import { el } from './dom.js';
import { Announcer } from './announcer.js';
import { ConnectionBanner } from './banner.js';
import { Composer } from './composer.js';
import { MessageList } from './message_list.js';
import { formatTime } from './format.js';
import { Participants } from './participants.js';
import { TypingIndicator } from './typing.js';

/** @typedef {import('../roomchat.js').TimelineMessage} TimelineMessage */

export class ChatView {
  // Set by attach(): declared here so the type check (tsconfig.json) knows them from the start.
  /** @type {() => void} */ onTokenExpired;
  /** @type {() => void} */ onVisible;
  /** @type {number | null} */ composerFrame;
  /** @type {Set<string>} */ failedAnnounced;
  /** @type {Announcer} */ announcer;
  /** @type {ConnectionBanner} */ banner;
  /** @type {Participants} */ people;
  /** @type {MessageList} */ list;
  /** @type {Composer} */ composer;
  /** @type {TypingIndicator} */ typing;

  constructor(host, { room, theme }) {
    this.host = host;
    this.room = room;
    this.root = el('section', { class: 'rc-chat', 'aria-label': `Chat: ${room}`, 'data-theme': theme });
    this.status = el('div', { class: 'rc-placeholder', role: 'status' }, el('span', { class: 'rc-spinner' }), 'Starting chat…');
    this.root.append(this.status);
    host.replaceChildren(this.root);
  }

  // Shown when the chat cannot start at all (module failed to load, bad options).
  fail(message) {
    this.status.replaceChildren(el('span', { class: 'rc-failed-start', role: 'alert', text: message }));
  }

  attach(controller, { onTokenExpired }) {
    this.controller = controller;
    this.onTokenExpired = onTokenExpired;
    this.announcer = new Announcer();
    this.composerFrame = null;
    this.failedAnnounced = new Set();  // ids of own messages whose failure was announced
    this.newestSeq = 0;                // the newest row this page has shown
    this.banner = new ConnectionBanner({ announcer: this.announcer, errorMessage: controller.errorMessage });
    this.people = new Participants({
      onMute: (user, minutes) => {
        const done = controller.mute(user.id, minutes);
        if (!done.ok) this.announcer.error(done.message);
      },
    });
    this.list = new MessageList({ controller, announcer: this.announcer });
    this.typing = new TypingIndicator();
    this.composer = new Composer({
      controller,
      announcer: this.announcer,
      onSent: () => this.list.ownMessageSent(),
      above: this.typing.element,
    });
    const header = el(
      'header',
      { class: 'rc-header' },
      el('h2', { class: 'rc-title' }, el('span', { class: 'rc-hash', 'aria-hidden': 'true', text: '#' }), this.room),
      this.people.button,
    );
    this.root.replaceChildren(
      header,
      this.people.panel,
      this.banner.element,
      this.banner.errorElement,
      this.list.element,
      this.composer.element,
      this.announcer.element,
    );
    this.onVisible = () => this.list.updateWatching();
    document.addEventListener('visibilitychange', this.onVisible);
    window.addEventListener('focus', this.onVisible);
    const onInput = () => this.list.inputArrived();
    this.root.addEventListener('keydown', onInput, { capture: true });
    this.root.addEventListener('pointerdown', onInput, { capture: true });
  }

  // Applies a drain's events. The timeline redraws at the next animation
  // frame (MessageList.changed), so many frames arriving together cost one.
  handle(events) {
    const list = this.list;
    /** @type {TimelineMessage[] | null} */
    let announceable = [];
    for (const event of events) {
      switch (event.type) {
        case 'connection_changed':
          this.banner.update(event);
          this.root.dataset.connection = event.state;
          // What carries it: 'websocket', or 'http' where WebSockets do not get through (for hosts' styles and tests).
          this.root.dataset.via = event.via;
          if (event.state === 'offline' && event.reason === 'token_expired') this.onTokenExpired();
          break;
        case 'identity':
          this.people.setSelf(event.self);
          break;
        case 'message': {
          const { message } = event;
          if (message.own && message.state === 'failed') {
            if (!this.failedAnnounced.has(message.id)) {
              this.failedAnnounced.add(message.id);
              this.announcer.error(`Message not sent: ${message.failureMessage || this.controller.errorMessage(message.failure)}`);
            }
          } else if (!message.own && !message.removed && announceable && message.seq > this.newestSeq) {
            // Only one new to this page: a row shown before comes again when it is reacted to.
            announceable.push(message);
          }
          if (message.state !== 'failed') this.failedAnnounced.delete(message.id);
          this.newestSeq = Math.max(this.newestSeq, message.seq);
          list.changed();
          break;
        }
        case 'timeline_reset':
          this.newestSeq = 0;  // a room started over counts from 1 again
          list.reset(event.reason);
          break;
        case 'history_loaded':
          // The first page and older ones are not news; a page after a
          // reconnect brings what others wrote while the connection was down, and is.
          if (event.mode === 'before' || !list.historyLoaded) announceable = null;
          list.historyLoadedEvent(event);
          break;
        case 'older_changed':
          list.olderChanged(event.older);
          break;
        case 'unread_changed':
          list.unreadChanged(event);
          break;
        case 'presence_changed':
          this.people.setModerator(this.controller.moderator());
          this.people.update(event.members, event.count);
          break;
        case 'muted':
          this.mutedChanged(event);
          break;
        case 'typing_changed':
          this.typing.update(event.users);
          break;
        case 'token_expiring':
          this.onTokenExpired();
          break;
        case 'rate_limited':
          this.composer.rateLimited(event.retryAt);
          break;
        case 'error':
          if (event.code === 'token_expired') this.onTokenExpired();
          else this.banner.showError(event.message);
          break;
        default:
          break;  // open_transport / close_transport belong to the transport, pending_changed to the widget's store
      }
    }
    // The room's own voice ("Ann paused at 12:34") is said as it is, not as someone's message.
    for (const message of announceable ?? []) this.announcer.message(message.system ? null : message.from.name, message.text);
    // What the composer shows (limits, rate wait, connection) is redrawn once per frame too.
    this.composerFrame ??= requestAnimationFrame(() => {
      this.composerFrame = null;
      this.composer.refresh();
    });
  }

  // Said once, when a mute starts or ends; the composer shows it while it lasts.
  mutedChanged({ user, until }) {
    const self = user === this.people.selfId;
    const name = self ? null : this.people.members.find((m) => m.id === user)?.name ?? user;
    if (!self) this.people.mutedChanged(user, until);
    if (until > Date.now()) {
      const end = formatTime(until);
      this.announcer.status(self ? `A moderator muted you until ${end}.` : `${name} is muted until ${end}.`);
    } else {
      this.announcer.status(self ? 'You can send messages again.' : `${name} can send messages again.`);
    }
  }

  focus() {
    this.composer?.focus();
  }

  destroy() {
    if (this.composerFrame !== null) cancelAnimationFrame(this.composerFrame);
    document.removeEventListener('visibilitychange', this.onVisible);
    window.removeEventListener('focus', this.onVisible);
    this.announcer?.destroy();
    this.banner?.destroy();
    this.people?.destroy();
    this.composer?.destroy();
    this.list?.destroy();
    this.root.remove();
  }
}
