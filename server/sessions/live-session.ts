import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { isLanguage, type Language } from '../../shared/languages.js';
import type { Role } from '../../shared/roles.js';
import { CODE_TEXT, LANGUAGE_KEY, META_MAP, READ_ONLY_KEY } from '../../shared/schema.js';
import type { SessionAccess, SessionRecord, StoredDocument } from '../storage/storage.js';
import { RatePolicy } from '../limits/token-bucket.js';
import { SmallSet } from '../util/small-set.js';
import { sweepShared, unsweep } from './awareness-internals.js';
import { SERVER_ORIGIN } from './origins.js';
import type { AwarenessChange } from './session-extension.js';

/** Anyone connected to a session, over either protocol. */
export interface Participant {
  readonly kind: 'yjs' | 'json';
  /** What this participant may do; fixed when it joined. */
  readonly role: Role;
  /** The access epoch of its role when it joined: a change of epoch revokes it. */
  readonly epoch: number;
  /** When its grant lapses (a token's expiry), in ms since the epoch; Infinity for never. */
  readonly expiresAt: number;
  /** Closes the participant's connection with a WebSocket close code and a reason. */
  close(code: number, reason: string): void;
}

/**
 * Whether a transaction origin is a connection (as opposed to the server, storage or Redis).
 * Origins are connections or symbols, so the two fields every participant has tell them apart.
 */
export function isParticipant(origin: unknown): origin is Participant {
  return typeof origin === 'object' && origin !== null && 'kind' in origin && 'role' in origin;
}

/** Every deleted item may be garbage-collected (Yjs's default filter, as one shared function). */
const collectEverything = (): boolean => true;

/** Something attached to a live session that must be released with it. */
export interface Attachment {
  destroy(): void;
}

/** Where a live session reports its document's and awareness's changes (the hub's extensions). */
export interface SessionListener {
  update(live: LiveSession, update: Uint8Array, origin: unknown, transaction: Y.Transaction): void;
  awareness(live: LiveSession, change: AwarenessChange, origin: unknown): void;
}

/**
 * A session loaded in memory: its one Y.Doc and awareness, shared by every connection, the
 * participants using it, and the bookkeeping of what of it is stored. Created, joined, left and
 * unloaded only by the SessionHub; everyone else reads it and changes it through its methods,
 * which keep its invariants (the lock flag follows the record, the size estimate bounds the
 * document from above, one snapshot at a time).
 */
export class LiveSession {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  /** Maintained by the hub's join and leave. */
  readonly participants = new SmallSet<Participant>();
  /** When this document was loaded (ms since the epoch). */
  readonly loadedAt = Date.now();
  /** Sequence number of the last update of this session known to be in storage. */
  private storedSeq: number;
  /** Encoded size of the document, estimated from above: the stored bytes at load plus each update since. */
  private approxBytes: number;
  /** Updates received since the last snapshot was written. */
  private sinceSnapshot: number;
  private snapshotting = false;
  /** The session's bucket of update bytes it may still log (under the hub's shared policy). */
  private logBudget = RatePolicy.FULL;
  private unloadTimer: NodeJS.Timeout | null = null;
  /** By key; a plain object because a session has one or two, and a Map costs a hash table. */
  private attachments: Record<string, Attachment> = {};

  constructor(
    private readonly current: SessionRecord,
    stored: StoredDocument,
  ) {
    // The session id as guid: Yjs would otherwise generate a random one for every load; and one
    // shared filter instead of the closure Yjs makes per document.
    this.doc = new Y.Doc({ gc: true, guid: current.id, gcFilter: collectEverything });
    this.awareness = new Awareness(this.doc);
    sweepShared(this.awareness);
    // Defines both shared types up front, as every client does.
    this.doc.getText(CODE_TEXT);
    this.doc.getMap(META_MAP);
    // The server is not a participant: its own awareness entry would show up as a ghost user.
    this.awareness.setLocalState(null);
    this.storedSeq = stored.lastSeq;
    this.sinceSnapshot = stored.updatesSinceSnapshot;
    // What was stored bounds the encoded size from above, which is all `fits` needs of the estimate.
    this.approxBytes = (stored.snapshot?.length ?? 0) + stored.updates.reduce((sum, update) => sum + update.length, 0);
  }

