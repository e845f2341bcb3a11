import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { isLanguage, type Language } from '../../shared/languages.js';
import { CODE_TEXT, LANGUAGE_KEY, META_MAP, READ_ONLY_KEY } from '../../shared/schema.js';
import type { Role } from '../../shared/roles.js';
import type { SessionRecord } from '../storage/storage.js';
import { sweepShared, unsweep } from './awareness-sweep.js';
import { SERVER_ORIGIN } from './origins.js';
import { SmallSet } from '../util/small-set.js';

/** Anyone connected to a session, over either protocol. */
export interface Participant {
  readonly kind: 'yjs' | 'json';
  /** What this participant may do; fixed when it joined. */
  readonly role: Role;
  /** The access epoch of its role when it joined: a change of epoch revokes it. */
  readonly epoch: number;
  /** Closes the participant's connection with a WebSocket close code and a reason. */
  close(code: number, reason: string): void;
}

/** Whether a transaction origin is a connection (as opposed to the server, storage or Redis). */
export function isParticipant(origin: unknown): origin is Participant {
  return typeof origin === 'object' && origin !== null && 'kind' in origin && 'role' in origin;
}

/** Every deleted item may be garbage-collected (Yjs's default filter, as one shared function). */
const collectEverything = (): boolean => true;

/** Something attached to a live session that must be released with it. */
export interface Attachment {
  destroy(): void;
}

/**
 * A session loaded in memory: its one Y.Doc and awareness, shared by every connection, and the
 * participants using it. Created and unloaded only by the SessionHub.
 */
export class LiveSession {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  readonly participants = new SmallSet<Participant>();
  /** Sequence number of the last update of this session known to be in storage. */
  lastSeq = 0;
  /** Encoded size of the document, estimated from above: the stored bytes at load plus each update since. */
  approxBytes = 0;
  /** Updates received since the last snapshot was written. */
  updatesSinceSnapshot = 0;
  /** When this document was loaded (ms since the epoch). */
  readonly loadedAt = Date.now();
  /** A snapshot is being written (one at a time). */
  snapshotting = false;
  unloadTimer: NodeJS.Timeout | null = null;
  /** By key; a plain object because a session has one or two, and a Map costs a hash table. */
  private attachments: Record<string, Attachment> = {};
  /** Participant-count subscribers; made on the first subscription (only JSON rooms subscribe). */
  private listeners: Set<(count: number) => void> | null = null;

  constructor(readonly record: SessionRecord) {
    // The session id as guid: Yjs would otherwise generate a random one for every load; and one
    // shared filter instead of the closure Yjs makes per document.
    this.doc = new Y.Doc({ gc: true, guid: record.id, gcFilter: collectEverything });
    this.awareness = new Awareness(this.doc);
    sweepShared(this.awareness);
    // Defines both shared types up front, as every client does.
    this.doc.getText(CODE_TEXT);
    this.doc.getMap(META_MAP);
    // The server is not a participant: its own awareness entry would show up as a ghost user.
    this.awareness.setLocalState(null);
  }

  get id(): string {
    return this.record.id;
  }

  /** The session's code. (Looked up, not kept: two fields less in every loaded session.) */
  get text(): Y.Text {
    return this.doc.getText(CODE_TEXT);
  }

  /** Session settings shared by all participants (language, lock flag). */
  get meta(): Y.Map<unknown> {
    return this.doc.getMap(META_MAP);
  }

  /** The session's language from the document, falling back to the stored one. */
  get language(): Language {
    const value = this.meta.get(LANGUAGE_KEY);
    return isLanguage(value) ? value : this.record.language;
  }

  /** Returns the attachment stored under `key`, creating it on first use. */
  attachment<T extends Attachment>(key: string, create: () => T): T {
    return (this.attachments[key] ??= create()) as T;
  }

  /**
   * Puts the document's lock flag (`meta.readOnly`) in line with the record, which is
   * authoritative: only the server writes the flag, clients only read it. Only `true` locks;
   * a session never locked has no flag at all.
   */
  mirrorReadOnly(): void {
    const readOnly = this.record.access.readOnly;
    const flag = this.meta.get(READ_ONLY_KEY);
    if (readOnly ? flag !== true : flag !== undefined && flag !== false) this.doc.transact(() => this.meta.set(READ_ONLY_KEY, readOnly), SERVER_ORIGIN);
  }

  /** Subscribes to participant-count changes; returns the unsubscribe function. */
  onParticipantsChange(listener: (count: number) => void): () => void {
    const listeners = (this.listeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Tells subscribers the participant count changed. */
  emitParticipants(): void {
    if (this.listeners) for (const listener of this.listeners) listener(this.participants.size);
  }

  /** Releases the document, awareness timers and attachments. */
  destroy(): void {
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.unloadTimer = null;
    for (const attachment of Object.values(this.attachments)) attachment.destroy();
    this.attachments = {};
    this.listeners = null;
    unsweep(this.awareness);
    this.awareness.destroy();
    this.doc.destroy();
  }
}
