// Who is in the room: a header button with the count that discloses the list.

import { el, uid } from './dom.js';
import { icon } from './icons.js';
import { avatarClass, initial } from './format.js';

export class Participants {
  constructor() {
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
          user.id === this.selfId ? el('span', { class: 'rc-person-you', text: '(you)' }) : null,
        ),
      ),
    );
  }

  destroy() {
    document.removeEventListener('keydown', this.onKey);
    document.removeEventListener('pointerdown', this.onOutside);
  }
}
