// The embeddable chat: one import, one call.
//
//   import { mountChat } from 'https://relay.example/widget.js';
//   const chat = await mountChat(element, { token, room });
//
// It loads its stylesheet and the wasm core from next to this file, so a
// host page only needs the import. See docs/embedding.md.

import { PendingStore } from './pending_store.js';
import createRoomchat from './roomchat.js';
import { Transport } from './transport.js';
import { ChatView } from './view/chat_view.js';

// The release this widget belongs to ("major.minor.patch"), the relay's too.
export { version } from './version.js';

/** @typedef {import('./roomchat.js').RoomchatModule} RoomchatModule */

/** @type {Promise<RoomchatModule> | null} */
let modulePromise = null;

function loadModule() {
  modulePromise ??= (async () => {
    const response = await fetch(new URL('./roomchat.wasm', import.meta.url));
    if (!response.ok) throw new Error(`roomchat.wasm: HTTP ${response.status}`);
    return createRoomchat({ wasmBinary: await response.arrayBuffer() });
  })();
  modulePromise.catch(() => {
    modulePromise = null;
  });
  return modulePromise;
}

function loadStylesheet() {
  const href = new URL('./chat.css', import.meta.url).href;
  if (document.querySelector(`link[data-roomchat-css]`)) return Promise.resolve();
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  link.dataset.roomchatCss = '';
  const loaded = new Promise((resolve) => {
    link.onload = resolve;
    link.onerror = resolve;  // unstyled beats not working
  });
  document.head.append(link);
  return loaded;
}

// The relay serving this file also serves the WebSocket endpoint, next to it
// (relative, so a reverse proxy may mount the relay under a path prefix).
export function defaultUrl() {
  const url = new URL('./ws', import.meta.url);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * Mounts the chat into `element` and connects. Without options, the checks below throw (the
 * `{}` default is cast: it has no token or room).
 * @param {Element} element  where the chat goes (it fills the element; give it a height)
 * @param {object} options
 * @param {string} options.token  JWT for this user, minted by the host's backend
 * @param {string} options.room   room id the token admits
 * @param {string} [options.url]  ws(s):// URL of the relay's /ws (default: same origin as this file)
 * @param {() => Promise<string>} [options.onTokenExpired]  returns a fresh token
 * @param {'light'|'dark'} [options.theme]  force a theme (default: follows prefers-color-scheme)
 * @param {'session'|'local'} [options.pendingStorage]  where unsent messages wait: 'session'
 *   (default) keeps them for the tab, across reloads; 'local' also after the tab is closed
 * @param {() => number} [options.mediaTime]  the player's position in seconds (a video's
 *   currentTime): each message is stamped with it and shows it ("at 12:34")
 * @param {(seconds: number) => void} [options.onSeek]  called when a reader clicks a message's
 *   position; without it the position is shown, not a button
 * @returns {Promise<{ setToken(token: string): void, focus(): void, destroy(): void }>}
 */
export async function mountChat(
  element,
  { token, room, url = defaultUrl(), onTokenExpired, theme, pendingStorage = 'session', mediaTime, onSeek } = /** @type {any} */ ({}),
) {
  if (!(element instanceof Element)) throw new TypeError('mountChat: element must be a DOM element');
  if (typeof token !== 'string' || token === '') throw new TypeError('mountChat: token must be a non-empty string');
  if (typeof room !== 'string' || room === '') throw new TypeError('mountChat: room must be a non-empty string');
  if (pendingStorage !== 'session' && pendingStorage !== 'local') {
    throw new TypeError("mountChat: pendingStorage must be 'session' or 'local'");
  }
  if (mediaTime !== undefined && typeof mediaTime !== 'function') throw new TypeError('mountChat: mediaTime must be a function');
  if (onSeek !== undefined && typeof onSeek !== 'function') throw new TypeError('mountChat: onSeek must be a function');

  const view = new ChatView(element, { room, theme });
  /** @type {RoomchatModule} */
  let roomchat;
  try {
    [roomchat] = await Promise.all([loadModule(), loadStylesheet()]);
  } catch (error) {
    view.fail('The chat could not load. Please reload the page.');
    throw error;
  }
  const session = roomchat.createSession({ room, token });
  // Without a readable subject nothing is stored: better lost on reload than shown as someone else.
  const user = roomchat.tokenSubject(token);
  const store = user === null ? null : new PendingStore({ url, room, user, storage: pendingStorage });
  const onEvents = (events) => {
    view.handle(events);
    if (store && events.some((event) => event.type === 'pending_changed')) store.save(session.pending());
  };
  const transport = new Transport(session, { url, onEvents });

  let refreshing = false;
  const setToken = (fresh) => transport.run((s, now) => s.setToken(fresh, now));
  const refreshToken = async () => {
    if (!onTokenExpired || refreshing) return;
    refreshing = true;
    try {
      setToken(await onTokenExpired());
    } catch (error) {
      view.banner.showError('Your session expired and could not be renewed. Please reload the page.');
      console.error('roomchat: onTokenExpired failed', error);
    } finally {
      refreshing = false;
    }
  };

  // A player that cannot say where it is must not cost the message: it goes without a position.
  const position = () => {
    try {
      return mediaTime?.();
    } catch (error) {
      console.error('roomchat: mediaTime failed', error);
      return undefined;
    }
  };
  const controller = {
    send: (text) => transport.run((s, now) => s.send(text, now, position())),
    seek: onSeek ? (/** @type {number} */ mediaMs) => onSeek(mediaMs / 1000) : null,
    retry: (id) => transport.run((s, now) => s.retry(id, now)),
    setWatching: (watching) => transport.run((s, now) => s.setWatching(watching, now)),
    composing: (hasText) => transport.run((s, now) => s.composing(hasText, now)),
    mute: (userId, minutes) => transport.run((s, now) => s.mute(userId, minutes, now)),
    moderator: () => session.moderator(),
    selfId: () => session.self()?.id ?? null,
    remove: (seq) => transport.run((s, now) => s.remove(seq, now)),
    react: (seq, emoji) => transport.run((s, now) => s.react(seq, emoji, now)),
    loadOlder: () => transport.run((s, now) => s.loadOlder(now)),
    validate: (text) => session.validate(text, Date.now()),
    timelineLatest: (count) => session.timelineLatest(count),
    timelineFrom: (seq, count) => session.timelineFrom(seq, count),
    timelineBefore: (seq, count) => session.timelineBefore(seq, count),
    errorMessage: (code, retryAfterMs) => roomchat.errorMessage(code, retryAfterMs),
  };
  view.attach(controller, { onTokenExpired: refreshToken });
  if (store) transport.run((s, now) => s.restore(store.load(), now));
  transport.start();

  let destroyed = false;
  return {
    setToken,
    focus: () => view.focus(),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      transport.stop();
      view.destroy();
    },
  };
}
