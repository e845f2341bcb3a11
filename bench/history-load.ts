import * as Y from 'yjs';
import { createLogger } from '../server/logger.js';
import { SessionHub } from '../server/sessions/session-hub.js';
import { SqliteStorage } from '../server/storage/sqlite-storage.js';
import { LEGACY_ACCESS, type Storage } from '../server/storage/storage.js';
import { tempDir } from '../test/server/helpers/server.js';

/** Time to load a session whose history holds `updates` keystroke updates, from SQLite. */
export async function historyLoad(updates = 100_000, snapshotEvery = 500): Promise<Array<Record<string, string | number>>> {
  const dir = tempDir('interview-room-bench-');
  const storage = new SqliteStorage(dir.dir);
  try {
    const compacted = await typedSession(storage, updates, snapshotEvery);
    const raw = await typedSession(storage, updates, 0);
    const rows: Array<Record<string, string | number>> = [];
    for (const [label, id] of [['with snapshots (the server writes them)', compacted], ['no snapshot at all (worst case)', raw]] as const) {
      const times: number[] = [];
      let length = 0;
      for (let run = 0; run < 5; run++) {
        const hub = new SessionHub({ storage, logger: createLogger('silent'), flushIntervalMs: 50, unloadGraceMs: 60_000, snapshotEvery: Number.MAX_SAFE_INTEGER, sessionTtlMs: 86_400_000, sessionMaxAgeMs: 86_400_000, maxDocumentBytes: 2 ** 30 });
        const started = performance.now();
        const live = await hub.open(id);
        times.push(performance.now() - started);
        length = live.text.length;
        // Released by hand: a shutdown would write a snapshot and speed up the next run.
        live.destroy();
      }
      times.sort((a, b) => a - b);
      rows.push({ history: `${updates} updates, ${label}`, medianMs: +times[2]!.toFixed(1), minMs: +times[0]!.toFixed(1), maxMs: +times[4]!.toFixed(1), codeChars: length });
    }
    return rows;
  } finally {
    await storage.close();
    dir.remove();
  }
}

/** Writes a session typed one character per update, with a snapshot cadence like the server's. */
async function typedSession(storage: Storage, count: number, snapshotEvery: number): Promise<string> {
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  const text = doc.getText('code');
  const pending: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => pending.push(update));
  doc.getMap('meta').set('language', 'javascript');
  await storage.createSession({ id, createdAt: Date.now(), lastActivity: Date.now(), language: 'javascript', access: { ...LEGACY_ACCESS } }, pending.shift()!);
  const source = 'for (let i = 0; i < n; i++) { total += values[i] * weight; }\n';
  let written = 0;
  while (written < count) {
    const batch = Math.min(1000, count - written);
    for (let i = 0; i < batch; i++) {
      const position = text.length === 0 ? 0 : (written + i) % 7 === 0 ? Math.floor(text.length / 2) : text.length;
      text.insert(position, source[(written + i) % source.length]!);
    }
    const last = await storage.write({ updates: pending.splice(0).map((update) => ({ sessionId: id, update, at: Date.now() })), touches: [] });
    written += batch;
    // The server snapshots every `snapshotEvery` updates; the last snapshot may trail by up to that many.
    if (snapshotEvery > 0 && written % snapshotEvery === 0 && written < count - snapshotEvery / 2) {
      await storage.saveSnapshot(id, Y.encodeStateAsUpdate(doc), last.get(id)!);
    }
  }
  doc.destroy();
  return id;
}
