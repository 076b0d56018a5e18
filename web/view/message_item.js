// One row of the timeline: avatar, author, bubble with text and time, and
// for own messages the delivery state (sending / sent / failed + Retry).

import { el } from './dom.js';
import { icon } from './icons.js';
import { appendLinkified, avatarClass, formatFull, formatTime, initial } from './format.js';

// The row's elements, empty until updateMessageRow fills them.
export function createMessageRow({ onRetry }) {
  const row = {
    message: null,
    li: el('li', { class: 'rc-msg' }),
    day: el('div', { class: 'rc-day', 'aria-hidden': 'true' }, el('span')),
    divider: el('div', { class: 'rc-unread-divider', role: 'separator', 'aria-label': 'New messages' }, el('span', { text: 'New messages' })),
    avatar: el('span', { class: 'rc-avatar', 'aria-hidden': 'true' }),
    author: el('span', { class: 'rc-author' }),
    text: el('div', { class: 'rc-text' }),
    time: el('time', { class: 'rc-time' }),
    state: el('span', { class: 'rc-state' }),
    failure: el('div', { class: 'rc-failure', hidden: true }),
  };
  row.retryButton = el(
    'button',
    { type: 'button', class: 'rc-retry', onclick: () => onRetry(row.message.id) },
    icon('retry'),
    'Retry',
  );
  row.failureText = el('span', { class: 'rc-failure-text' });
  row.failure.append(icon('alert'), row.failureText, row.retryButton);
  row.li.append(
    row.day,
    row.divider,
    el(
      'div',
      { class: 'rc-msg-row' },
      row.avatar,
      el(
        'div',
        { class: 'rc-msg-main' },
        el('div', { class: 'rc-msg-head' }, row.author),
        el('div', { class: 'rc-bubble' }, row.text, el('span', { class: 'rc-stamp' }, row.time, row.state)),
        row.failure,
      ),
    ),
  );
  row.day.hidden = true;
  row.divider.hidden = true;
  return row;
}

export function updateMessageRow(row, message, { errorMessage }) {
  const previous = row.message;
  row.message = message;
  const { li } = row;
  li.dataset.id = message.id;
  li.dataset.state = message.state;
  li.dataset.seq = String(message.seq);
  li.classList.toggle('rc-own', message.own);

  if (!previous || previous.from.name !== message.from.name || previous.from.id !== message.from.id) {
    row.avatar.className = `rc-avatar ${avatarClass(message.from.id)}`;
    row.avatar.textContent = initial(message.from.name);
    row.author.textContent = message.own ? 'You' : message.from.name;
  }
  if (!previous || previous.text !== message.text) {
    row.text.replaceChildren();
    appendLinkified(row.text, message.text);
  }
  if (!previous || previous.ts !== message.ts) {
    row.time.textContent = formatTime(message.ts);
    row.time.dateTime = new Date(message.ts).toISOString();
    row.time.title = formatFull(message.ts);
  }
  if (!previous || previous.state !== message.state || previous.failure !== message.failure) {
    renderState(row, message, errorMessage);
  }
}

function renderState(row, message, errorMessage) {
  row.state.replaceChildren();
  row.failure.hidden = true;
  if (!message.own) return;
  if (message.state === 'sent') {
    row.state.append(icon('check', 'rc-icon rc-icon--tiny'), el('span', { class: 'rc-sr-only', text: 'Sent' }));
    row.state.title = 'Sent';
  } else if (message.state === 'failed') {
    row.state.append(el('span', { class: 'rc-sr-only', text: 'Not sent' }));
    row.failureText.textContent = `Not sent: ${message.failureMessage || errorMessage(message.failure)}`;
    row.failure.hidden = false;
    row.state.title = 'Not sent';
  } else {
    // queued (waiting for the connection) and sending look the same to people.
    row.state.append(icon('clock', 'rc-icon rc-icon--tiny'), el('span', { class: 'rc-state-label', text: 'Sending…' }));
    row.state.title = message.state === 'queued' ? 'Waiting for the connection' : 'Sending';
  }
}