  /**
   * Reports every later change of the document and the awareness to `listener` (the hub, which
   * hands them to its extensions). Called once, after the stored document was applied: loading
   * is not a change anybody needs to hear of.
   */
  listen(listener: SessionListener): void {
    this.doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) =>
      listener.update(this, update, origin, transaction),
    );
    this.awareness.on('update', (change: AwarenessChange, origin: unknown) => listener.awareness(this, change, origin));
  }

  get id(): string {
    return this.current.id;
  }

  /** The session's record as of now (language, activity and access follow the live session). */
  get record(): Readonly<SessionRecord> {
    return this.current;
  }

  /** Who may do what in the session now. */
  get access(): Readonly<SessionAccess> {
    return this.current.access;
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
    return isLanguage(value) ? value : this.current.language;
  }

  /** Whether candidates are locked out of editing now. */
  get readOnly(): boolean {
    return this.current.access.readOnly;
  }

  /** Sequence number of the last update of this session known to be in storage. */
  get lastSeq(): number {
    return this.storedSeq;
  }

  /** Returns the attachment stored under `key`, creating it on first use. */
  attachment<T extends Attachment>(key: string, create: () => T): T {
    return (this.attachments[key] ??= create()) as T;
  }

  /** The attachment stored under `key`, if one was made. */
  attached<T extends Attachment>(key: string): T | undefined {
    return this.attachments[key] as T | undefined;
  }

  /** Replaces the session's access (authoritative, from storage) and puts the lock flag in line. */
  setAccess(access: SessionAccess): void {
    this.current.access = access;
    this.mirrorReadOnly();
  }

  /**
   * Puts the document's lock flag (`meta.readOnly`) in line with the record, which is
   * authoritative: only the server writes the flag, clients only read it. Only `true` locks;
   * a session never locked has no flag at all.
   */
  mirrorReadOnly(): void {
    const readOnly = this.current.access.readOnly;
    const flag = this.meta.get(READ_ONLY_KEY);
    if (readOnly ? flag !== true : flag !== undefined && flag !== false) this.doc.transact(() => this.meta.set(READ_ONLY_KEY, readOnly), SERVER_ORIGIN);
  }

  /** Records activity (an edit or a join) at `at`. */
  touch(at: number): void {
    this.current.lastActivity = at;
  }

  /** Records the language the document now names; returns it. */
  noteLanguage(): Language {
    return (this.current.language = this.language);
  }

  /** Counts an update received at `at` (not one loaded from storage) of `bytes` encoded bytes. */
  noteUpdate(bytes: number, at: number): void {
    this.current.lastActivity = at;
    this.sinceSnapshot++;
    this.approxBytes += bytes;
  }

  /** Takes `bytes` from the session's logging budget under `policy`; false when it is spent. */
  takeLogBudget(policy: RatePolicy, bytes: number): boolean {
    const next = policy.take(this.logBudget, bytes);
    if (next < 0) return false;
    this.logBudget = next;
    return true;
  }

  /**
   * Whether `bytes` more fit in a document of at most `maxBytes`. The running estimate only grows
   * (deleted text still counts until it is measured), so when it says no, the document is
   * measured exactly before refusing.
   */
  fits(bytes: number, maxBytes: number): boolean {
    if (this.approxBytes + bytes <= maxBytes) return true;
    this.approxBytes = Y.encodeStateAsUpdate(this.doc).length;
    return this.approxBytes + bytes <= maxBytes;
  }

  /** Storage confirmed this session's updates up to `seq`. */
  stored(seq: number): void {
    this.storedSeq = Math.max(this.storedSeq, seq);
  }

  /** Whether enough updates arrived since the last snapshot for another one (and none is being written). */
  snapshotDue(every: number): boolean {
    return this.sinceSnapshot >= every && !this.snapshotting;
  }

  /**
   * Writes a snapshot through `write`, one at a time, when anything arrived since the last one.
   * `write` gets the last stored sequence number and resolves whether it wrote; updates arriving
   * meanwhile stay counted towards the next snapshot.
   */
  async snapshot(write: (lastSeq: number) => Promise<boolean>): Promise<void> {
    if (this.sinceSnapshot === 0 || this.snapshotting) return;
    this.snapshotting = true;
    try {
      const covered = this.sinceSnapshot;
      if (await write(this.storedSeq)) this.sinceSnapshot = Math.max(0, this.sinceSnapshot - covered);
    } finally {
      this.snapshotting = false;
    }
  }

  /** Runs `unload` after `delayMs` unless cancelled or rescheduled first. */
  scheduleUnload(delayMs: number, unload: () => void): void {
    this.cancelUnload();
    this.unloadTimer = setTimeout(() => {
      this.unloadTimer = null;
      unload();
    }, delayMs);
  }

  /** Cancels a scheduled unload (someone joined). */
  cancelUnload(): void {
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.unloadTimer = null;
  }

  /** Releases the document, awareness timers and attachments. */
  destroy(): void {
    this.cancelUnload();
    for (const attachment of Object.values(this.attachments)) attachment.destroy();
    this.attachments = {};
    unsweep(this.awareness);
    this.awareness.destroy();
    this.doc.destroy();
  }
}
