import type { LoggedUpdate, SessionAccess, SessionRecord, Storage, StoredDocument, WriteBatch } from './storage.js';

interface MemorySession {
  record: SessionRecord;
  log: LoggedUpdate[];
  /** Uids in the log, so a repeated write of one is skipped. */
  uids: Set<string>;
  snapshot: { state: Uint8Array; uptoSeq: number } | null;
}

/** Storage kept in process memory: for tests and throwaway servers (`STORAGE=memory`). */
export class MemoryStorage implements Storage {
  private readonly sessions = new Map<string, MemorySession>();
  private seq = 0;
  private closed = false;

  async createSession(record: SessionRecord, initialUpdate: Uint8Array): Promise<void> {
    this.check();
    if (this.sessions.has(record.id)) throw new Error(`session ${record.id} already exists`);
    this.sessions.set(record.id, {
      record: { ...record, access: { ...record.access } },
      log: [{ seq: ++this.seq, at: record.createdAt, update: initialUpdate.slice(), uid: null }],
      uids: new Set(),
      snapshot: null,
    });
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    this.check();
    const session = this.sessions.get(id);
    return session ? { ...session.record, access: { ...session.record.access } } : null;
  }

  async updateAccess(id: string, access: SessionAccess): Promise<void> {
    this.check();
    const session = this.sessions.get(id);
    if (!session) throw new Error(`session ${id} does not exist`);
    session.record.access = { ...access };
  }

  async write(batch: WriteBatch): Promise<Map<string, number>> {
    this.check();
    const last = new Map<string, number>();
    // Validate first so a batch is all-or-nothing, like the SQL implementations' transactions.
    for (const { sessionId } of [...batch.updates, ...batch.touches]) {
      if (!this.sessions.has(sessionId)) throw new Error(`session ${sessionId} does not exist`);
    }
    for (const { sessionId, update, at, uid } of batch.updates) {
      const session = this.sessions.get(sessionId)!;
      if (uid !== undefined) {
        if (session.uids.has(uid)) continue;
        session.uids.add(uid);
      }
      const seq = ++this.seq;
      session.log.push({ seq, at, update: update.slice(), uid: uid ?? null });
      last.set(sessionId, seq);
    }
    for (const touch of batch.touches) {
      const record = this.sessions.get(touch.sessionId)!.record;
      record.lastActivity = Math.max(record.lastActivity, touch.lastActivity);
      if (touch.language) record.language = touch.language;
    }
    return last;
  }

  async loadDocument(id: string): Promise<StoredDocument> {
    this.check();
    const session = this.sessions.get(id);
    if (!session) throw new Error(`session ${id} does not exist`);
    const after = session.snapshot?.uptoSeq ?? 0;
    const updates = session.log.filter((entry) => entry.seq > after).map((entry) => entry.update);
    return {
      snapshot: session.snapshot?.state ?? null,
      updates,
      lastSeq: session.log.at(-1)?.seq ?? 0,
      updatesSinceSnapshot: updates.length,
    };
  }

  async loadUpdatesAfter(id: string, afterSeq: number): Promise<{ updates: Uint8Array[]; lastSeq: number }> {
    this.check();
    const after = (this.sessions.get(id)?.log ?? []).filter((entry) => entry.seq > afterSeq);
    return { updates: after.map((entry) => entry.update), lastSeq: after.at(-1)?.seq ?? afterSeq };
  }

  async saveSnapshot(id: string, state: Uint8Array, uptoSeq: number): Promise<void> {
    this.check();
    const session = this.sessions.get(id);
    if (!session) throw new Error(`session ${id} does not exist`);
    if (!session.snapshot || session.snapshot.uptoSeq < uptoSeq) {
      session.snapshot = { state: state.slice(), uptoSeq };
    }
  }

  async history(id: string): Promise<LoggedUpdate[]> {
    this.check();
    return (this.sessions.get(id)?.log ?? []).map((entry) => ({ ...entry }));
  }

  async ping(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}
