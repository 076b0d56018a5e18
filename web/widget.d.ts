// The API of widget.js for a host page's build: the embeddable chat, one import and one call.
// docs/embedding.md describes each option; tests/package checks that widget.js still has
// exactly this shape.

/** The release this widget belongs to ("major.minor.patch"), the relay's too. */
export const version: string;

export interface MountOptions {
  /** JWT for this user, minted by the host's backend. */
  token: string;
  /** The room id the token admits. */
  room: string;
  /** ws(s):// URL of the relay's /ws (default: next to widget.js, see defaultUrl). */
  url?: string;
  /** Returns a fresh token when the one in use is about to expire. */
  onTokenExpired?: () => Promise<string>;
  /** Forces a theme (default: follows prefers-color-scheme). */
  theme?: 'light' | 'dark';
  /**
   * Where unsent messages wait: 'session' (default) keeps them for the tab, across reloads;
   * 'local' also after the tab is closed.
   */
  pendingStorage?: 'session' | 'local';
  /** The player's position in seconds (a video's currentTime): each message is stamped with it. */
  mediaTime?: () => number;
  /** Called when a reader clicks a message's position; without it the position is shown only. */
  onSeek?: (seconds: number) => void;
}

export interface MountedChat {
  /** Hands the chat a fresh token (for hosts that refresh tokens themselves). */
  setToken(token: string): void;
  /** Moves the keyboard focus to the message box. */
  focus(): void;
  /** Leaves the room, closes the connection and removes the chat from its element. */
  destroy(): void;
}

/**
 * Mounts the chat into `element` (it fills the element: give it a height) and connects.
 * Throws a TypeError for a missing element, token or room, or an option of the wrong type.
 */
export function mountChat(element: Element, options: MountOptions): Promise<MountedChat>;

/** The relay's /ws next to the URL widget.js was loaded from (ws: or wss: to match). */
export function defaultUrl(): string;
