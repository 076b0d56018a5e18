// One row of the timeline: avatar, author, bubble with text and time (and
// where in the video it was written, a button that seeks there when the host
// can), and for own messages the delivery state (sending / sent / failed + Retry).
// A row the reader may remove (their own, or any for a moderator) has a
// Delete button, which asks once more before it acts; a removed row is a
// tombstone, "Message removed", where the text was. Reactions show under the
// bubble, one button per emoji that toggles the reader's own; React opens
// the set to pick from.
// Rows are kept small: the day label, the unread divider and the failure
// strip are made only for the rows that show them.

import { el } from './dom.js';
import { icon } from './icons.js';
import { appendLinkified, avatarClass, formatFull, formatMediaTime, formatTime, initial } from './format.js';

// The set the relay takes (protocol.md, reaction_emoji).
export const REACTION_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🎉'];

// The row's elements, empty until updateMessageRow fills them.
export function createMessageRow({ onRetry, onSeek, onRemove, onReact }) {
  const row = {
    message: null,
    onRetry,
    onSeek,  // (mediaMs) => void, or null: the host cannot seek
    onRemove,  // (seq) => void
    onReact,   // (seq, emoji) => void
    li: el('li', { class: 'rc-msg' }),
    avatar: el('span', { class: 'rc-avatar', 'aria-hidden': 'true' }),
    author: el('span', { class: 'rc-author' }),
    text: el('div', { class: 'rc-text' }),
    time: el('time', { class: 'rc-time' }),
    media: null,
    notice: null,
    state: null,
    failure: null,
    remove: null,
    react: null,
    reactions: null,
    picker: null,
    // Where the row stands in its group, as last written to the DOM.
    day: null,
    divider: null,
    continued: false,
  };
  row.main = el(
    'div',
    { class: 'rc-msg-main' },
    el('div', { class: 'rc-msg-head' }, row.author),
    el('div', { class: 'rc-bubble' }, row.text, (row.stamp = el('span', { class: 'rc-stamp' }, row.time))),
  );
  row.li.append(el('div', { class: 'rc-msg-row' }, row.avatar, row.main));
  return row;
}

// canRemove: the reader may remove this message (the list asks the session
// whether they moderate; the relay decides).
export function updateMessageRow(row, message, { errorMessage, canRemove, selfId }) {
  const previous = row.message;
  row.message = message;
  const { li } = row;
  if (!previous) li.dataset.id = message.id;
  if (previous?.state !== message.state) li.dataset.state = message.state;
  if (previous?.seq !== message.seq) li.dataset.seq = String(message.seq);
  if (previous?.own !== message.own) li.classList.toggle('rc-own', message.own);
  // The host's notices ("Ann paused at 12:34") are a line of the room, not someone's bubble;
  // a screen reader, which hears no styling, is told so in words.
  if (previous?.system !== message.system) {
    li.classList.toggle('rc-system', message.system === true);
    row.notice?.remove();
    row.notice = message.system ? el('span', { class: 'rc-sr-only', text: 'Notice: ' }) : null;
    if (row.notice) row.text.before(row.notice);
  }

  if (!previous || previous.from.name !== message.from.name || previous.from.id !== message.from.id || previous.own !== message.own) {
    row.avatar.className = `rc-avatar ${avatarClass(message.from.id)}`;
    row.avatar.textContent = initial(message.from.name);
    row.author.textContent = message.own ? 'You' : message.from.name;
  }
  if (!previous || previous.text !== message.text || previous.removed !== message.removed) {
    li.classList.toggle('rc-removed', message.removed === true);
    row.text.replaceChildren();
    if (message.removed) row.text.append(el('em', { text: 'Message removed' }));
    else appendLinkified(row.text, message.text);
  }
  if (!previous || previous.ts !== message.ts) {
    row.time.textContent = formatTime(message.ts);
    row.time.dateTime = new Date(message.ts).toISOString();
    row.time.title = formatFull(message.ts);
  }
  if (previous?.mediaMs !== message.mediaMs) renderMediaTime(row, message.mediaMs);
  if (!previous || previous.state !== message.state || previous.failure !== message.failure || previous.own !== message.own) {
    renderState(row, message, errorMessage);
  }
  renderRemove(row, canRemove && !message.removed && message.seq > 0);
  renderReactButton(row, !message.removed && message.seq > 0);
  if (!previous || !sameReactions(previous.reactions, message.reactions)) renderReactions(row, message.reactions ?? [], selfId);
}

