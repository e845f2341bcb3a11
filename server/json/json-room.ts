import type * as Y from 'yjs';
import type { JsonServerMessage } from '../../shared/protocol/json-messages.js';
import { LANGUAGE_KEY, READ_ONLY_KEY } from '../../shared/schema.js';
import type { Attachment, LiveSession, Participant } from '../sessions/live-session.js';
import type { SessionExtension } from '../sessions/session-extension.js';

/** A `/ws` participant as the room sees it. */
export interface JsonPeer extends Participant {
  readonly kind: 'json';
  send(message: JsonServerMessage): void;
  /** The code changed through someone else: schedule a (coalesced) `codeUpdate`. */
  codeChanged(): void;
}

/** Calls `each` for every JSON participant of `live` except `except`. */
function forEachPeer(live: LiveSession, except: unknown, each: (peer: JsonPeer) => void): void {
  for (const participant of live.participants) if (participant !== except && participant.kind === 'json') each(participant as JsonPeer);
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
 * The JSON-protocol side of one live session: numbers every state of the code with a `version`
 * and keeps recent versions' texts for three-way merges. Made with the session's first JSON
 * participant (sessions without one pay nothing); `jsonRooms` keeps it current and tells the
 * `/ws` clients about code, language, lock and participant changes.
 */
export class JsonRoom implements Attachment {
  private readonly texts = new Map<number, string>();
  private chars = 0;
  private current: number;

  constructor(private readonly live: LiveSession) {
    this.current = this.store(live.text.toString());
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

  destroy(): void {
    this.texts.clear();
  }

  /** A transaction changed the document: a new version when the code changed, and the news to every peer. */
  changed(transaction: Y.Transaction, origin: unknown): void {
    const live = this.live;
    const changed = transaction.changed as Map<unknown, Set<string | null>>;
    if (changed.has(live.text)) {
      this.current = this.store(live.text.toString());
      forEachPeer(live, origin, (peer) => peer.codeChanged());
    }
    const metaKeys = changed.get(live.meta);
    if (!metaKeys) return;
    if (metaKeys.has(LANGUAGE_KEY)) {
      const message: JsonServerMessage = { type: 'languageUpdate', language: live.language };
      forEachPeer(live, null, (peer) => peer.send(message));
    }
    if (metaKeys.has(READ_ONLY_KEY)) {
      const message: JsonServerMessage = { type: 'access', readOnly: live.readOnly };
      forEachPeer(live, null, (peer) => peer.send(message));
    }
  }

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

/**
 * Keeps every session's JsonRoom current and its `/ws` clients told: code and meta changes, and
 * the participant count on every join and leave (a joiner learns it from its `init`).
 */
export const jsonRooms: SessionExtension = {
  name: 'json-rooms',

  onUpdate(live: LiveSession, _update: Uint8Array, origin: unknown, transaction: Y.Transaction): void {
    live.attached<JsonRoom>('json')?.changed(transaction, origin);
  },

  onParticipants(live: LiveSession, participant: Participant, joined: boolean): void {
    if (!live.attached('json')) return;
    const message: JsonServerMessage = { type: 'participants', count: live.participants.size };
    forEachPeer(live, joined ? participant : null, (peer) => peer.send(message));
  },
};
