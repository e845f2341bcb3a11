// The SQLite writer's cost per logged update: 50 sessions × 5 updates in each of 240 batches
// (60,000 updates, a move every 5,000 as the server does), written back to back, then closed
// (the final move). Prints wall time and the process's CPU time (both threads) per update; on a
// shared machine compare CPU, and interleave runs of the variants.
//
//   node --import tsx bench/sqlite-append.ts [--root DIR] [--uids] [--keep-uids]
//
// --root: a copy of the tree whose server/storage is measured (`git archive REV | tar -x -C DIR`
// and a link to node_modules), default this one; --uids: every update carries a uid, as the hub
// gives them; --keep-uids: the file stores them (instances sharing it, with Redis).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const rootIndex = args.indexOf('--root');
const root = rootIndex >= 0 ? path.resolve(args[rootIndex + 1]!) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { SqliteStorage } = (await import(path.join(root, 'server/storage/sqlite-storage.ts'))) as typeof import('../server/storage/sqlite-storage.js');

const SESSIONS = 50;
const PER_SESSION = 5;
const BATCHES = 240;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-append-'));
const storage = await SqliteStorage.open(dir, undefined, undefined, flag('--keep-uids'));
const ids = Array.from({ length: SESSIONS }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const access = { ownerSecretHash: '', passwordHash: null, readOnly: false, endedAt: null, candidateEpoch: 0, ownerEpoch: 0 };
for (const id of ids) await storage.createSession({ id, createdAt: 1, lastActivity: 1, language: 'javascript', access }, new Uint8Array([0, 0]));

const update = new Uint8Array(30).fill(7);
let counter = 0;
const started = performance.now();
const cpu = process.cpuUsage();
for (let batch = 0; batch < BATCHES; batch++) {
  const updates = [];
  for (let k = 0; k < PER_SESSION; k++) {
    for (const sessionId of ids) updates.push({ sessionId, update, at: batch, ...(flag('--uids') ? { uid: `AbCdEfGh.${(counter++).toString(36)}` } : {}) });
  }
  await storage.write({ updates, touches: [] });
}
await storage.close();
const used = process.cpuUsage(cpu);
const count = SESSIONS * PER_SESSION * BATCHES;
console.log(JSON.stringify({ root, uids: flag('--uids'), keepUids: flag('--keep-uids'), updates: count, wallUsPerUpdate: +(((performance.now() - started) * 1000) / count).toFixed(2), cpuUsPerUpdate: +((used.user + used.system) / count).toFixed(2) }));
fs.rmSync(dir, { recursive: true, force: true });