function sameReactions(a = [], b = []) {
  return a.length === b.length && a.every((r, i) => r.emoji === b[i].emoji && r.mine === b[i].mine &&
    r.users.length === b[i].users.length && r.users.every((u, k) => u.id === b[i].users[k].id));
}

// One button per emoji: its count, whether the reader's is among them
// (pressed), and who, for the pointer (title) and for screen readers (name).
function renderReactions(row, reactions, selfId) {
  if (reactions.length === 0) {
    row.reactions?.remove();
    row.reactions = null;
    return;
  }
  if (!row.reactions) {
    row.reactions = el('div', { class: 'rc-reactions', role: 'group', 'aria-label': 'Reactions' });
    row.main.append(row.reactions);
  }
  row.reactions.replaceChildren(...reactions.map((reaction) => {
    const count = reaction.users.length;
    const names = reaction.users.map((u) => (u.id === selfId ? 'you' : u.name));
    const who = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
    return el('button', {
      type: 'button',
      class: 'rc-reaction',
      'aria-pressed': String(reaction.mine),
      'aria-label': `${count} ${count === 1 ? 'person' : 'people'} reacted with ${reaction.emoji}: ${who}`,
      title: `${who} reacted with ${reaction.emoji}`,
      onclick: () => row.onReact(row.message.seq, reaction.emoji),
    }, el('span', { 'aria-hidden': 'true', text: `${reaction.emoji} ${count}` }));
  }));
}

function renderReactButton(row, canReact) {
  if (canReact === (row.react !== null)) return;
  row.react?.remove();
  closePicker(row, false);
  row.react = canReact
    ? el('button', { type: 'button', class: 'rc-react', 'aria-expanded': 'false', 'aria-label': `React to ${whose(row.message)}`, onclick: () => openPicker(row) }, 'React')
    : null;
  if (row.react) row.stamp.append(row.react);
}

// The set to pick from, under the bubble; Escape or leaving it closes it.
function openPicker(row) {
  if (row.picker) {
    closePicker(row, true);
    return;
  }
  row.picker = el('div', { class: 'rc-picker', role: 'group', 'aria-label': 'React with' },
    ...REACTION_EMOJI.map((emoji) => el('button', {
      type: 'button',
      'aria-label': `React with ${emoji}`,
      onclick: () => {
        row.onReact(row.message.seq, emoji);
        closePicker(row, true);
      },
      text: emoji,
    })));
  row.picker.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      closePicker(row, true);
    }
  });
  row.picker.addEventListener('focusout', (event) => {
    if (!row.picker?.contains(event.relatedTarget) && event.relatedTarget !== row.react) closePicker(row, false);
  });
  row.main.append(row.picker);
  row.react.setAttribute('aria-expanded', 'true');
  row.picker.firstChild.focus();
}

function closePicker(row, refocus) {
  const { picker } = row;
  if (!picker) return;
  row.picker = null;  // first: removing it moves the focus out, which closes it again
  picker.remove();
  row.react?.setAttribute('aria-expanded', 'false');
  if (refocus) row.react?.focus();
}

function renderRemove(row, canRemove) {
  if (canRemove === (row.remove !== null)) return;
  const hadFocus = row.remove !== null && document.activeElement === row.remove;
  row.remove?.remove();
  row.remove = null;
  if (canRemove) {
    row.remove = el('button', { type: 'button', class: 'rc-remove', onclick: () => confirmRemove(row) });
    resetRemove(row.remove, row.message);
    row.remove.addEventListener('blur', () => resetRemove(row.remove, row.message));
    row.stamp.append(row.remove);
  } else if (hadFocus) {
    // Its message is gone: the focus stays on the row's line, not lost to the page.
    row.li.tabIndex = -1;
    row.li.focus();
  }
}

