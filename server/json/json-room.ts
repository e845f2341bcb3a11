import type * as Y from 'yjs';
import { LANGUAGE_KEY, READ_ONLY_KEY } from '../../shared/schema.js';
import type { JsonServerMessage } from '../../shared/protocol/json-messages.js';
import type { Attachment, LiveSession } from '../sessions/live-session.js';
import { SmallSet } from '../util/small-set.js';

/** A `/ws` client as the room sees it. */
export interface JsonPeer {
  send(message: JsonServerMessage): void;
  /** The code changed through someone else: schedule a (coalesced) `codeUpdate`. */
  codeChanged(): void;
}

/** Versions kept for three-way merges: at least MIN, at most MAX, and at most MAX_CHARS of text. */
const MIN_VERSIONS = 16;
const MAX_VERSIONS = 256;
const MAX_CHARS = 4_000_000;

/**
 * Versions are opaque integers, unique within a server process (one counter for all sessions) and
 * seeded from the clock so that a restarted process does not hand out numbers a client may still
 * hold for another text.
 */
let nextVersion = Date.now() * 1000;

/**
 * The JSON-protocol side of one live session: numbers every state of the code with a `version`,
 * keeps recent versions' texts for three-way merges, and tells `/ws` clients about code,
 * language and participant changes.
 */
export class JsonRoom implements Attachment {
  readonly peers = new SmallSet<JsonPeer>();
  private readonly texts = new Map<number, string>();
  private chars = 0;
  private current: number;
  private readonly unsubscribe: () => void;

  constructor(private readonly live: LiveSession) {
    this.current = this.store(live.text.toString());
    live.text.observe(this.onText);
    live.meta.observe(this.onMeta);
    this.unsubscribe = live.onParticipantsChange((count) => this.broadcast({ type: 'participants', count }));
  }

  /** The attachment for `live`, created on first use. */
  static of(live: LiveSession): JsonRoom {
    return live.attachment('json', () => new JsonRoom(live));
  }

  /** The version of the current text. */
  get version(): number {
    return this.current;
  }

  /** The text of a recent version, or undefined when it is unknown or was evicted. */
  textAt(version: number): string | undefined {
    return this.texts.get(version);
  }

  /** Sends a message to every JSON peer except `except`. */
  broadcast(message: JsonServerMessage, except?: JsonPeer): void {
    for (const peer of this.peers) if (peer !== except) peer.send(message);
  }

  destroy(): void {
    this.live.text.unobserve(this.onText);
    this.live.meta.unobserve(this.onMeta);
    this.unsubscribe();
    this.peers.clear();
    this.texts.clear();
  }

  private readonly onText = (_event: Y.YTextEvent, transaction: Y.Transaction): void => {
    this.current = this.store(this.live.text.toString());
    for (const peer of this.peers) if (peer !== transaction.origin) peer.codeChanged();
  };

  private readonly onMeta = (event: Y.YMapEvent<unknown>): void => {
    if (event.keysChanged.has(LANGUAGE_KEY)) this.broadcast({ type: 'languageUpdate', language: this.live.language });
    if (event.keysChanged.has(READ_ONLY_KEY)) this.broadcast({ type: 'access', readOnly: this.live.record.access.readOnly });
  };

  /**
   * Gives a version to a text a client holds that the document never had (its change merged with
   * concurrent edits), so that its next change can be merged from exactly what it held.
   */
  remember(text: string): number {
    return this.store(text);
  }

  private store(text: string): number {
    const version = nextVersion++;
    this.texts.set(version, text);
    this.chars += text.length;
    for (const [old, oldText] of this.texts) {
      if (this.texts.size <= MIN_VERSIONS || (this.texts.size <= MAX_VERSIONS && this.chars <= MAX_CHARS)) break;
      this.texts.delete(old);
      this.chars -= oldText.length;
    }
    return version;
  }
}
