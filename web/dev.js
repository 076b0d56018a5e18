// The development page: pick a name, get a token from the relay's dev-only
// endpoint (relay --dev-auth) and mount the same widget a host page embeds.

import { mountChat } from './widget.js';

const NAME_KEY = 'roomchat.name';
const room = new URLSearchParams(location.search).get('room') || 'lobby';

const form = document.getElementById('join');
const nameInput = document.getElementById('join-name');
const errorText = document.getElementById('join-error');
const chatElement = document.getElementById('chat');

async function fetchToken(name) {
  const response = await fetch('./api/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, room }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.token !== 'string') {
    const reason = body.error?.message ?? `HTTP ${response.status}`;
    throw new Error(`Could not join: ${reason}`);
  }
  return body.token;
}

async function join(name) {
  const token = await fetchToken(name);
  localStorage.setItem(NAME_KEY, name);
  form.hidden = true;
  chatElement.hidden = false;
  document.title = `#${room} · roomchat`;
  const chat = await mountChat(chatElement, { token, room, onTokenExpired: () => fetchToken(name) });
  chat.focus();
}

document.getElementById('join-room').textContent = room;
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
    errorText.textContent = error.message;
  }
});
