// Keeps the user's unacknowledged messages (the session's pending()) in web
// storage, so a reload does not lose what they typed. sessionStorage by
// default: it lasts as long as the tab, like the rest of the chat's state,
// and leaves nothing behind on a shared machine once the tab is closed. An
// embedder may choose localStorage, which also outlives a closed tab.
// One entry per relay URL, room and user: the user is the token's subject,
// the id the relay authenticates, so one person's text is never restored
// into another person's chat. The entry is removed once nothing is pending.
//
// With localStorage, other tabs of the same user and room share the entry.
// Each tab rewrites only the messages it knows; restoring one that another
// tab still holds is harmless, since it goes out with the same id and the
// relay deduplicates it.

const PREFIX = 'roomchat.pending:';

export class PendingStore {
  // `storage`: 'session' or 'local'.
  constructor({ url, room, user, storage }) {
    this.key = PREFIX + JSON.stringify([url, room, user]);
    this.storage = storage;
    this.known = new Set();  // ids this tab has held: its own to rewrite or drop
  }

  // Looked up at each use, inside the callers' try: reading either property
  // throws where the browser disables storage.
  area() {
    return this.storage === 'local' ? localStorage : sessionStorage;
  }

  // What an earlier page load left; [] when nothing or unreadable.
  load() {
    const stored = this.read();
    for (const message of stored) this.known.add(message.id);
    return stored;
  }

  save(pending) {
    for (const message of pending) this.known.add(message.id);
    const others = this.read().filter((message) => !this.known.has(message.id));
    const all = [...others, ...pending];
    try {
      if (all.length === 0) this.area().removeItem(this.key);
      else this.area().setItem(this.key, JSON.stringify(all));
    } catch (error) {
      // Storage full or disabled: the messages still go out while the page is open.
      console.warn('roomchat: could not store pending messages', error);
    }
  }

  read() {
    try {
      const stored = JSON.parse(this.area().getItem(this.key) ?? '[]');
      return Array.isArray(stored) ? stored.filter((m) => typeof m?.id === 'string') : [];
    } catch {
      return [];
    }
  }
}
