// Who is in the room: a header button with the count that discloses the list.
// For a moderator each other person has a button that mutes them for
// MUTE_MINUTES, or lifts their mute; whether it took comes back as a muted event.

import { el, uid } from './dom.js';
import { icon } from './icons.js';
import { avatarClass, initial } from './format.js';

export const MUTE_MINUTES = 10;

export class Participants {
  // onMute(user, minutes): a moderator's button was pressed (minutes 0: lift the mute).
  constructor({ onMute }) {
    this.onMute = onMute;
    this.moderator = false;
    /** @type {Map<string, number>} */
    this.mutedUntil = new Map();  // by user id, as the muted events said
    const panelId = uid('people');
    this.count = el('span', { class: 'rc-people-count', text: '0' });
    this.label = el('span', { class: 'rc-sr-only', text: ' people in the room' });
    this.button = el(
      'button',
      {
        type: 'button',
        class: 'rc-people-button',
        'aria-expanded': 'false',
        'aria-controls': panelId,
        onclick: () => this.toggle(),
      },
      icon('users'),
      this.count,
      this.label,
    );
    this.list = el('ul', { class: 'rc-people-list' });
    this.heading = el('h2', { class: 'rc-people-heading', text: 'In this room' });
    this.panel = el('div', { class: 'rc-people-panel', id: panelId, hidden: true }, this.heading, this.list);
    this.selfId = null;
    this.members = [];
    this.total = 0;  // everyone present; `members` may list fewer in a very big room
    this.onKey = (event) => {
      if (event.key === 'Escape' && !this.panel.hidden) {
        this.toggle(false);
        this.button.focus();
      }
    };
    this.onOutside = (event) => {
      if (!this.panel.hidden && !this.panel.contains(event.target) && !this.button.contains(event.target)) {
        this.toggle(false);
      }
    };
    document.addEventListener('keydown', this.onKey);
    document.addEventListener('pointerdown', this.onOutside);
  }

  setSelf(user) {
    this.selfId = user.id;
    this.render();
  }

  update(members, total) {
    this.members = members;
    this.total = total;
    this.render();
  }

  setModerator(moderator) {
    if (moderator === this.moderator) return;
    this.moderator = moderator;
    this.render();
  }

  mutedChanged(userId, until) {
    if (until > Date.now()) this.mutedUntil.set(userId, until);
    else this.mutedUntil.delete(userId);
    this.render();
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
  }

  render() {
    const n = this.total;
    this.count.textContent = String(n);
    this.label.textContent = n === 1 ? ' person in the room' : ' people in the room';
    this.button.title = `${n}${this.label.textContent}`;
    const sorted = [...this.members].sort((a, b) => a.name.localeCompare(b.name));
    this.list.replaceChildren(
      ...sorted.map((user) =>
        el(
          'li',
          { class: 'rc-person' },
          el('span', { class: `rc-avatar rc-avatar--small ${avatarClass(user.id)}`, 'aria-hidden': 'true', text: initial(user.name) }),
          el('span', { class: 'rc-person-name', text: user.name }),
          user.id === this.selfId ? el('span', { class: 'rc-person-you', text: '(you)' }) : this.muteButton(user),
        ),
      ),
    );
  }

  muteButton(user) {
    if (!this.moderator) return null;
    const muted = (this.mutedUntil.get(user.id) ?? 0) > Date.now();
    return el('button', {
      type: 'button',
      class: 'rc-person-mute',
      text: muted ? 'Unmute' : 'Mute',
      'aria-label': muted ? `Unmute ${user.name}` : `Mute ${user.name} for ${MUTE_MINUTES} minutes`,
      onclick: () => this.onMute(user, muted ? 0 : MUTE_MINUTES),
    });
  }

  destroy() {
    document.removeEventListener('keydown', this.onKey);
    document.removeEventListener('pointerdown', this.onOutside);
  }
}
