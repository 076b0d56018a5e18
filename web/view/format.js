// Presentation helpers: times, day labels, avatars and safe links.

import { el } from './dom.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });

export const formatTime = (ts) => timeFormat.format(ts);
export const formatFull = (ts) => fullFormat.format(ts);

export function dayKey(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function formatDay(ts, now = Date.now()) {
  if (dayKey(ts) === dayKey(now)) return 'Today';
  if (dayKey(ts) === dayKey(now - 86_400_000)) return 'Yesterday';
  return dayFormat.format(ts);
}

// A playback position: "12:34", or "1:02:03" past an hour.
export function formatMediaTime(ms) {
  const total = Math.floor(ms / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

// Whole seconds left until `at`, at least 1 while anything is left.
export const secondsUntil = (at, now = Date.now()) => Math.max(0, Math.ceil((at - now) / 1000));

// A stable colour per user (every palette entry keeps white text above 4.5:1).
const AVATAR_COLOURS = 8;
export function avatarClass(userId) {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return `rc-avatar--${hash % AVATAR_COLOURS}`;
}

export function initial(name) {
  const first = [...name.trim()][0];
  return first ? first.toLocaleUpperCase() : '?';
}

// Appends `text` to `parent`, turning http(s) URLs into links. Everything is
// created with DOM APIs; anything that does not parse as an http(s) URL stays text.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING_PUNCTUATION = /[.,!?;:)\]}]+$/;

export function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING_PUNCTUATION, '');
    const href = safeHref(raw);
    if (!href) continue;
    parent.append(text.slice(last, match.index));
    parent.append(el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: raw }));
    last = match.index + raw.length;
  }
  parent.append(text.slice(last));
}

function safeHref(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
