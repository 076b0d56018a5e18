// Who else is typing, as one line over the composer ("Ann is typing…").
// Deliberately not a live region: a screen reader would otherwise speak at
// every start and stop; the line is there to be read when wanted. Who is in
// the list, and for how long, is the session's (typing_changed).

import { el } from './dom.js';

/** @typedef {import('../roomchat.js').User} User */

/** @param {User[]} users */
export function typingText(users) {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0].name} is typing…`;
  if (users.length === 2) return `${users[0].name} and ${users[1].name} are typing…`;
  return 'Several people are typing…';
}

export class TypingIndicator {
  constructor() {
    this.element = el('div', { class: 'rc-typing', hidden: true });
  }

  /** @param {User[]} users */
  update(users) {
    this.element.textContent = typingText(users);
    this.element.hidden = users.length === 0;
  }
}
