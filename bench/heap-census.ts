import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import type { WebSocket } from 'ws';
import { startHeapTarget } from './retained-heap.js';

/** Object counts and self sizes by constructor name in a V8 heap snapshot. */
function census(file: string): Map<string, { count: number; bytes: number }> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const result = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const raw = snapshot.strings[snapshot.nodes[i + nameAt]!]!;
    const name = type === 'object' || type === 'closure' ? raw : process.env.CENSUS_VALUES && type.includes('string') ? `(${type}) ${raw.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'UUID').replace(/\d+/g, 'N')}` : `(${type})`;
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = result.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + sizeAt]!;
    result.set(key, entry);
  }
  return result;
}

mkdirSync('/tmp/census', { recursive: true });
const target = (process.argv[4] ?? 'ours') as 'ours' | 'reference';
const sessions = Number(process.argv[2] ?? 200);
const server = await startHeapTarget(target);
const sockets: WebSocket[] = [];
async function open(count: number): Promise<void> {
  for (let i = 0; i < count; i++) sockets.push(await server.openSession());
}
await open(200);
await new Promise((resolve) => setTimeout(resolve, 300));
const beforeFile = writeHeapSnapshot('/tmp/census/before.heapsnapshot');
await open(sessions);
await new Promise((resolve) => setTimeout(resolve, 300));
const afterFile = writeHeapSnapshot('/tmp/census/after.heapsnapshot');
const before = census(beforeFile);
const after = census(afterFile);
const rows = [...after].map(([key, a]) => {
  const b = before.get(key) ?? { count: 0, bytes: 0 };
  return { key, perSession: (a.count - b.count) / sessions, bytesPerSession: (a.bytes - b.bytes) / sessions };
});
rows.sort((x, y) => y.bytesPerSession - x.bytesPerSession);
let total = 0;
for (const row of rows) total += row.bytesPerSession;
console.log(`total ${(total / 1024).toFixed(1)} KiB per session`);
for (const row of rows.slice(0, Number(process.argv[3] ?? 60))) console.log(row.bytesPerSession.toFixed(0).padStart(7), row.perSession.toFixed(2).padStart(7), row.key);
for (const ws of sockets) ws.terminate();
await server.stop();
if (!process.env.CENSUS_KEEP) rmSync('/tmp/census', { recursive: true, force: true });
process.exit(0);