// The first press asks, the second removes; leaving the button forgets the first.
function confirmRemove(row) {
  const button = row.remove;
  if (button.dataset.confirm) {
    row.onRemove(row.message.seq);
    return;
  }
  button.dataset.confirm = 'true';
  button.textContent = 'Delete for everyone?';
  button.setAttribute('aria-label', `Delete for everyone? ${whose(row.message)}`);
}

function resetRemove(button, message) {
  if (!button) return;
  delete button.dataset.confirm;
  button.textContent = 'Delete';
  button.setAttribute('aria-label', `Delete ${whose(message)}`);
}

function whose(message) {
  return message.own ? 'your message' : `the message from ${message.from.name}`;
}

// Group position: a day label (its text, or null) above the first row of a
// day, the unread divider above the row the session names, and `continued` for a
// row that follows its author's previous one closely. Only what changed is
// written.
export function placeMessageRow(row, { day, divider, continued }) {
  if (continued !== row.continued) {
    row.continued = continued;
    row.li.classList.toggle('rc-continued', continued);
  }
  if (day === null) {
    row.day?.remove();
    row.day = null;
  } else if (!row.day) {
    row.day = el('div', { class: 'rc-day', 'aria-hidden': 'true' }, el('span', { text: day }));
    row.li.prepend(row.day);
  } else if (row.day.textContent !== day) {
    row.day.firstChild.textContent = day;
  }
  if (divider !== (row.divider !== null)) {
    row.divider?.remove();
    row.divider = divider
      ? el('div', { class: 'rc-unread-divider', role: 'separator', 'aria-label': 'New messages' }, el('span', { text: 'New messages' }))
      : null;
    if (row.divider) row.li.insertBefore(row.divider, row.li.lastElementChild);
  }
}

function renderMediaTime(row, mediaMs) {
  row.media?.remove();
  row.media = null;
  if (mediaMs === undefined) return;
  const at = formatMediaTime(mediaMs);
  // The visible words are the button's name (what a speech user says); the title tells what it does.
  row.media = row.onSeek
    ? el('button', { type: 'button', class: 'rc-media-time', title: `Play from ${at}`, onclick: () => row.onSeek(mediaMs), text: `at ${at}` })
    : el('span', { class: 'rc-media-time', text: `at ${at}` });
  row.time.before(row.media);
}

function renderState(row, message, errorMessage) {
  row.failure?.remove();
  row.failure = null;
  if (!message.own) {
    row.state?.remove();
    row.state = null;
    return;
  }
  if (!row.state) {
    row.state = el('span', { class: 'rc-state' });
    row.time.after(row.state);
  }
  row.state.replaceChildren();
  if (message.state === 'sent') {
    row.state.append(icon('check', 'rc-icon rc-icon--tiny'), el('span', { class: 'rc-sr-only', text: 'Sent' }));
    row.state.title = 'Sent';
  } else if (message.state === 'failed') {
    row.state.append(el('span', { class: 'rc-sr-only', text: 'Not sent' }));
    row.state.title = 'Not sent';
    row.failure = el(
      'div',
      { class: 'rc-failure' },
      icon('alert'),
      el('span', { class: 'rc-failure-text', text: `Not sent: ${message.failureMessage || errorMessage(message.failure)}` }),
      el('button', { type: 'button', class: 'rc-retry', onclick: () => row.onRetry(row.message.id) }, icon('retry'), 'Retry'),
    );
    row.main.append(row.failure);
  } else {
    // queued (waiting for the connection) and sending look the same to people.
    row.state.append(icon('clock', 'rc-icon rc-icon--tiny'), el('span', { class: 'rc-state-label', text: 'Sending…' }));
    row.state.title = message.state === 'queued' ? 'Waiting for the connection' : 'Sending';
  }
}
