import type * as Y from 'yjs';
import type { StoredUpdate } from '../storage/storage.js';
import type { LiveSession, Participant } from './live-session.js';

/** What changed in a session's awareness, as y-protocols reports it. */
export interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

/**
 * A feature that plugs into every session's lifecycle: fan-out to each protocol's clients,
 * relaying between instances, metrics, and whatever comes next (timeline, notes, webhooks).
 * The SessionHub calls the hooks of its extensions in the order they were given to it, which is
 * the order documented in docs/architecture.md; every hook is optional.
 *
 *   afterLoad ──► (onUpdate [logUpdate] | onAwareness | onParticipants)* ──► beforeUnload ──► afterUnload
 *      │ async: runs before anyone is answered        │ sync: on the keystroke path
 *      └─ afterStore after every storage write that held some of the session's updates
 *
 * The hooks on the keystroke path are synchronous on purpose: a promise per keystroke would cost
 * every update an allocation and a microtask. A hook must not throw; one that does is logged and
 * the others still run.
 */
export interface SessionExtension {
  /** Names the extension in logs. */
  readonly name: string;
  /**
   * A document was loaded from storage (`live` holds everything storage had). Runs before the
   * session is registered, so before any participant hears of it; a rejection fails the load.
   */
  afterLoad?(live: LiveSession): Promise<void> | void;
  /**
   * Every update applied to a loaded document, with the transaction's origin (a Participant, or
   * one of the origins in `origins.ts`) and the transaction, whose `changed` map tells which
   * shared types it touched.
   */
  onUpdate?(live: LiveSession, update: Uint8Array, origin: unknown, transaction: Y.Transaction): void;
  /**
   * Takes over logging an update this instance made or received from a participant (`entry`,
   * with its uid), after every `onUpdate`: true when it did, and from then on it answers for the
   * update reaching storage (the Redis stream, a write-ahead log that one instance stores from);
   * false leaves it to the hub's write queue. The first extension that takes it decides.
   */
  logUpdate?(live: LiveSession, entry: StoredUpdate): boolean;
  /**
   * Updates of a session that are durable elsewhere but may not be in storage yet (the Redis
   * stream), oldest first: a read of the log (a document built for a REST read, the history) adds
   * them to what storage holds. They may repeat stored updates, under the same uid.
   */
  unstored?(sessionId: string): Promise<StoredUpdate[]>;
  /** The awareness changed; `origin` as for updates (`'timeout'` when a stale cursor is swept). */
  onAwareness?(live: LiveSession, change: AwarenessChange, origin: unknown): void;
  /** A participant joined (`joined`) or left; `live.participants` already reflects it. */
  onParticipants?(live: LiveSession, participant: Participant, joined: boolean): void;
  /** Storage confirmed the session's updates up to sequence number `lastSeq`. */
  afterStore?(live: LiveSession, lastSeq: number): void;
  /** The document is about to be released (everything it held is stored). */
  beforeUnload?(live: LiveSession): void;
  /** The document was released; `live` must not be used for anything but its id and times. */
  afterUnload?(live: LiveSession): void;
  /**
   * The server is stopping and every participant was closed: hand the hub's write queue whatever
   * this extension still has to store (its final flush comes next). Awaited before the flush.
   */
  beforeShutdown?(): Promise<void>;
  /**
   * Participants of the session on other instances (`local` counted here); the first extension
   * that answers decides. Absent everywhere with a single instance.
   */
  countParticipants?(sessionId: string, local: number): Promise<number>;
  /** A storage write finished, of any session (`ok` false: it failed and will be retried). */
  onStorageWrite?(seconds: number, ok: boolean): void;
}
