// The development page: pick a name, get a token from the relay's dev-only
// endpoint (relay --dev-auth) and mount the same widget a host page embeds.

import { mountChat } from './widget.js';

const NAME_KEY = 'roomchat.name';
const params = new URLSearchParams(location.search);
const room = params.get('room') || 'lobby';
// ?pending=local tries the embedder's option of keeping unsent messages after the tab is closed.
const pendingStorage = params.get('pending') === 'local' ? 'local' : 'session';
// ?moderator=1: the token makes its user a moderator of the room (who may mute).
const moderator = params.get('moderator') === '1';
// The last token per room (and role), reused after a reload while it is valid: each new
// dev token is a new user, and only the same user gets their unsent messages back.
const TOKEN_KEY = `roomchat.dev-token:${room}${moderator ? ':moderator' : ''}`;
const TOKEN_MARGIN_MS = 60_000;

// The page's own elements (index.html): always there.
const form = /** @type {HTMLFormElement} */ (document.getElementById('join'));
const nameInput = /** @type {HTMLInputElement} */ (document.getElementById('join-name'));
const errorText = /** @type {HTMLElement} */ (document.getElementById('join-error'));
const chatElement = /** @type {HTMLElement} */ (document.getElementById('chat'));

// With the token in use, the relay mints the fresh one for the same user, so
// a refresh keeps the connection (a refresh must name the same user).
async function fetchToken(name, current) {
  const response = await fetch('./api/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(current ? { Authorization: `Bearer ${current}` } : {}) },
    body: JSON.stringify({ name, room, ...(moderator ? { moderator: true } : {}) }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.token !== 'string') {
    const reason = body.error?.message ?? `HTTP ${response.status}`;
    throw new Error(`Could not join: ${reason}`);
  }
  localStorage.setItem(TOKEN_KEY, JSON.stringify({ name, token: body.token, expiresAt: body.expires_at }));
  return body.token;
}

function storedToken(name) {
  try {
    const stored = JSON.parse(localStorage.getItem(TOKEN_KEY) ?? 'null');
    const fresh = stored?.name === name && stored.expiresAt - TOKEN_MARGIN_MS > Date.now();
    return fresh && typeof stored.token === 'string' ? stored.token : null;
  } catch {
    return null;
  }
}

// A restarted relay has a new dev secret and refuses older tokens; ask it.
// Unreachable (offline): keep the token, the chat reports a refusal itself.
async function stillAccepted(token) {
  try {
    const response = await fetch(`./api/rooms/${encodeURIComponent(room)}/messages?limit=1`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return response.status !== 401 && response.status !== 403;
  } catch {
    return true;
  }
}

async function reusableToken(name) {
  const token = storedToken(name);
  return token !== null && (await stillAccepted(token)) ? token : null;
}

async function join(name) {
  let token = (await reusableToken(name)) ?? (await fetchToken(name));
  localStorage.setItem(NAME_KEY, name);
  form.hidden = true;
  chatElement.hidden = false;
  document.title = `#${room} · roomchat`;
  const onTokenExpired = async () => {
    token = await fetchToken(name, token);
    return token;
  };
  const chat = await mountChat(chatElement, { token, room, onTokenExpired, pendingStorage });
  chat.focus();
}

/** @type {HTMLElement} */ (document.getElementById('join-room')).textContent = room;
nameInput.value = localStorage.getItem(NAME_KEY) ?? '';
form.hidden = false;
nameInput.focus();
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  errorText.textContent = '';
  const name = nameInput.value.trim();
  if (!name) return;
  try {
    await join(name);
  } catch (error) {
    form.hidden = false;
    chatElement.hidden = true;
    errorText.textContent = /** @type {Error} */ (error).message;
  }
});
